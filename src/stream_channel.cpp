// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The stream socket channel type.
//
// One StreamSocket per channel, owned by the channel: created with it in
// createStreamChannel and freed by close2Proc when Tcl closes it. Everything
// but reading and writing a byte stream is the socket channel core's
// (socket_channel.hpp). The procs report failures as errno values; Tcl
// turns them into words.
#include "stream_channel.hpp"

#include "socket_channel.hpp"
#include "socket_io.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

// Tcl's default of 4 KiB makes bulk data cost one system call, and on one
// CPU one wake-up of the reader, per 4 KiB; 64 KiB more than doubled
// throughput in bench/. The price is memory: a channel keeps one buffer of
// this size once it has carried data, so a process with many thousands of
// idle connections may want a smaller -buffersize.
constexpr int kDefaultBufferSize = 64 * 1024;

// A stream channel has nothing beyond the core: the bytes come and go as
// Tcl hands them over.
struct StreamSocket : SocketChannel {};

StreamSocket* self(void* instanceData) {
    return static_cast<StreamSocket*>(socketChannel(instanceData));
}

int inputProc(void* instanceData, char* buf, int toRead, int* errorCodePtr) {
    StreamSocket* s = self(instanceData);
    if (int error = s->beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    // The descriptors that come with the data are kept for recvchannels.
    ssize_t got = callInMode(s->fd.get(), s->blocking, POLLIN, [&](int flags) {
        int error = 0;
        ssize_t n = receiveWithDescriptors(s->fd.get(), buf, static_cast<size_t>(toRead), flags,
                                           s->received, &error);
        errno = error;
        return n;
    });
    if (got >= 0) return static_cast<int>(got);
    if (errno == ECONNRESET) {
        // The peer closed with data of ours unread. Everything it sent
        // before has been read by now, so this is its end of stream.
        s->keptError = errno;
        return 0;
    }
    *errorCodePtr = errno;
    return -1;
}

int outputProc(void* instanceData, const char* buf, int toWrite, int* errorCodePtr) {
    StreamSocket* s = self(instanceData);
    if (int error = s->beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    // MSG_NOSIGNAL: a vanished peer is an EPIPE error, never a SIGPIPE
    // that would kill a tclsh which did not ask for signals.
    ssize_t sent = callInMode(s->fd.get(), s->blocking, POLLOUT, [&](int flags) {
        return ::send(s->fd.get(), buf, static_cast<size_t>(toWrite), flags | MSG_NOSIGNAL);
    });
    if (sent >= 0) return static_cast<int>(sent);
    *errorCodePtr = errno;
    return -1;
}

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    StreamSocket* s = self(instanceData);
    switch (flags) {
    case TCL_CLOSE_READ:
        // Nothing to do at the socket. Tcl 8.6 calls this as the first step
        // of every plain close (generic/tclIO.c), and shutdown(SHUT_RD) would
        // also break the socket for any other process that holds it; Tcl
        // itself stops reading from the channel.
        return 0;
    case TCL_CLOSE_WRITE:
        // The peer reads end of stream and may still answer.
        if (::shutdown(s->fd.get(), SHUT_WR) != 0 && errno != ENOTCONN) return errno;
        return 0;
    default: {
        s->stopWatching();
        int error = s->closeDescriptor();
        delete s;
        return error;
    }
    }
}

int blockModeProc(void* instanceData, int mode) {
    self(instanceData)->setBlocking(mode);
    return 0;
}

void fileReady(void* clientData, int mask) {
    Tcl_NotifyChannel(static_cast<Tcl_Channel>(clientData), mask);
}

void watchProc(void* instanceData, int mask) {
    StreamSocket* s = self(instanceData);
    if (s->connect.deferWatch(mask)) return;
    if (mask == s->watchMask) return;
    if (mask == 0) {
        s->stopWatching();
        return;
    }
    s->watchMask = mask;
    s->watch(mask, fileReady, s->channel);
    // Instead of readiness, one event: the handlers run, and their read or
    // write fails with the reason.
    if (s->watchError != 0) s->notifyLater();
}

void threadActionProc(void* instanceData, int action) {
    // File handlers belong to the notifier of the thread that made them. The
    // old thread drops its handler here; in the new one Tcl calls watchProc
    // again as soon as a script there asks for events.
    StreamSocket* s = self(instanceData);
    if (action == TCL_CHANNEL_THREAD_REMOVE) s->stopWatching();
    s->connect.threadAction(action);
}

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    StreamSocket* s = self(instanceData);
    return getTableOption(kConnectionOptions, s->optionSource(), s->channel, interp, optionName,
                          result);
}

const Tcl_ChannelType* streamChannelType() {
    static const Tcl_ChannelType type = [] {
        Tcl_ChannelType t = makeChannelType("unix_socket");
        t.inputProc = inputProc;
        t.outputProc = outputProc;
        t.getOptionProc = getOptionProc;
        t.setOptionProc = refuseOptionProc;
        t.watchProc = watchProc;
        t.getHandleProc = socketGetHandleProc;
        t.close2Proc = close2Proc;
        t.blockModeProc = blockModeProc;
        t.threadActionProc = threadActionProc;
        return t;
    }();
    return &type;
}

// The async connect is done: watch what Tcl asked for meanwhile. A
// connected socket is writable at once and a failed one polls as hung up,
// so the script's writable handler runs either way.
void connectDone(void* clientData, int watchMask) {
    watchProc(static_cast<SocketChannel*>(static_cast<StreamSocket*>(clientData)), watchMask);
}

}  // namespace

Tcl_Channel createStreamChannel(UniqueFd fd) {
    auto* s = new StreamSocket();
    s->fd = std::move(fd);
    return s->open(streamChannelType(), kDefaultBufferSize);
}

Tcl_Channel createConnectingChannel(UniqueFd fd, const UnixAddress& address) {
    auto* s = new StreamSocket();
    s->fd = std::move(fd);
    s->connect.start(s->fd.get(), address, connectDone, s);
    return s->open(streamChannelType(), kDefaultBufferSize);
}

int streamChannelAwaitConnected(Tcl_Channel channel) {
    return self(Tcl_GetChannelInstanceData(channel))->connect.awaitConnected();
}

ReceivedDescriptors* streamChannelDescriptors(Tcl_Channel channel) {
    if (Tcl_GetChannelType(channel) != streamChannelType()) return nullptr;
    return &self(Tcl_GetChannelInstanceData(channel))->received;
}

}  // namespace unix_sockets
