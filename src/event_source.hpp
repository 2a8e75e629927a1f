// Readiness of descriptors, for the channel drivers and the listener.
//
// Tcl 9's notifier watches any descriptor (epoll on Linux). Tcl 8.6's
// select() notifier cannot: its fd_sets end at FD_SETSIZE (1024), and a
// handler for a higher descriptor aborts the process. There, descriptors
// from FD_SETSIZE up are watched by an epoll set of the thread's own, and
// only the epoll descriptor, made while descriptors are still low, is
// handed to Tcl's notifier. Everything else goes to Tcl_CreateFileHandler.
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

// Prepares the current thread to watch high descriptors; called when the
// package is loaded into an interpreter, before descriptors run high.
void prepareEventSource();

// As Tcl_CreateFileHandler and Tcl_DeleteFileHandler, for any descriptor.
void watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData);
void unwatchDescriptor(int fd);

}  // namespace unix_sockets
