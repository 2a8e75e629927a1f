// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Datagram addressing: where a datagram channel's messages go (its
// connected peer, or -remote) and where the one being read came from
// (-peer).
#include "message_socket.hpp"

#include "posix_error.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <cstring>

namespace unix_sockets {

namespace {

// The channel an option is read of (SocketChannel::optionSource).
const MessageSocket* owner(const OptionSource& source) {
    return static_cast<const MessageSocket*>(static_cast<const SocketChannel*>(source.state));
}

int readRemote(const OptionSource& source, Tcl_Obj** value) {
    const MessageSocket* s = owner(source);
    *value = s->hasRemote ? s->remote.toObj() : Tcl_NewObj();
    return 0;
}

int readPeer(const OptionSource& source, Tcl_Obj** value) {
    *value = owner(source)->peer.toObj();
    return 0;
}

}  // namespace

const ReadOnlyOption kDatagramOptions[] = {
    {"-peername", readPeername},
    {"-sockname", readSockname},
    // A datagram socket has a peer's credentials only when made by
    // socketpair() (pair -type datagram): Linux records none for one that
    // sends to a -remote, or that connect() tied to a peer. Those answer
    // ENOTCONN by name and {} in the listing, as -peername does.
    {"-peercred", readPeercred},
    {"-error", readError},
    {"-remote", readRemote},
    {"-peer", readPeer},
    {nullptr, nullptr},
};

// chan configure $d -remote path: where output goes from now on; {} for
// nowhere (a connected socket then sends to its peer).
int datagramSetOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                          const char* value) {
    MessageSocket* s = messageSocket(instanceData);
    const size_t length = std::strlen(optionName);
    if (length < 2 || std::strncmp(optionName, "-remote", length) != 0) {
        return badChannelOption(interp, optionName, "remote");
    }
    if (value[0] == '\0') {
        s->hasRemote = false;
        return TCL_OK;
    }
    // The value is in Tcl's internal form, where a NUL is two bytes, so an
    // abstract name survives as a C string.
    ObjRef path(Tcl_NewStringObj(value, -1));
    UnixAddress address;
    UnixAddress::Problem problem;
    if (!UnixAddress::fromObj(path.get(), address, problem)) {
        if (interp != nullptr) {
            posixError(interp, problem.error, "set -remote to", path.get(), problem.detail.c_str());
        }
        Tcl_SetErrno(problem.error);
        return TCL_ERROR;
    }
    s->remote = address;
    s->hasRemote = true;
    return TCL_OK;
}

int datagramDestination(const MessageSocket* s, const UnixAddress** to) {
    *to = nullptr;
    if (s->hasRemote) {
        *to = &s->remote;
        return 0;
    }
    // As the output says it: the kernel's ENOTCONN would mislead.
    return s->connected ? 0 : EDESTADDRREQ;
}

}  // namespace unix_sockets
