// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The held socket channel type (held_socket.hpp): a descriptor, a name, and
// a close that only closes.
#include "held_socket.hpp"

#include "fd_registry.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace unix_sockets {

namespace {

struct HeldSocket {
    UniqueFd fd;
};

HeldSocket* self(void* instanceData) { return static_cast<HeldSocket*>(instanceData); }

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    // Neither readable nor writable, so only Tcl's own half-close of the
    // reading side at every close comes here with flags (Tcl 9): nothing
    // to shut down, which is the point of this type.
    if (flags != 0) return 0;
    HeldSocket* h = self(instanceData);
    int error = closeRegistered(h->fd.release());
    delete h;
    return error;
}

// Tcl requires one; a channel that cannot be read or written has nothing
// to watch.
void watchProc(void*, int) {}

int getHandleProc(void* instanceData, int, void** handlePtr) {
    *handlePtr = reinterpret_cast<void*>(static_cast<intptr_t>(self(instanceData)->fd.get()));
    return TCL_OK;
}

const Tcl_ChannelType* heldSocketType() {
    static const Tcl_ChannelType type = [] {
        Tcl_ChannelType t = makeChannelType("held_socket");
        t.close2Proc = close2Proc;
        t.watchProc = watchProc;
        t.getHandleProc = getHandleProc;
        return t;
    }();
    return &type;
}

}  // namespace

Tcl_Channel createHeldSocketChannel(UniqueFd fd) {
    // Names of their own: these are not unix_sockets channels, and a name
    // is never used twice in the process, as a descriptor number would be.
    static std::atomic<unsigned long> counter{0};
    const std::string name = "held_socket" + std::to_string(++counter);
    auto* h = new HeldSocket{std::move(fd)};
    Tcl_Channel channel = Tcl_CreateChannel(heldSocketType(), name.c_str(), h, 0);
    registerDescriptor(h->fd.get(), name);
    return channel;
}

}  // namespace unix_sockets
