// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Peer credentials on Linux: SO_PEERCRED.
//
// The package is built for Linux only (CMakeLists.txt). Elsewhere this file
// would use getpeereid() for uid and gid (the BSDs and macOS), with
// LOCAL_PEERCRED (struct xucred: uid and groups, no pid) and LOCAL_PEERPID
// (macOS) or LOCAL_PEERCRED's cr_pid (FreeBSD 13+) for the pid; a key the
// system cannot tell would be left out of the dict, as pid is here when the
// peer's process is invisible.
#include "credentials.hpp"

#include <cerrno>
#include <sys/socket.h>

namespace unix_sockets {

int peerCredentials(int fd, PeerCredentials& out) noexcept {
    // Linux answers SO_PEERCRED on a listening socket with the credentials
    // of whoever called listen(), that is, our own: a listener has no peer,
    // and says so as getpeername() does.
    int listening = 0;
    socklen_t length = sizeof(listening);
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0) return errno;
    if (listening) return ENOTCONN;

    ucred raw{};
    length = sizeof(raw);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &raw, &length) != 0) return errno;
    // A socket the kernel recorded no peer for reads as pid 0 with uid and
    // gid -1: an unconnected socket, and also a datagram socket connected by
    // connect(), since Linux records credentials only when a stream or
    // seqpacket connection is made and in socketpair().
    if (raw.pid == 0 && raw.uid == static_cast<uid_t>(-1) && raw.gid == static_cast<gid_t>(-1)) {
        return ENOTCONN;
    }
    // pid 0 alone: the peer lives in a pid namespace this process cannot
    // see into (pid_vnr() found no number for it here).
    out.hasPid = raw.pid != 0;
    out.pid = raw.pid;
    out.uid = raw.uid;
    out.gid = raw.gid;
    return 0;
}

Tcl_Obj* credentialsObj(const PeerCredentials& credentials) {
    Tcl_Obj* dict = Tcl_NewDictObj();
    if (credentials.hasPid) {
        Tcl_DictObjPut(nullptr, dict, Tcl_NewStringObj("pid", -1),
                       Tcl_NewWideIntObj(credentials.pid));
    }
    Tcl_DictObjPut(nullptr, dict, Tcl_NewStringObj("uid", -1), Tcl_NewWideIntObj(credentials.uid));
    Tcl_DictObjPut(nullptr, dict, Tcl_NewStringObj("gid", -1), Tcl_NewWideIntObj(credentials.gid));
    return dict;
}

}  // namespace unix_sockets
