// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Output of message channels: one message per flush, and the queue of a
// non-blocking channel.
//
// Tcl hands outputProc its buffer as it flushes, and flushes a full buffer
// in the middle of a puts, so a piece tells nothing of where a message
// ends. The channels start with Tcl's largest buffer (1 MiB,
// MAX_CHANNEL_BUFFER_SIZE in tclIO.c of 8.6 and 9), more than Linux lets a
// Unix socket send by default. A piece as long as the buffer may go on past
// it and is refused with EMSGSIZE (Tcl then discards the rest of that
// output); every shorter piece is a whole flush, sent as one message. A
// message is never split: it goes whole or fails with EMSGSIZE.
//
// A non-blocking channel never answers EAGAIN: Tcl would keep the piece and
// add the next flushes to it, joining messages. A message the socket cannot
// take goes to the driver's own queue, whole, and is sent when the socket
// is writable, in order. The queue has no limit, as Tcl's own output queue
// of a non-blocking channel has none: a bound would mean EAGAIN, and with
// it joined messages. A blocking channel sends at once and has no queue.
#include "message_socket.hpp"

#include "socket_io.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

// How often an unconnected datagram socket retries its queued messages
// (see updateWatch).
constexpr int kRetryMilliseconds = 10;

// Sends one message whole, waiting for room when blocking; 0 or errno
// (EAGAIN: the socket cannot take it now).
int sendOne(MessageSocket* s, const char* data, size_t size, bool toRemote,
            const UnixAddress& remote, bool blocking) {
    ssize_t sent = callInMode(s->fd.get(), blocking, POLLOUT, [&](int flags) {
        // MSG_NOSIGNAL: a vanished peer is an EPIPE error, never a SIGPIPE.
        flags |= MSG_NOSIGNAL;
        return toRemote
                   ? ::sendto(s->fd.get(), data, size, flags, remote.sockaddrPtr(), remote.length())
                   : ::send(s->fd.get(), data, size, flags);
    });
    // A message goes whole or not at all.
    return sent >= 0 ? 0 : errno;
}

void fileReady(void* clientData, int mask);
void retryReady(void* clientData);

}  // namespace

// Sends the queued messages in order until the socket takes no more. A
// message that fails is dropped alone (the others may still go, to other
// places too). The first failure is kept for -error; one on the way to the
// channel's peer also fails the next write, as the peer is the next
// write's too. One on the way to a -remote does not: a datagram server
// answers many senders, and the next write, to another, would be lost
// for a sender that has gone. Once the queue is empty, a `chan close $c
// write` that waited for it takes effect (shutdownIfDue): every path that
// sends the queue comes through here.
void drainQueue(MessageSocket* s, bool blocking) {
    while (!s->queue.empty()) {
        Outgoing& next = s->queue.front();
        int error =
            sendOne(s, next.bytes.data(), next.bytes.size(), next.toRemote, next.remote, blocking);
        if (error == EAGAIN) return;
        if (error != 0) {
            if (s->keptError == 0) s->keptError = error;
            if (!next.toRemote && s->sendError == 0) s->sendError = error;
        }
        s->queue.pop_front();
    }
    shutdownIfDue(s);
}

