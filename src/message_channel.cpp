// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The message socket channel type (seqpacket and datagram sockets).
//
// Tcl's channels know bytes, not messages: the driver keeps the boundaries.
// One flush sends one message (message_queue.cpp), one read returns one
// message (message_input.cpp), never split, merged or truncated; a datagram
// channel also knows where its messages go and come from
// (datagram_address.cpp). This file holds the channel type itself: events,
// modes, threads and closing. Everything the stream driver shares is the
// socket channel core's (socket_channel.hpp).
//
// Connecting. A seqpacket channel of `connect -async` uses the core's
// connect state machine (connect_state.hpp) as the stream channel does;
// while it connects, it takes precedence: reads wait or say EAGAIN, nothing
// is watched (updateWatch registers nothing), and a non-blocking channel's
// messages go to its queue whole, never back to Tcl as EAGAIN, to be sent in
// order once connected (connectDone).
//
// One MessageSocket per channel, owned by the channel: created with it and
// freed by close2Proc, or, when it leaves messages to send, once they have
// gone (Life). The procs report failures as errno values.
#include "message_channel.hpp"

#include "message_socket.hpp"

#include <cerrno>
#include <sys/socket.h>
#include <utility>

namespace unix_sockets {

namespace {

// Tcl's largest channel buffer; see the top of message_queue.cpp.
constexpr int kMessageBufferSize = 1024 * 1024;

// The thread that holds a socket closed with messages queued is exiting
// (Life): its notifier will not run again, so the connect, if it still
// goes on, is waited for as a blocking channel waits for it, the messages
// are sent in blocking fashion, and the socket is closed. A peer that
// never reads holds the exit up, as it does for Tcl's own channels.
void threadExiting(void* clientData) {
    MessageSocket* s = static_cast<MessageSocket*>(clientData);
    s->life = Life::ThreadExit;
    if (s->connect.connecting()) {
        s->connect.deferBlocking(TCL_MODE_BLOCKING);
        s->connect.beforeIo();  // connectDone clears the queue if it failed
    }
    drainBlocking(s);
    finishClose(s);
}

}  // namespace

// The end of a close2Proc that left messages to send (see close2Proc).
void finishClose(MessageSocket* s) {
    // Not registered (any more) when the exit handler itself runs this.
    Tcl_DeleteThreadExitHandler(threadExiting, s);
    stopWatching(s);
    s->file.removeIfOurs();  // first: see socket_file.hpp
    s->closeDescriptor();
    delete s;
}

namespace {

void watchProc(void* instanceData, int mask) {
    MessageSocket* s = messageSocket(instanceData);
    noteReadEnded(s);
    if (s->connect.deferWatch(mask)) return;
    // The mask is Tcl's; queued messages keep their own WRITABLE watch.
    s->watchMask = mask;
    if (mask == 0) {
        s->cancelNotify();
        updateWatch(s);
        return;
    }
    updateWatch(s);
    // Tcl calls this after every read, with READABLE only when its own
    // buffers are empty; then the rest of a held message is readable though
    // the socket may not be. After a failed watch, one event runs the
    // handlers, which find out from their reads and writes.
    const bool heldReadable = (mask & TCL_READABLE) && s->input == Input::Delivering;
    if (s->watchError != 0 || heldReadable) s->notifyLater();
}

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    MessageSocket* s = messageSocket(instanceData);
    switch (flags) {
    case TCL_CLOSE_READ:
        // As in the stream channel: another process may hold the socket.
        return 0;
    case TCL_CLOSE_WRITE:
        // A datagram socket has no connection to half-close: the channel
        // just stops writing. A seqpacket peer reads end of file.
        if (s->kind == MessageKind::Datagram) return 0;
        s->writeSide = WriteSide::ShutdownDue;
        // Still connecting: the end of file follows the queued messages
        // once connected (connectDone, then drainQueue).
        if (s->connect.connecting()) return 0;
        // Queued messages go before the end of file: in blocking fashion,
        // as Tcl's own pending output has just gone. drainQueue shuts the
        // sending side down once they are gone; with none queued, this does.
        drainBlocking(s);
        updateWatch(s);
        return shutdownIfDue(s);
    default: {
        if (!s->queue.empty()) {
            // Tcl has closed a non-blocking channel in the background once
            // its own output was gone; the queued messages go the same way:
            // the socket stays open, without its channel, until they are
            // sent or have failed, or the thread exits (threadExiting).
            s->life = Life::Closing;
            Tcl_CreateThreadExitHandler(threadExiting, s);
            s->channel = nullptr;
            s->cancelNotify();
            s->watchMask = 0;
            updateWatch(s);
            return 0;
        }
        stopWatching(s);
        s->file.removeIfOurs();  // first: see socket_file.hpp
        int error = s->closeDescriptor();
        delete s;
        return error;
    }
    }
}

int blockModeProc(void* instanceData, int mode) {
    MessageSocket* s = messageSocket(instanceData);
    // While connecting, messages queued meanwhile wait for the connection
    // (connectDone).
    if (s->setBlocking(mode)) return 0;
    if (s->blocking && !s->queue.empty()) {
        // Blocking mode has no queue: the messages go now, in blocking
        // fashion (Tcl flushes its own output the same way at exit, when it
        // sets every channel blocking); a failure goes to the next write.
        drainQueue(s, true);
        updateWatch(s);
    }
    return 0;
}

void threadActionProc(void* instanceData, int action) {
    // As in the stream channel: the new thread watches again when asked.
    // The watch for queued messages belongs to the thread too: the new one
    // takes it up at once.
    MessageSocket* s = messageSocket(instanceData);
    if (action == TCL_CHANNEL_THREAD_REMOVE) stopWatching(s);
    if (action == TCL_CHANNEL_THREAD_INSERT) updateWatch(s);
    s->connect.threadAction(action);
}

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    MessageSocket* s = messageSocket(instanceData);
    const ReadOnlyOption* table =
        s->kind == MessageKind::Datagram ? kDatagramOptions : kConnectionOptions;
    return getTableOption(table, s->optionSource(), s->channel, interp, optionName, result);
}

