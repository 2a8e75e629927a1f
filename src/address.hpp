// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// UnixAddress: a Unix socket address, a filesystem path or a Linux abstract
// name, together with its length.
//
// The length travels with the bytes because an abstract name starts with a
// NUL byte and may contain more: nothing here ever calls strlen on sun_path.
// Conversion from Tcl refuses what cannot be represented (an empty path, a
// NUL inside a filesystem path, more bytes than sun_path holds) instead of
// truncating it.
#pragma once

#include "tcl_compat.hpp"

#include <string>
#include <sys/socket.h>
#include <sys/un.h>

namespace unix_sockets {

class UnixAddress {
public:
    enum class Kind { Unnamed, Path, Abstract };

    // Bytes of name that fit sun_path: a filesystem path keeps one byte for
    // its terminating NUL, and so, by the leading NUL, does an abstract name.
    static constexpr size_t kMaxNameBytes = sizeof(sockaddr_un::sun_path) - 1;

    // Why a Tcl value is not an address: an errno for errorCode and the words
    // that say what was wrong with it.
    struct Problem {
        int error = 0;
        std::string detail;
    };

    UnixAddress() noexcept;

    // Converts a Tcl value (in the system encoding) to an address. On failure
    // returns false and fills in the problem.
    static bool fromObj(Tcl_Obj* name, UnixAddress& out, Problem& problem);

    // Makes a filesystem path address of bytes already in the system
    // encoding. Returns false if they do not fit.
    static bool fromBytes(const char* bytes, size_t size, UnixAddress& out) noexcept;

    // Wraps what getsockname, getpeername, accept or recvfrom returned.
    static UnixAddress fromSockaddr(const sockaddr_un& raw, socklen_t length) noexcept;

    // The address as a Tcl value that fromObj accepts again ({} if unnamed).
    Tcl_Obj* toObj() const;

    Kind kind() const noexcept;
    const sockaddr* sockaddrPtr() const noexcept {
        return reinterpret_cast<const sockaddr*>(&raw_);
    }
    socklen_t length() const noexcept { return length_; }

    // The NUL-terminated filesystem path; only meaningful for Kind::Path.
    const char* path() const noexcept { return raw_.sun_path; }

private:
    sockaddr_un raw_;
    socklen_t length_;
};

// A name as it should appear inside an error message: NUL bytes, which would
// cut the message short wherever it is printed, are shown as \0.
Tcl_Obj* displayName(Tcl_Obj* name);

// Reads a socket's own (sockname) or its peer's (peername) address.
// Returns 0 or an errno.
int localAddress(int fd, UnixAddress& out) noexcept;
int peerAddress(int fd, UnixAddress& out) noexcept;

}  // namespace unix_sockets
