// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "socket_channel.hpp"

#include "event_source.hpp"
#include "fd_registry.hpp"

#include <atomic>
#include <cstdint>

namespace unix_sockets {

std::string nextChannelName() {
    // Shared by every thread of the process, hence atomic.
    static std::atomic<unsigned long> counter{0};
    return "unix_socket" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

Tcl_Channel SocketChannel::open(const Tcl_ChannelType* type, int bufferSize) {
    std::string name = nextChannelName();
    channel = Tcl_CreateChannel(type, name.c_str(), this, TCL_READABLE | TCL_WRITABLE);
    registerDescriptor(fd.get(), name);
    Tcl_SetChannelBufferSize(channel, bufferSize);
    return channel;
}

int SocketChannel::beforeIo() {
    if (int error = connect.beforeIo()) return error;
    return watchError;
}

void SocketChannel::watch(int mask, Tcl_FileProc* proc, void* clientData) {
    if (watchError != 0 || mask == registeredMask) return;
    if (mask == 0) {
        unwatchDescriptor(fd.get());
        registeredMask = 0;
        return;
    }
    int error = watchDescriptor(fd.get(), mask, proc, clientData);
    registeredMask = error == 0 ? mask : 0;
    if (error == 0) return;
    watchError = error;
    if (keptError == 0) keptError = error;
}

void SocketChannel::stopWatching() {
    if (registeredMask != 0) unwatchDescriptor(fd.get());
    registeredMask = 0;
    cancelNotify();
    watchMask = 0;
}

namespace {

void pendingReady(void* clientData) {
    SocketChannel* s = static_cast<SocketChannel*>(clientData);
    s->pendingEvent = nullptr;
    int mask = s->watchError != 0 ? s->watchMask : (s->watchMask & TCL_READABLE);
    // A handler may close the channel: s is not touched after this.
    if (mask != 0) Tcl_NotifyChannel(s->channel, mask);
}

}  // namespace

void SocketChannel::notifyLater() {
    if (pendingEvent == nullptr) pendingEvent = Tcl_CreateTimerHandler(0, pendingReady, this);
}

void SocketChannel::cancelNotify() {
    if (pendingEvent != nullptr) Tcl_DeleteTimerHandler(pendingEvent);
    pendingEvent = nullptr;
}

int SocketChannel::closeDescriptor() { return closeRegistered(fd.release()); }

int socketGetHandleProc(void* instanceData, int, void** handlePtr) {
    *handlePtr =
        reinterpret_cast<void*>(static_cast<intptr_t>(socketChannel(instanceData)->fd.get()));
    return TCL_OK;
}

// clang-format off
const ReadOnlyOption kConnectionOptions[] = {
    {"-connecting", readConnecting},
    {"-peername", readPeername},
    {"-sockname", readSockname},
    {"-peercred", readPeercred},
    {"-error", readError},
    {nullptr, nullptr},
};
// clang-format on

}  // namespace unix_sockets
