// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Readiness of descriptors, for the channel drivers and the listener.
//
// Tcl 9's notifier watches any descriptor (epoll on Linux). Tcl 8.6's
// select() notifier cannot: its fd_sets end at FD_SETSIZE (1024), and a
// handler for a higher descriptor aborts the process. There, descriptors
// from FD_SETSIZE up are watched by an epoll set of the thread's own, and
// only the epoll descriptor, which must itself be below FD_SETSIZE, is
// handed to Tcl's notifier. Everything else goes to Tcl_CreateFileHandler.
//
// A thread's epoll set is made when the package is loaded into one of its
// interpreters, or at its first watch of a high descriptor (a thread that
// was handed a channel without loading the package). If every number below
// FD_SETSIZE is taken by then, it takes one of a few low numbers reserved
// when the package was first loaded; if none is left, high descriptors
// cannot be watched in that thread, and watchDescriptor says so.
#pragma once

#include "tcl_compat.hpp"
#include "unique_fd.hpp"

namespace unix_sockets {

// Reserves the low numbers, if not yet done, and prepares the current
// thread to watch high descriptors; called whenever the package is loaded
// into an interpreter, which should happen before descriptors run high.
// On Tcl 8.6 it does not start Tcl's notifier thread (which would rule out
// `unix_sockets::notifier epoll`); the thread's first wait for events does,
// with a pipe whose numbers were kept low for it. Under the epoll notifier
// (epoll_notifier.hpp) it does nothing: Tcl's notifier watches any
// descriptor, and every watch below goes straight to it.
void prepareEventSource();

// Whether the current thread watches a descriptor through Tcl 8.6's own
// notifier (always false on Tcl 9): such a watch would be lost if the
// notifier were replaced.
bool watchesWithTclNotifier();

// Just before the epoll notifier replaces Tcl 8.6's, in the only thread
// running Tcl, which watches nothing (watchesWithTclNotifier): closes the
// thread's epoll set, which is registered with Tcl's notifier, and frees
// the numbers kept for Tcl's notifier thread, which will never start.
void leaveTclNotifier();

// As Tcl_CreateFileHandler, for any descriptor, or changes the mask of a
// watch already made. Returns 0, or an errno when the descriptor cannot be
// watched in this thread (EMFILE: every number the epoll set could have is
// taken; or epoll_ctl's error). After a failure the descriptor is not
// watched at all, so no event for it will ever come: the caller must tell
// its script.
[[nodiscard]] int watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData);

// Whether fd can be watched in this thread, made sure of before a command
// changes anything it would have to undo: on Tcl 8.6, a descriptor from
// FD_SETSIZE up needs the thread's epoll set. Returns 0, or the errno
// watchDescriptor would fail with (EMFILE).
int prepareWatch(int fd);

// As Tcl_DeleteFileHandler, for any descriptor; nothing if it is not
// watched in this thread.
void unwatchDescriptor(int fd);

// For a descriptor about to become one of Tcl's own channels (a file, a
// pipe, a TCP socket), which Tcl's notifier watches itself: on Tcl 8.6,
// whose select() aborts the process at a number from FD_SETSIZE up as soon
// as such a channel is watched, a close-on-exec copy below FD_SETSIZE into
// *low. Leaves *low empty when fd needs none (a low number, or Tcl 9).
// Returns 0, or EMFILE when every number below FD_SETSIZE is taken (or
// another error of F_DUPFD_CLOEXEC); fd itself is never changed.
int copyForTclNotifier(int fd, UniqueFd* low);

}  // namespace unix_sockets