int messageOutputProc(void* instanceData, const char* buf, int toWrite, int* errorCodePtr) {
    MessageSocket* s = messageSocket(instanceData);
    if (s->watchError != 0) {
        *errorCodePtr = s->watchError;
        return -1;
    }
    // A full buffer is flushed in the middle of a write: the message may go
    // on past it, and sending it would split it.
    if (toWrite >= Tcl_GetChannelBufferSize(s->channel)) {
        *errorCodePtr = EMSGSIZE;
        return -1;
    }
    // Still connecting: a non-blocking channel queues the message whole
    // (EAGAIN would join it to the next); a blocking one waits for the
    // connection. A failed connect fails every write with its reason.
    if (s->connect.connecting() && !s->blocking) {
        s->queue.push_back(Outgoing{std::vector<char>(buf, buf + toWrite), false, UnixAddress{}});
        return toWrite;
    }
    if (int error = s->connect.beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    const bool toRemote = s->kind == MessageKind::Datagram && s->hasRemote;
    if (s->kind == MessageKind::Datagram && !toRemote && !s->connected) {
        // Said here: the kernel would say ENOTCONN, which misleads.
        *errorCodePtr = EDESTADDRREQ;
        return -1;
    }
    // A background send failed: this write reports it, as Tcl reports a
    // failed background flush (the messages behind it were dropped).
    if (s->sendError != 0) {
        *errorCodePtr = s->sendError;
        s->sendError = 0;
        return -1;
    }
    // Only a non-blocking channel has queued messages (blockModeProc sends
    // them before blocking mode begins): a message goes at once if none
    // waits before it and the socket takes it.
    if (s->queue.empty()) {
        int error = sendOne(s, buf, static_cast<size_t>(toWrite), toRemote, s->remote, s->blocking);
        if (error == 0) return toWrite;
        if (error != EAGAIN || s->blocking) {
            *errorCodePtr = error;
            return -1;
        }
    }
    // Taken whole, so Tcl's buffer is empty and the next write begins the
    // next message (see the top of this file: there is no limit, as in
    // Tcl's own queue).
    s->queue.push_back(Outgoing{std::vector<char>(buf, buf + toWrite), toRemote, s->remote});
    updateWatch(s);
    return toWrite;
}

// The end of file of `chan close $c write`, once it is due: the connection
// is made and every message written before it has gone. Returns 0 or
// shutdown's errno, also kept for -error.
int shutdownIfDue(MessageSocket* s) {
    if (s->writeSide != WriteSide::ShutdownDue || !s->queue.empty() || s->connect.connecting()) {
        return 0;
    }
    s->writeSide = WriteSide::Shut;
    // ENOTCONN: the peer has gone already, and with it the connection.
    if (::shutdown(s->fd.get(), SHUT_WR) == 0 || errno == ENOTCONN) return 0;
    if (s->keptError == 0) s->keptError = errno;
    return errno;
}

// Sends what the socket takes now; true if s was closed with it.
bool sendQueued(MessageSocket* s) {
    drainQueue(s, s->blocking);
    if (s->life == Life::Closing && s->queue.empty()) {
        finishClose(s);
        return true;
    }
    updateWatch(s);
    return false;
}

// Sends every queued message in blocking fashion, whatever the channel's
// mode; failures go to sendError, as drainQueue's do.
void drainBlocking(MessageSocket* s) {
    if (!s->queue.empty()) drainQueue(s, true);
}

void stopWatching(MessageSocket* s) {
    s->stopWatching();
    if (s->retryTimer != nullptr) Tcl_DeleteTimerHandler(s->retryTimer);
    s->retryTimer = nullptr;
}

namespace {

void fileReady(void* clientData, int mask) {
    MessageSocket* s = static_cast<MessageSocket*>(clientData);
    if ((mask & TCL_WRITABLE) && !s->queue.empty() && sendQueued(s)) return;
    // While messages wait, the script's writable handler does not run: it
    // runs when they are all gone, so a script writing from it never
    // queues faster than the peer reads.
    int forTcl = mask & s->watchMask;
    if (!s->queue.empty()) forTcl &= ~TCL_WRITABLE;
    if (forTcl != 0) Tcl_NotifyChannel(s->channel, forTcl);
}

void retryReady(void* clientData) {
    MessageSocket* s = static_cast<MessageSocket*>(clientData);
    s->retryTimer = nullptr;
    sendQueued(s);
}

}  // namespace

// Registers the union of what Tcl asked for (watchMask) and WRITABLE while
// messages wait. An unconnected datagram socket is writable to poll() while
// the place it sends to is full (Linux looks only at a connected peer's
// queue), so its messages are retried by a timer instead.
void updateWatch(MessageSocket* s) {
    // While connecting nothing is watched: connectDone starts the watch.
    if (s->watchError != 0 || s->connect.connecting()) return;
    const bool waiting = !s->queue.empty();
    const bool byTimer = waiting && !s->connected;
    if (byTimer && s->retryTimer == nullptr) {
        s->retryTimer = Tcl_CreateTimerHandler(kRetryMilliseconds, retryReady, s);
    }
    // A watch that cannot be made becomes the channel's error (the core's
    // watchError); watchProc then runs the handlers once.
    s->watch(s->watchMask | (waiting && !byTimer ? TCL_WRITABLE : 0), fileReady, s);
}

}  // namespace unix_sockets
