// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The listeners this thread's event loop accepts for, by the address a
// client names to reach them.
//
// A blocking connect to a full backlog waits, in the kernel, until the
// listener accepts. When the listener is served by the event loop of the
// very thread that waits, nothing ever accepts: the loop cannot run until
// the connect returns. connectBlocking (connect_state.hpp) asks here, and
// fails such a connect at once instead of waiting forever; every other
// listener (another thread's, another process's) is waited for as the
// system would.
//
// A listener is served by the thread whose event loop watches it: the
// listener adds itself here where its watch starts and takes itself out
// where the watch ends (closing, moving to another thread). The record is
// per thread, so it needs no lock.
#pragma once

#include "address.hpp"
#include "socket_file.hpp"

#include <sys/types.h>

namespace unix_sockets {

// What a connect names to reach a listening socket. A path is compared by
// the socket file it leads to (device and inode), so that another spelling
// of it, a link to it, or a relative path finds it, and a new socket bound
// at the same path in its place does not pass for it. An abstract name is
// compared byte for byte.
struct ServedAddress {
    // Unnamed: nothing found that a connect could name (a listener whose
    // file is gone); it is never matched.
    UnixAddress::Kind kind = UnixAddress::Kind::Unnamed;
    dev_t device = 0;     // Kind::Path
    ino_t inode = 0;      // Kind::Path
    UnixAddress address;  // Kind::Abstract
};

// The address of the listening socket fd. file is the socket file listen
// made for it, if it made one; for any other path (an adopted or received
// listener) the path the socket is bound to is looked up now.
ServedAddress servedAddressOf(int fd, const SocketFile& file);

// From now on this thread serves the listener identified by key (its
// state, whose address is given). Adding one already there changes nothing.
void startServing(const void* key, const ServedAddress& address);

// This thread serves the listener no more; nothing if it did not.
void stopServing(const void* key);

// Whether a listener this thread serves is the one a connect to address
// reaches.
bool servedByThisThread(const UnixAddress& address);

}  // namespace unix_sockets