const Tcl_ChannelType* channelType(MessageKind kind) {
    auto make = [](bool datagram) {
        Tcl_ChannelType t = makeChannelType("unix_socket");
        t.inputProc = messageInputProc;
        t.outputProc = messageOutputProc;
        t.getOptionProc = getOptionProc;
        t.setOptionProc = datagram ? datagramSetOptionProc : refuseOptionProc;
        t.watchProc = watchProc;
        t.getHandleProc = socketGetHandleProc;
        t.close2Proc = close2Proc;
        t.blockModeProc = blockModeProc;
        t.threadActionProc = threadActionProc;
        return t;
    };
    static const Tcl_ChannelType seqpacket = make(false);
    static const Tcl_ChannelType datagram = make(true);
    return kind == MessageKind::Datagram ? &datagram : &seqpacket;
}

Tcl_Channel makeChannel(MessageSocket* s) {
    return s->open(channelType(s->kind), kMessageBufferSize);
}

// The driver state of a channel of this type, or nullptr.
MessageSocket* ofChannel(Tcl_Channel channel) {
    const Tcl_ChannelType* type = Tcl_GetChannelType(channel);
    if (type != channelType(MessageKind::Seqpacket) && type != channelType(MessageKind::Datagram)) {
        return nullptr;
    }
    return messageSocket(Tcl_GetChannelInstanceData(channel));
}

// The end of a close2Proc that left messages to a connect that then failed:
// run from a timer, as the state machine that reported it is on the stack.
// Its token is kept in pendingEvent, so that a thread exiting first
// (threadExiting) cancels it.
void closeLater(void* clientData) {
    MessageSocket* s = static_cast<MessageSocket*>(clientData);
    s->pendingEvent = nullptr;
    finishClose(s);
}

// The async connect is done. Failed: the queued messages had nowhere to go
// (reads and writes report the connect's error). Connected: they go, all
// now if the channel became blocking meanwhile (blocking mode has no
// queue), else as far as the socket takes them now and the rest when it is
// writable; then the watch Tcl asked for begins.
void connectDone(void* clientData, int watchMask) {
    MessageSocket* s = static_cast<MessageSocket*>(clientData);
    if (s->connect.state() == ConnectState::State::Failed) s->queue.clear();
    // threadExiting waits for this, and goes on itself.
    if (s->life == Life::ThreadExit) return;
    // What the socket takes now goes now (all of it, in blocking mode), and
    // with it a `chan close $c write` made while connecting.
    drainQueue(s, s->blocking);
    if (s->life == Life::Closing) {
        if (s->queue.empty()) {
            s->pendingEvent = Tcl_CreateTimerHandler(0, closeLater, s);
        } else {
            updateWatch(s);
        }
        return;
    }
    watchProc(static_cast<SocketChannel*>(s), watchMask);
}

}  // namespace

Tcl_Channel createConnectingMessageChannel(UniqueFd fd, const UnixAddress& address) {
    auto* s = new MessageSocket();
    s->fd = std::move(fd);
    s->kind = MessageKind::Seqpacket;
    // The first try runs before the channel exists; its blocking mode is
    // Tcl's default until the script changes it.
    s->connect.start(s->fd.get(), address, connectDone, s);
    return makeChannel(s);
}

Tcl_Channel createMessageChannel(UniqueFd fd, int type) {
    auto* s = new MessageSocket();
    s->fd = std::move(fd);
    s->kind = type == SOCK_DGRAM ? MessageKind::Datagram : MessageKind::Seqpacket;
    return makeChannel(s);
}

Tcl_Channel createDatagramChannel(UniqueFd fd, SocketFile file, const UnixAddress* remote) {
    auto* s = new MessageSocket();
    s->fd = std::move(fd);
    s->kind = MessageKind::Datagram;
    s->connected = false;
    s->file = std::move(file);
    if (remote != nullptr) {
        s->remote = *remote;
        s->hasRemote = true;
    }
    return makeChannel(s);
}

Tcl_Channel wrapMessageSocket(UniqueFd fd, int type) {
    sockaddr_un peer{};
    socklen_t length = sizeof(peer);
    if (type == SOCK_DGRAM &&
        ::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
        return createDatagramChannel(std::move(fd), SocketFile{}, nullptr);
    }
    return createMessageChannel(std::move(fd), type);
}

ReceivedDescriptors* messageChannelDescriptors(Tcl_Channel channel) {
    MessageSocket* s = ofChannel(channel);
    return s != nullptr ? &s->received : nullptr;
}

int messageChannelSendQueued(Tcl_Channel channel) {
    MessageSocket* s = messageSocket(Tcl_GetChannelInstanceData(channel));
    if (int error = s->connect.awaitConnected()) return error;
    drainBlocking(s);
    updateWatch(s);
    // A message that failed in the background is this send's failure, as
    // it would be the next write's.
    return std::exchange(s->sendError, 0);
}

int messageChannelDestination(Tcl_Channel channel, const UnixAddress** to) {
    *to = nullptr;
    if (Tcl_GetChannelType(channel) != channelType(MessageKind::Datagram)) return 0;
    return datagramDestination(messageSocket(Tcl_GetChannelInstanceData(channel)), to);
}

}  // namespace unix_sockets
