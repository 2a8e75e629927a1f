// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Socket calls in a channel's blocking mode, whatever the open file's flags.
//
// A socket's O_NONBLOCK flag belongs to the open file, which every process
// holding the socket shares: a socket received by recvchannels or
// inherited by adopt is its sender's too, and setting the flag for our
// channel's mode would switch the sender's socket under it (its plain
// accept() or recv() would start failing with EAGAIN). So a connected
// channel never touches the flag: a non-blocking call asks for it with
// MSG_DONTWAIT, and a blocking call waits for readiness whenever the file
// turns out to be non-blocking (another holder set it) and tries again.
// The sockets the package makes itself are left blocking, where a
// blocking call costs one system call.
#pragma once

#include <cerrno>
#include <cstddef>
#include <sys/socket.h>
#include <sys/types.h>

namespace unix_sockets {

// The flags that make one call as blocking as the channel is.
constexpr int callFlags(bool blocking) noexcept { return blocking ? 0 : MSG_DONTWAIT; }

// Whether a failed call said "not now".
constexpr bool wouldBlock(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK; }

// Waits until fd has one of the poll events, retrying EINTR. 0 or an errno.
// retries counts the waits of one blocking call so far: poll() says an
// unconnected datagram socket is writable while the socket it sends to is
// full (Linux looks only at a connected peer's queue), so from the second
// wait on it also sleeps a little, lest such a send spin.
int waitReady(int fd, short events, int retries = 0) noexcept;

// Runs call(flags) until it does not fail with EINTR, and, when blocking,
// until it does not say EAGAIN either, waiting for events in between. call
// returns a count, or -1 with errno set.
template <typename Call>
ssize_t callInMode(int fd, bool blocking, short events, Call call) {
    for (int waits = 0;;) {
        const ssize_t result = call(callFlags(blocking));
        if (result >= 0) return result;
        if (errno == EINTR) continue;
        if (!blocking || !wouldBlock(errno)) return -1;
        if (int error = waitReady(fd, events, waits++)) {
            errno = error;
            return -1;
        }
    }
}

// Puts a descriptor the package owns alone into or out of non-blocking
// mode: a listener (which must never block in accept) or a socket not yet
// connected. Returns 0 or an errno.
int setNonBlocking(int fd, bool nonBlocking) noexcept;

}  // namespace unix_sockets
