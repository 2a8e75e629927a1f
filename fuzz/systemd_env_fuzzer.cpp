// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Fuzz target: the environment unix_sockets::systemd reads
// (library/systemd.tcl): LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES as
// listen reads them, and NOTIFY_SOCKET as notify reads it.
//
// The parsing is Tcl, so the target evaluates it in a real interpreter
// that has sourced library/systemd.tcl. Nothing is adopted and nothing is
// sent: the target calls Descriptors (the parsing half of listen) instead
// of listen, and replaces unix_sockets::datagram with a procedure that
// records the address and returns a channel to /dev/null, so notify never
// sends a datagram to whatever socket the input names.
//
// It fails when the parsing gives an error other than its own
// {TCL VALUE <variable>} (a Tcl error from a value it did not expect), a
// result that is not {count names} with a count from 0 and exactly count
// names or none, a count for another process, or an address other than
// the one NOTIFY_SOCKET names. (A state that Tcl 9 cannot encode in UTF-8,
// a lone surrogate, may fail with Tcl's own encoding error.)
#include "fuzz_tcl.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <unistd.h>

#ifndef UNIX_SOCKETS_SYSTEMD_TCL
#error "UNIX_SOCKETS_SYSTEMD_TCL must name library/systemd.tcl"
#endif

namespace {

const char kSetup[] = R"tcl(
    # Stands in for the package: notify only needs its datagram command.
    package provide unix_sockets )tcl" UNIX_SOCKETS_VERSION R"tcl(
    namespace eval unix_sockets {}
    proc unix_sockets::datagram {option address} {
        set ::fuzzAddress $address
        return [open /dev/null w]
    }
    source $::fuzzSystemdTcl
)tcl";

Tcl_Interp* systemdInterp() {
    static Tcl_Interp* const interp = [] {
        Tcl_Interp* created = fuzz::interp();
        Tcl_SetVar2(created, "fuzzSystemdTcl", nullptr, UNIX_SOCKETS_SYSTEMD_TCL, TCL_GLOBAL_ONLY);
        if (Tcl_Eval(created, kSetup) != TCL_OK) {
            fuzz::fail("cannot source systemd.tcl", Tcl_GetStringResult(created));
        }
        return created;
    }();
    return interp;
}

// An environment variable's value: bytes in the system encoding, no NUL
// (the environment cannot hold one), or unset.
void setVariable(Tcl_Interp* interp, const char* name, FuzzedDataProvider& input) {
    if (input.ConsumeIntegralInRange<int>(0, 7) == 0) {
        Tcl_UnsetVar2(interp, "env", name, TCL_GLOBAL_ONLY);
        return;
    }
    std::string bytes = input.ConsumeRandomLengthString(256);
    bytes.erase(std::remove(bytes.begin(), bytes.end(), '\0'), bytes.end());
    fuzz::Ref value(fuzz::fromExternal(bytes));
    Tcl_SetVar2Ex(interp, "env", name, value.get(), TCL_GLOBAL_ONLY);
}

