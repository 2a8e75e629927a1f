// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Fuzz target: option values and option lists (src/arguments.cpp).
//
// Each input picks one parser of a value scripts pass — -permissions,
// -owner, -group, -replace, -backlog (parseDigits as listen calls it),
// -type, an accept handler — or a whole option list parsed by
// parseOptions over a table like listen's, and feeds it values made the
// ways a script makes them. Besides crashes and sanitizer reports it fails
// when a parser returns neither TCL_OK nor TCL_ERROR, fails without a
// message or errorCode, or accepts a value outside what it promises
// (a mode above 0777, (uid_t)-1 as an owner, a backlog above INT_MAX, a
// type it was not offered, more or fewer positionals than asked).
#include "arguments.hpp"
#include "fuzz_tcl.hpp"

#include <climits>
#include <cstring>
#include <sys/socket.h>

namespace us = unix_sockets;

namespace {

// As listen's options do, they derive from the socket file's.
struct Options : us::FileOptions {
    unsigned long backlog = 0;
    int type = SOCK_STREAM;
    bool async = false;
};

// listen's -backlog: parseDigits with these arguments (socket_commands.cpp).
int parseBacklog(Tcl_Interp* interp, Tcl_Obj* value, Options& options) {
    if (!us::parseDigits(Tcl_GetString(value), 10, INT_MAX, &options.backlog)) {
        return us::badValue(interp, "-backlog", value, "a non-negative integer", "NUMBER");
    }
    return TCL_OK;
}

const char* const kConnectionTypes[] = {"stream", "seqpacket", nullptr};
const char* const kAllTypes[] = {"stream", "seqpacket", "datagram", nullptr};

int parseType(Tcl_Interp* interp, Tcl_Obj* value, Options& options) {
    return us::parseSocketType(interp, value, kConnectionTypes, &options.type);
}

int parseAsync(Tcl_Interp*, Tcl_Obj*, Options& options) {
    options.async = true;
    return TCL_OK;
}

const us::OptionSpec<Options> kTable[] = {
    {"-replace", us::fileOption<Options, us::parseReplace>},
    {"-permissions", us::fileOption<Options, us::parsePermissions>},
    {"-owner", us::fileOption<Options, us::parseOwner>},
    {"-group", us::fileOption<Options, us::parseGroup>},
    {"-backlog", parseBacklog},
    {"-type", parseType},
    {"-async", parseAsync, true},
    {nullptr, nullptr}};

const us::OptionSpec<Options> kNoOptions[] = {{nullptr, nullptr}};

// Words that reach the parsers' interesting branches sooner than chance.
const char* const kWords[] = {"-replace", "-permissions", "-owner",   "-group", "-backlog",
                              "-type",    "-async",       "--",       "-",      "-per",
                              "0660",     "0o777",        "0",        "root",   "nobody",
                              "stream",   "seqpacket",    "datagram", "never",  "4294967294"};

Tcl_Obj* makeWord(FuzzedDataProvider& input) {
    if (input.ConsumeBool()) {
        const std::size_t pick =
            input.ConsumeIntegralInRange<std::size_t>(0, sizeof kWords / sizeof kWords[0] - 1);
        return Tcl_NewStringObj(kWords[pick], -1);
    }
    return fuzz::makeValue(input, 64);
}

void checkOutcome(Tcl_Interp* interp, int code, const char* parser) {
    if (code == TCL_OK) return;
    if (code != TCL_ERROR) fuzz::fail("parser returned neither TCL_OK nor TCL_ERROR", parser);
    if (Tcl_GetCharLength(Tcl_GetObjResult(interp)) == 0) fuzz::fail("error without words", parser);
    if (fuzz::errorCode(interp, code) == "NONE") fuzz::fail("error without an errorCode", parser);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Tcl_Interp* interp = fuzz::interp();
    FuzzedDataProvider input(data, size);
    fuzz::chooseSystemEncoding(input);
    Tcl_ResetResult(interp);
    Options options;
    const int which = input.ConsumeIntegralInRange<int>(0, 7);
    if (which == 7) {
        // A whole command line: objv[0], then words.
        std::vector<Tcl_Obj*> words{Tcl_NewStringObj("unix_sockets::listen", -1)};
        const std::size_t count = input.ConsumeIntegralInRange<std::size_t>(0, 8);
        for (std::size_t i = 0; i < count; ++i)
            words.push_back(makeWord(input));
        for (Tcl_Obj* word : words)
            Tcl_IncrRefCount(word);
        const int positionals = input.ConsumeIntegralInRange<int>(0, 2);
        const bool none = input.ConsumeBool();
        int first = -1;
        const int code = us::parseOptions(interp, static_cast<int>(words.size()), words.data(),
                                          positionals, "?-option value ...? path",
                                          none ? kNoOptions : kTable, options, &first);
        checkOutcome(interp, code, "parseOptions");
        if (code == TCL_OK && static_cast<int>(words.size()) - first != positionals) {
            fuzz::fail("parseOptions left the wrong number of positionals");
        }
        for (Tcl_Obj* word : words)
            Tcl_DecrRefCount(word);
    } else {
        fuzz::Ref value(makeWord(input));
        int code = TCL_OK;
        const char* parser = "";
        int type = -1;
        switch (which) {
        case 0:
            parser = "parsePermissions";
            code = us::parsePermissions(interp, value.get(), options);
            break;
        case 1:
            parser = "parseOwner";
            code = us::parseOwner(interp, value.get(), options);
            break;
        case 2:
            parser = "parseGroup";
            code = us::parseGroup(interp, value.get(), options);
            break;
        case 3:
            parser = "parseReplace";
            code = us::parseReplace(interp, value.get(), options);
            break;
        case 4:
            parser = "parseBacklog";
            code = parseBacklog(interp, value.get(), options);
            break;
        case 5:
            parser = "parseSocketType";
            code = us::parseSocketType(interp, value.get(), kAllTypes, &type);
            if (code == TCL_OK && type != SOCK_STREAM && type != SOCK_SEQPACKET &&
                type != SOCK_DGRAM) {
                fuzz::fail("parseSocketType gave a type it was not offered");
            }
            break;
        default:
            parser = "checkHandler";
            code = us::checkHandler(interp, value.get());
            break;
        }
        checkOutcome(interp, code, parser);
    }
    if (options.setPermissions && options.permissions > 0777) {
        fuzz::fail("a mode above 0777");
    }
    if (options.setOwner && options.owner == static_cast<uid_t>(-1)) {
        fuzz::fail("(uid_t)-1 taken as an owner");
    }
    if (options.setGroup && options.group == static_cast<gid_t>(-1)) {
        fuzz::fail("(gid_t)-1 taken as a group");
    }
    if (options.backlog > INT_MAX) fuzz::fail("a backlog above INT_MAX");
    return 0;
}
