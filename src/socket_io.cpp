// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "socket_io.hpp"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <poll.h>

namespace unix_sockets {

namespace {

// The longest nap between two tries of a send poll() cannot wait for.
constexpr long kMaxNapNs = 10 * 1000 * 1000;

}  // namespace

int waitReady(int fd, short events, int retries) noexcept {
    if (retries > 0) {
        const long nap = retries >= 14 ? kMaxNapNs : std::min(kMaxNapNs, 1000L << retries);
        timespec t{0, nap};
        ::nanosleep(&t, nullptr);
    }
    pollfd p{fd, events, 0};
    for (;;) {
        // POLLHUP and POLLERR come whatever was asked: the call then
        // reports what happened.
        if (::poll(&p, 1, -1) >= 0) return 0;
        if (errno != EINTR) return errno;
    }
}

int setNonBlocking(int fd, bool nonBlocking) noexcept {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return errno;
    int wanted = nonBlocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) < 0) return errno;
    return 0;
}

}  // namespace unix_sockets