void checkDescriptors(Tcl_Interp* interp, FuzzedDataProvider& input) {
    const bool ours = input.ConsumeBool();
    if (ours) {
        Tcl_SetVar2Ex(interp, "env", "LISTEN_PID", Tcl_NewWideIntObj(::getpid()), TCL_GLOBAL_ONLY);
    } else {
        setVariable(interp, "LISTEN_PID", input);
    }
    setVariable(interp, "LISTEN_FDS", input);
    setVariable(interp, "LISTEN_FDNAMES", input);
    const int code = Tcl_Eval(interp, "unix_sockets::systemd::Descriptors");
    if (code != TCL_OK) {
        const std::string errorCode = fuzz::errorCode(interp, code);
        if (errorCode != "TCL VALUE LISTEN_PID" && errorCode != "TCL VALUE LISTEN_FDS" &&
            errorCode != "TCL VALUE LISTEN_FDNAMES") {
            fuzz::fail("Descriptors failed with an error of its own",
                       errorCode + ": " + Tcl_GetStringResult(interp));
        }
        return;
    }
    Tcl_Obj* result = Tcl_GetObjResult(interp);
    Tcl_Obj *countObj = nullptr, *names = nullptr;
    Tcl_WideInt count = -1;
    Tcl_Size nameCount = -1, words = 0;
    if (Tcl_ListObjLength(nullptr, result, &words) != TCL_OK || words != 2 ||
        Tcl_ListObjIndex(nullptr, result, 0, &countObj) != TCL_OK ||
        Tcl_ListObjIndex(nullptr, result, 1, &names) != TCL_OK ||
        Tcl_GetWideIntFromObj(nullptr, countObj, &count) != TCL_OK ||
        Tcl_ListObjLength(nullptr, names, &nameCount) != TCL_OK) {
        fuzz::fail("Descriptors returned something other than {count names}", fuzz::text(result));
    }
    if (count < 0 || (nameCount != 0 && nameCount != count)) {
        fuzz::fail("Descriptors returned names that do not match the count", fuzz::text(result));
    }
    // Another process's variables (or none) are no descriptors of ours.
    if (count > 0 && !ours) {
        // Decimal, as systemd writes it (Tcl would read a leading 0 as octal).
        Tcl_Obj* pid = Tcl_GetVar2Ex(interp, "env", "LISTEN_PID", TCL_GLOBAL_ONLY);
        if (pid == nullptr || std::strtoll(Tcl_GetString(pid), nullptr, 10) != ::getpid()) {
            fuzz::fail("Descriptors took another process's descriptors", fuzz::text(result));
        }
    }
}

void checkNotify(Tcl_Interp* interp, FuzzedDataProvider& input) {
    setVariable(interp, "NOTIFY_SOCKET", input);
    Tcl_UnsetVar(interp, "fuzzAddress", TCL_GLOBAL_ONLY);
    // A copy: env's read trace may replace the value object.
    Tcl_Obj* notifySocket = Tcl_GetVar2Ex(interp, "env", "NOTIFY_SOCKET", TCL_GLOBAL_ONLY);
    const bool isSet = notifySocket != nullptr;
    const std::string value = isSet ? fuzz::text(notifySocket) : "";
    fuzz::Ref state(fuzz::makeValue(input, 128));
    Tcl_Obj* command[] = {Tcl_NewStringObj("unix_sockets::systemd::notify", -1),
                          Tcl_NewStringObj("--", -1), state.get()};
    for (Tcl_Obj* word : command)
        Tcl_IncrRefCount(word);
    const int code = Tcl_EvalObjv(interp, 3, command, TCL_EVAL_GLOBAL);
    for (Tcl_Obj* word : command)
        Tcl_DecrRefCount(word);
    Tcl_Obj* address = Tcl_GetVar2Ex(interp, "fuzzAddress", nullptr, TCL_GLOBAL_ONLY);
    if (!isSet) {
        if (code != TCL_OK || fuzz::text(Tcl_GetObjResult(interp)) != "0" || address != nullptr) {
            fuzz::fail("notify without NOTIFY_SOCKET did something");
        }
        return;
    }
    std::string expected;
    if (!value.empty() && value[0] == '/') {
        expected = value;
    } else if (!value.empty() && value[0] == '@') {
        expected = "\xC0\x80" + value.substr(1);  // "\0" in Tcl's internal form
    } else {
        if (code != TCL_ERROR || fuzz::errorCode(interp, code) != "TCL VALUE NOTIFY_SOCKET" ||
            address != nullptr) {
            fuzz::fail("notify took a NOTIFY_SOCKET that is no address", value);
        }
        return;
    }
    // Tcl 9's UTF-8 refuses a lone surrogate in the state (Tcl 8.6 encodes
    // it); that error is Tcl's own, and nothing was sent.
    if (code == TCL_ERROR &&
        fuzz::errorCode(interp, code).rfind("TCL ENCODING ILLEGALSEQUENCE", 0) == 0) {
        return;
    }
    if (code != TCL_OK || address == nullptr || fuzz::text(address) != expected) {
        fuzz::fail("notify sent elsewhere than NOTIFY_SOCKET says",
                   value + ": " + Tcl_GetStringResult(interp));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Tcl_Interp* interp = systemdInterp();
    FuzzedDataProvider input(data, size);
    fuzz::chooseSystemEncoding(input);
    Tcl_ResetResult(interp);
    if (input.ConsumeBool()) {
        checkDescriptors(interp, input);
    } else {
        checkNotify(interp, input);
    }
    return 0;
}
