// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// An epoll notifier for Tcl 8.6, installed with Tcl_SetNotifier.
//
// Tcl 8.6's Unix notifier is a thread of its own running select() for every
// thread that waits for events: each wait wakes it through a pipe and each
// answer comes back through a condition variable, and a descriptor from
// FD_SETSIZE (1024) up aborts the process. This one waits as Tcl 9's does,
// with epoll_wait in the waiting thread itself: one epoll set per thread,
// holding its file handlers (level-triggered, changed only when a mask
// changes) and an eventfd that Tcl_AlertNotifier writes to, so that another
// thread's Tcl_ThreadAlert (thread::send) wakes it. Timers need nothing of
// it: Tcl passes the time until the next one to waitForEvent.
//
// Installing it is for the whole process and for good: the notifier of a
// thread cannot be changed under its file handlers, so it is installed while
// one thread runs Tcl and before anything waited for an event (the command,
// notifier_command.cpp, checks what can be checked).
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

#if UNIX_SOCKETS_EPOLL_NOTIFIER

// Whether installEpollNotifier has run in this process. Cheap: the event
// source asks at every watch.
bool epollNotifierInstalled();

// Replaces Tcl's notifier with the epoll notifier for the whole process;
// the calling thread must be the only one that runs Tcl, with no file
// handler registered with Tcl's notifier. leaving runs just before the
// swap, while Tcl's notifier is still in place. Returns 0, or an errno when
// the calling thread's epoll set or eventfd cannot be made (then nothing
// changed and leaving did not run).
[[nodiscard]] int installEpollNotifier(void (*leaving)());

#else

// Tcl 9: its own notifier waits with epoll, and this one is never installed.
inline bool epollNotifierInstalled() { return false; }

#endif

}  // namespace unix_sockets
