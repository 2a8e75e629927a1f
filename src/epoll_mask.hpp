// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Tcl's event masks in epoll's words and back, and the key an epoll event
// carries: shared by the package's own epoll set for high descriptors
// (event_source.cpp) and the epoll notifier (epoll_notifier.cpp).
#pragma once

#include "tcl_compat.hpp"

#include <cstdint>
#include <sys/epoll.h>

namespace unix_sockets {

inline uint32_t epollEvents(int mask) noexcept {
    uint32_t events = 0;
    if (mask & TCL_READABLE) events |= EPOLLIN;
    if (mask & TCL_WRITABLE) events |= EPOLLOUT;
    if (mask & TCL_EXCEPTION) events |= EPOLLPRI;
    return events;
}

// select()'s answer for epoll's: a hang-up or an error makes a read or a
// write return at once, which is what readiness means to a channel, and
// what select() reports as readable and writable.
inline int tclMask(uint32_t events) noexcept {
    int mask = 0;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) mask |= TCL_READABLE;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) mask |= TCL_WRITABLE;
    if (events & EPOLLPRI) mask |= TCL_EXCEPTION;
    return mask;
}

// What epoll hands back with an event: the descriptor in the low half, the
// watch's generation in the high half. The number is reused as soon as it
// is closed; the generation is not, so an event queued for a closed
// descriptor never reaches the watch of the next one to get its number.
inline uint64_t epollKey(int fd, uint32_t generation) noexcept {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

}  // namespace unix_sockets
