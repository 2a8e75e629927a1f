// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Peer credentials: who is at the other end of a connected Unix socket.
#pragma once

#include "tcl_compat.hpp"

#include <sys/types.h>

namespace unix_sockets {

// The peer as the kernel recorded it when the connection was made (by
// connect, socketpair, or listen for a client's view of its server), not as
// it is now: a peer that changed its user since, or has exited, still shows
// what it was.
struct PeerCredentials {
    bool hasPid = false;  // false when the peer's process is not visible
                          // from this one (another pid namespace)
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Reads the peer credentials of a socket. Returns 0, or ENOTCONN for a
// socket that has no peer (a listener, an unconnected datagram socket), or
// getsockopt's errno.
int peerCredentials(int fd, PeerCredentials& out) noexcept;

// The credentials as a dict: pid uid gid, pid left out when unknown.
Tcl_Obj* credentialsObj(const PeerCredentials& credentials);

}  // namespace unix_sockets
