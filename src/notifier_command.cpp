// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The notifier command: which notifier the process uses, and installing the
// epoll notifier (epoll_notifier.hpp) where that is safe.
//
// Tcl 8.6's notifier keeps each thread's file handlers in data of its own
// that no public interface reads, so whether a handler would be lost is
// found out indirectly, by the refusals below; what they cannot see is
// listed in the man page (NOTIFIER).
#include "commands.hpp"
#include "epoll_notifier.hpp"
#include "event_source.hpp"
#include "posix_error.hpp"
#include "tcl_obj.hpp"

#include <dirent.h>
#include <string>

namespace unix_sockets {

namespace {

struct NotifierName {
    const char* name;
    bool epoll;
};

const NotifierName kNotifiers[] = {
    {"epoll", true},
    {"tcl", false},
    {nullptr, false},
};

const char* currentNotifier() { return epollNotifierInstalled() ? "epoll" : "tcl"; }

int refuse(Tcl_Interp* interp, const char* code, const std::string& reason) {
    return usageError(interp,
                      Tcl_ObjPrintf("couldn't install the epoll notifier: %s", reason.c_str()),
                      {"UNIX_SOCKETS", "NOTIFIER", code});
}

#if UNIX_SOCKETS_EPOLL_NOTIFIER

// Each check returns why the notifier cannot be replaced, or "" when the
// check finds nothing against it.
using Check = std::string (*)(Tcl_Interp*);

// Tk registers its display connection with the notifier when it is loaded.
// `info loaded` without an interpreter lists the libraries (and statically
// linked packages) of every interpreter of the process.
std::string tkLoaded(Tcl_Interp* interp) {
    if (Tcl_EvalEx(interp, "info loaded", -1, TCL_EVAL_GLOBAL) != TCL_OK) return "";
    ObjRef loaded(Tcl_GetObjResult(interp));
    Tcl_Size count = 0;
    Tcl_Obj** entries = nullptr;
    if (Tcl_ListObjGetElements(nullptr, loaded.get(), &count, &entries) != TCL_OK) return "";
    for (Tcl_Size i = 0; i < count; ++i) {
        Tcl_Obj* prefix = nullptr;
        if (Tcl_ListObjIndex(nullptr, entries[i], 1, &prefix) == TCL_OK && prefix != nullptr &&
            std::string(Tcl_GetString(prefix)) == "Tk") {
            return "Tk is loaded, and Tcl's notifier watches its display";
        }
    }
    return "";
}

// Any thread but this one: Tcl's notifier thread, which the first wait for
// events starts (after which file handlers may be registered anywhere), or
// a thread that may run Tcl with Tcl's notifier. Counted in /proc, which
// sees every thread, whoever made it.
std::string otherThreads(Tcl_Interp*) {
    DIR* tasks = ::opendir("/proc/self/task");
    if (tasks == nullptr) return "";
    int count = 0;
    while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(tasks);
    if (count <= 1) return "";
    return "another thread is running (Tcl's notifier thread, started by the first wait for "
           "events, or a thread the script made): call it first thing in the main script";
}

std::string packageWatches(Tcl_Interp*) {
    if (!watchesWithTclNotifier()) return "";
    return "a unix_sockets listener or channel is watched by Tcl's notifier";
}

// A `chan event` script of this interpreter on any channel, stdin included.
std::string channelEvents(Tcl_Interp* interp) {
    if (Tcl_GetChannelNamesEx(interp, nullptr) != TCL_OK) return "";
    ObjRef names(Tcl_GetObjResult(interp));
    Tcl_Size count = 0;
    Tcl_Obj** channels = nullptr;
    if (Tcl_ListObjGetElements(nullptr, names.get(), &count, &channels) != TCL_OK) return "";
    for (Tcl_Size i = 0; i < count; ++i) {
        for (const char* event : {"readable", "writable"}) {
            Tcl_Obj* words[] = {Tcl_NewStringObj("chan", -1), Tcl_NewStringObj("event", -1),
                                channels[i], Tcl_NewStringObj(event, -1)};
            ObjRef command(Tcl_NewListObj(4, words));
            if (Tcl_EvalObjEx(interp, command.get(), TCL_EVAL_GLOBAL) == TCL_OK &&
                Tcl_GetCharLength(Tcl_GetObjResult(interp)) > 0) {
                return std::string("channel \"") + Tcl_GetString(channels[i]) + "\" has a " +
                       event + " event script";
            }
        }
    }
    return "";
}

struct Refusal {
    const char* code;  // the last word of errorCode
    Check check;
};

// In this order: the first that applies is reported.
const Refusal kRefusals[] = {
    {"TK", tkLoaded},
    {"THREADS", otherThreads},
    {"WATCHES", packageWatches},
    {"CHANNEL_EVENT", channelEvents},
};

int installEpoll(Tcl_Interp* interp) {
    for (const Refusal& refusal : kRefusals) {
        std::string reason = refusal.check(interp);
        if (!reason.empty()) return refuse(interp, refusal.code, reason);
    }
    if (int error = installEpollNotifier(leaveTclNotifier)) {
        return posixError(interp, error, "install the epoll notifier", static_cast<const char*>(nullptr));
    }
    Tcl_SetObjResult(interp, Tcl_NewStringObj("epoll", -1));
    return TCL_OK;
}

#else

int installEpoll(Tcl_Interp* interp) {
    return refuse(interp, "TCL9", "Tcl 9's own notifier already waits with epoll");
}

#endif

}  // namespace

// unix_sockets::notifier ?epoll|tcl?
int notifierCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    if (objc > 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "?epoll|tcl?");
        return TCL_ERROR;
    }
    if (objc == 1) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj(currentNotifier(), -1));
        return TCL_OK;
    }
    int index = 0;
    if (Tcl_GetIndexFromObjStruct(interp, objv[1], kNotifiers, sizeof(NotifierName), "notifier",
                                  TCL_EXACT, &index) != TCL_OK) {
        return TCL_ERROR;
    }
    if (kNotifiers[index].epoll == epollNotifierInstalled()) {
        Tcl_SetObjResult(interp, Tcl_NewStringObj(currentNotifier(), -1));
        return TCL_OK;
    }
    if (!kNotifiers[index].epoll) {
        return usageError(interp,
                          Tcl_NewStringObj("couldn't install Tcl's notifier: the epoll notifier "
                                           "stays installed for the life of the process", -1),
                          {"UNIX_SOCKETS", "NOTIFIER", "INSTALLED"});
    }
    return installEpoll(interp);
}

}  // namespace unix_sockets
