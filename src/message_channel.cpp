// The message socket channel type (seqpacket and datagram sockets).
//
// Tcl's channels know bytes, not messages: the driver keeps the boundaries.
//
// Output. Tcl hands outputProc its buffer as it flushes, and flushes a
// full buffer in the middle of a puts, so a piece tells nothing of where a
// message ends. The channels start with Tcl's largest buffer (1 MiB,
// MAX_CHANNEL_BUFFER_SIZE in tclIO.c of 8.6 and 9), more than Linux lets a
// Unix socket send by default. A piece as long as the buffer may go on
// past it and is refused with EMSGSIZE (Tcl then discards the rest of that
// output); every shorter piece is a whole flush, sent as one message. A
// message is never split: it goes whole or fails with EMSGSIZE.
//
// A non-blocking channel never answers EAGAIN: Tcl would keep the piece and
// add the next flushes to it, joining messages. A message the socket cannot
// take goes to the driver's own queue, whole, and is sent when the socket
// is writable, in order. The queue has no limit, as Tcl's own output queue
// of a non-blocking channel has none: a bound would mean EAGAIN, and with
// it joined messages. A blocking channel sends at once and has no queue.
//
// Input. Each message is received whole (its size learnt first with
// MSG_PEEK | MSG_TRUNC) and handed to Tcl in pieces of at most the size Tcl
// asks for. Tcl's reads (DoReadChars, gets) stop at EAGAIN in either mode;
// so from the last piece of a message until a read ends with none of its
// bytes left in Tcl's buffers, every call answers EAGAIN: no read runs on
// into the next message, and the next read after that gets it (see Input).
//
// Connecting. A seqpacket channel of `connect -async` embeds the state
// machine of connect_state.hpp as the stream channel does; while it
// connects, it takes precedence: reads wait or say EAGAIN, nothing is
// watched (updateWatch registers nothing), and a non-blocking channel's
// messages go to its queue whole, never back to Tcl as EAGAIN (see
// Output), to be sent in order once connected (connectDone).
//
// One MessageSocket per channel, owned by the channel: created with it and
// freed by close2Proc. The procs report failures as errno values.
#include "message_channel.hpp"

#include "connect_state.hpp"
#include "event_source.hpp"
#include "fd_passing.hpp"
#include "fd_registry.hpp"
#include "posix_error.hpp"
#include "socket_io.hpp"
#include "socket_options.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <poll.h>
#include <sys/socket.h>
#include <utility>
#include <vector>

namespace unix_sockets {

namespace {

// Tcl's largest channel buffer; see the top of this file.
constexpr int kMessageBufferSize = 1024 * 1024;

// How often an unconnected datagram socket retries its queued messages
// (see updateWatch).
constexpr int kRetryMilliseconds = 10;

enum class Kind {
    Seqpacket,  // connected; a 0-byte receive is end of file
    Datagram,   // connected (socketpair) or not; a 0-byte message is a message
};

// Where input stands between messages.
enum class Input {
    Idle,        // no message in hand: the next call receives one
    Delivering,  // a message longer than Tcl's buffer, partly handed over
    Boundary,    // the whole message is in Tcl's hands: every call answers
                 // EAGAIN until a read ends with none of it left (watchProc,
                 // which Tcl calls at the end of every read, sees that)
};

// What has the socket. A non-blocking channel that Tcl closes with
// messages queued leaves them to finish in the background, as Tcl does
// with its own output; the thread that has them may exit first, and then
// they are sent at its exit, in blocking fashion, as Tcl flushes its own
// channels at exit.
enum class Life {
    Open,        // the channel has it
    Closing,     // the channel is gone: the queue is sent, then the socket closed
    ThreadExit,  // the thread is exiting: threadExiting sends and closes now
};

// The sending side of a seqpacket channel after `chan close $c write`:
// the peer's end of file follows every message written before it, so while
// messages wait, or the connect of `connect -async` goes on, it waits too.
enum class WriteSide {
    Open,
    ShutdownDue,  // shut down once connected and the queue is empty
    Shut,
};

// A message a non-blocking channel holds until the socket takes it, with
// where it goes: -remote as it was when the message was written.
struct Outgoing {
    std::vector<char> bytes;
    bool toRemote = false;
    UnixAddress remote;
};

struct MessageSocket {
    UniqueFd fd;
    Tcl_Channel channel = nullptr;
    Kind kind = Kind::Seqpacket;

    // Output of a datagram socket: send() when it is connected, else
    // sendto() the remote; EDESTADDRREQ with neither.
    bool connected = true;
    bool hasRemote = false;
    UnixAddress remote;
    // The sender of the last message received: the one the script reads,
    // since Tcl never reads past a boundary (-peer).
    UnixAddress peer;
    // The file a datagram socket bound, removed on close while still ours.
    SocketFile file;

    // Input: see Input. held is the message being delivered, from heldOffset on.
    Input input = Input::Idle;
    std::vector<char> held;
    size_t heldOffset = 0;
    // Descriptors that came with messages and the script has not taken
    // (recvchannels); a batch is taken once its whole message is read.
    ReceivedDescriptors received;

    // As in the stream channel: the events Tcl asked for, whether a watch
    // is registered, why it cannot be (then every read and write fails
    // with it), and the error -error reports.
    int watchMask = 0;
    bool watching = false;
    int watchError = 0;
    int keptError = 0;
    // One event to run the script's handlers without the descriptor's
    // readiness: after a failed watch, or while part of a message waits in
    // held (the socket may have nothing more to say).
    Tcl_TimerToken pendingEvent = nullptr;

    // Output: see Output. The messages a non-blocking channel took that
    // the socket could not, oldest first; the mask registered for the
    // descriptor (Tcl's watchMask, and WRITABLE while messages wait); a
    // timer that retries them where the system has no writable event to
    // give; the error a background send met, reported by the next write;
    // and whether the channel still has the socket (Life).
    bool nonBlocking = false;
    std::deque<Outgoing> queue;
    int registeredMask = 0;
    Tcl_TimerToken retryTimer = nullptr;
    int sendError = 0;
    Life life = Life::Open;
    WriteSide writeSide = WriteSide::Open;

    // The connect of `connect -async -type seqpacket`, until it is done;
    // Connected from the start for every other channel.
    ConnectState connect;
};

MessageSocket* self(void* instanceData) { return static_cast<MessageSocket*>(instanceData); }

// ---- Input ------------------------------------------------------------------

// The size of the next message, waiting for one unless non-blocking.
ssize_t peekSize(MessageSocket* m) {
    return callInMode(m->fd.get(), !m->nonBlocking, POLLIN, [m](int flags) {
        // Linux answers a datagram's whole length with MSG_TRUNC.
        return ::recv(m->fd.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC | flags);
    });
}

// Receives the next message whole into dst, which holds capacity bytes (at
// least the size peekSize gave), its sender into m->peer and the
// descriptors that came with it into m->received. Returns its size, or -1
// with errno. The one place a message is taken from the socket.
ssize_t receiveMessage(MessageSocket* m, char* dst, size_t capacity) {
    sockaddr_un from{};
    socklen_t fromLength = sizeof(from);
    int msgFlags = 0;
    ssize_t got = callInMode(m->fd.get(), !m->nonBlocking, POLLIN, [&](int flags) {
        int error = 0;
        fromLength = sizeof(from);
        ssize_t n = receiveWithDescriptors(m->fd.get(), dst, capacity, flags, m->received, &error,
                                           reinterpret_cast<sockaddr*>(&from), &fromLength,
                                           &msgFlags);
        errno = error;
        return n;
    });
    if (got < 0) return -1;
    if (msgFlags & MSG_TRUNC) {
        // Another holder of the socket took the message we measured, and
        // this one is longer: what did not fit is gone.
        errno = EMSGSIZE;
        return -1;
    }
    if (m->kind == Kind::Datagram) m->peer = UnixAddress::fromSockaddr(from, fromLength);
    return got;
}

// The last piece of a message, n bytes, is being handed over. The read
// that takes it may ask again at once (a blocking read, a gets that has not
// found its newline, Tcl reading ahead), and so may later reads while the
// message's bytes are still buffered: none of them may get the next one.
int lastPiece(MessageSocket* m, int n) {
    m->input = Input::Boundary;
    return n;
}

int deliverHeld(MessageSocket* m, char* buf, int toRead) {
    size_t left = m->held.size() - m->heldOffset;
    int n = left < static_cast<size_t>(toRead) ? static_cast<int>(left) : toRead;
    std::memcpy(buf, m->held.data() + m->heldOffset, static_cast<size_t>(n));
    m->heldOffset += static_cast<size_t>(n);
    // The rest is received but not handed over: recvchannels must not
    // count it as read, or a message's descriptors would come early.
    m->received.setHeldBack(m->held.size() - m->heldOffset);
    if (m->heldOffset < m->held.size()) return n;
    std::vector<char>().swap(m->held);
    m->heldOffset = 0;
    return lastPiece(m, n);
}

int inputProc(void* instanceData, char* buf, int toRead, int* errorCodePtr) {
    MessageSocket* s = self(instanceData);
    if (int error = s->connect.beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    if (s->watchError != 0) {
        *errorCodePtr = s->watchError;
        return -1;
    }
    switch (s->input) {
    case Input::Delivering:
        return deliverHeld(s, buf, toRead);
    case Input::Boundary:
        *errorCodePtr = EAGAIN;
        return -1;
    case Input::Idle:
        break;
    }
    ssize_t got = -1;
    for (int attempt = 0; attempt < 2; ++attempt) {
        ssize_t size = peekSize(s);
        got = -1;
        if (size >= 0 && size <= toRead) {
            got = receiveMessage(s, buf, static_cast<size_t>(toRead));
        } else if (size > toRead) {
            s->held.resize(static_cast<size_t>(size));
            got = receiveMessage(s, s->held.data(), s->held.size());
            if (got < 0) std::vector<char>().swap(s->held);
        }
        // The peer closed with data of ours unread. Linux says so before
        // it hands over the messages the peer sent first (unlike a
        // stream), and only once: they, then end of file, come next.
        if (got < 0 && errno == ECONNRESET && s->kind == Kind::Seqpacket) {
            s->keptError = errno;
            got = 0;
            continue;
        }
        break;
    }
    if (got < 0) {
        *errorCodePtr = errno;
        return -1;
    }
    if (got == 0) {
        // Linux cannot tell an empty seqpacket message from the peer's
        // end of file; an empty datagram is a message of its own, which
        // ends as it begins (returning 0 would mean end of file).
        if (s->kind == Kind::Seqpacket) return 0;
        *errorCodePtr = EAGAIN;
        return -1;
    }
    if (got <= toRead) return lastPiece(s, static_cast<int>(got));
    s->input = Input::Delivering;
    return deliverHeld(s, buf, toRead);
}

// ---- Output -----------------------------------------------------------------

void updateWatch(MessageSocket* s);

// Sends one message whole, waiting for room when blocking; 0 or errno
// (EAGAIN: the socket cannot take it now).
int sendOne(MessageSocket* s, const char* data, size_t size, bool toRemote,
            const UnixAddress& remote, bool blocking) {
    ssize_t sent = callInMode(s->fd.get(), blocking, POLLOUT, [&](int flags) {
        // MSG_NOSIGNAL: a vanished peer is an EPIPE error, never a SIGPIPE.
        flags |= MSG_NOSIGNAL;
        return toRemote ? ::sendto(s->fd.get(), data, size, flags, remote.sockaddrPtr(),
                                   remote.length())
                        : ::send(s->fd.get(), data, size, flags);
    });
    // A message goes whole or not at all.
    return sent >= 0 ? 0 : errno;
}

// Sends the queued messages in order until the socket takes no more. A
// message that fails is dropped alone (the others may still go, to other
// places too). The first failure is kept for -error; one on the way to the
// channel's peer also fails the next write, as the peer is the next
// write's too. One on the way to a -remote does not: a datagram server
// answers many senders, and the next write, to another, would be lost
// for a sender that has gone. Once the queue is empty, a `chan close $c
// write` that waited for it takes effect (shutdownIfDue): every path that
// sends the queue comes through here.
int shutdownIfDue(MessageSocket* s);

void drainQueue(MessageSocket* s, bool blocking) {
    while (!s->queue.empty()) {
        Outgoing& next = s->queue.front();
        int error = sendOne(s, next.bytes.data(), next.bytes.size(), next.toRemote, next.remote,
                            blocking);
        if (error == EAGAIN) return;
        if (error != 0) {
            if (s->keptError == 0) s->keptError = error;
            if (!next.toRemote && s->sendError == 0) s->sendError = error;
        }
        s->queue.pop_front();
    }
    shutdownIfDue(s);
}

int outputProc(void* instanceData, const char* buf, int toWrite, int* errorCodePtr) {
    MessageSocket* s = self(instanceData);
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
    if (s->connect.connecting() && s->nonBlocking) {
        s->queue.push_back(Outgoing{std::vector<char>(buf, buf + toWrite), false, UnixAddress{}});
        return toWrite;
    }
    if (int error = s->connect.beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    const bool toRemote = s->kind == Kind::Datagram && s->hasRemote;
    if (s->kind == Kind::Datagram && !toRemote && !s->connected) {
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
        int error =
            sendOne(s, buf, static_cast<size_t>(toWrite), toRemote, s->remote, !s->nonBlocking);
        if (error == 0) return toWrite;
        if (error != EAGAIN || !s->nonBlocking) {
            *errorCodePtr = error;
            return -1;
        }
    }
    // Taken whole, so Tcl's buffer is empty and the next write begins the
    // next message (see Output: there is no limit, as in Tcl's own queue).
    s->queue.push_back(Outgoing{std::vector<char>(buf, buf + toWrite), toRemote, s->remote});
    updateWatch(s);
    return toWrite;
}

// ---- Events -----------------------------------------------------------------

void stopWatching(MessageSocket* s) {
    if (s->watching) unwatchDescriptor(s->fd.get());
    s->watching = false;
    s->registeredMask = 0;
    if (s->pendingEvent != nullptr) Tcl_DeleteTimerHandler(s->pendingEvent);
    s->pendingEvent = nullptr;
    if (s->retryTimer != nullptr) Tcl_DeleteTimerHandler(s->retryTimer);
    s->retryTimer = nullptr;
    s->watchMask = 0;
}

void threadExiting(void* clientData);

// The end of a close2Proc that left messages to send (see close2Proc).
void finishClose(MessageSocket* s) {
    // Not registered (any more) when the exit handler itself runs this.
    Tcl_DeleteThreadExitHandler(threadExiting, s);
    stopWatching(s);
    s->file.removeIfOurs();  // first: see socket_file.hpp
    closeRegistered(s->fd.release());
    delete s;
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
    drainQueue(s, !s->nonBlocking);
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

// The thread that holds a socket closed with messages queued is exiting
// (Life): its notifier will not run again, so the connect, if it still
// goes on, is waited for as a blocking channel waits for it, the messages
// are sent in blocking fashion, and the socket is closed. A peer that
// never reads holds the exit up, as it does for Tcl's own channels.
void threadExiting(void* clientData) {
    MessageSocket* s = self(clientData);
    s->life = Life::ThreadExit;
    if (s->connect.connecting()) {
        s->connect.deferBlocking(TCL_MODE_BLOCKING);
        s->connect.beforeIo();  // connectDone clears the queue if it failed
    }
    drainBlocking(s);
    finishClose(s);
}

void fileReady(void* clientData, int mask) {
    MessageSocket* s = self(clientData);
    if ((mask & TCL_WRITABLE) && !s->queue.empty() && sendQueued(s)) return;
    // While messages wait, the script's writable handler does not run: it
    // runs when they are all gone, so a script writing from it never
    // queues faster than the peer reads.
    int forTcl = mask & s->watchMask;
    if (!s->queue.empty()) forTcl &= ~TCL_WRITABLE;
    if (forTcl != 0) Tcl_NotifyChannel(s->channel, forTcl);
}

void retryReady(void* clientData) {
    MessageSocket* s = self(clientData);
    s->retryTimer = nullptr;
    sendQueued(s);
}

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
    const int mask = s->watchMask | (waiting && !byTimer ? TCL_WRITABLE : 0);
    if (mask == s->registeredMask && (mask == 0) != s->watching) return;
    if (mask == 0) {
        if (s->watching) unwatchDescriptor(s->fd.get());
        s->watching = false;
        s->registeredMask = 0;
        return;
    }
    int error = watchDescriptor(s->fd.get(), mask, fileReady, s);
    s->watching = error == 0;
    s->registeredMask = error == 0 ? mask : 0;
    if (error != 0) {
        // As in the stream channel: Tcl 8.6, a descriptor from 1024 up
        // and no epoll set for it. The error becomes the channel's.
        s->watchError = error;
        if (s->keptError == 0) s->keptError = error;
    }
}

void pendingReady(void* clientData) {
    MessageSocket* s = self(clientData);
    s->pendingEvent = nullptr;
    // After a failed watch, the handlers' reads and writes fail with the
    // reason; else the rest of a message is readable. A handler may close
    // the channel, so s is not touched after this.
    int mask = s->watchError != 0 ? s->watchMask : (s->watchMask & TCL_READABLE);
    Tcl_NotifyChannel(s->channel, mask);
}

void watchProc(void* instanceData, int mask) {
    MessageSocket* s = self(instanceData);
    // Tcl calls this at the end of every read and gets (UpdateInterest, in
    // 8.6 and 9), whatever the mask: a read that ends with no byte of the
    // message left in Tcl's buffers has taken all of it, and the next read
    // is for the next message.
    if (s->input == Input::Boundary && Tcl_InputBuffered(s->channel) == 0) {
        s->input = Input::Idle;
    }
    if (s->connect.deferWatch(mask)) return;
    // The mask is Tcl's; queued messages keep their own WRITABLE watch.
    s->watchMask = mask;
    if (mask == 0) {
        if (s->pendingEvent != nullptr) Tcl_DeleteTimerHandler(s->pendingEvent);
        s->pendingEvent = nullptr;
        updateWatch(s);
        return;
    }
    updateWatch(s);
    // Tcl calls this after every read, with READABLE only when its own
    // buffers are empty; then the rest of a held message is readable though
    // the socket may not be. After a failed watch, one event runs the
    // handlers; a handler that ignores the error is not called in a loop,
    // since an unchanged mask schedules nothing new.
    const bool heldReadable = (mask & TCL_READABLE) && s->input == Input::Delivering;
    if ((s->watchError != 0 || heldReadable) && s->pendingEvent == nullptr) {
        s->pendingEvent = Tcl_CreateTimerHandler(0, pendingReady, s);
    }
}

// ---- The rest of the channel type ---------------------------------------------

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    MessageSocket* s = self(instanceData);
    switch (flags) {
    case TCL_CLOSE_READ:
        // As in the stream channel: another process may hold the socket.
        return 0;
    case TCL_CLOSE_WRITE:
        // A datagram socket has no connection to half-close: the channel
        // just stops writing. A seqpacket peer reads end of file.
        if (s->kind == Kind::Datagram) return 0;
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
            if (s->pendingEvent != nullptr) Tcl_DeleteTimerHandler(s->pendingEvent);
            s->pendingEvent = nullptr;
            s->watchMask = 0;
            updateWatch(s);
            return 0;
        }
        stopWatching(s);
        s->file.removeIfOurs();  // first: see socket_file.hpp
        int error = closeRegistered(s->fd.release());
        delete s;
        return error;
    }
    }
}

int blockModeProc(void* instanceData, int mode) {
    MessageSocket* s = self(instanceData);
    // Nothing changes at the descriptor (socket_io.hpp).
    s->nonBlocking = mode == TCL_MODE_NONBLOCKING;
    // While connecting, messages queued meanwhile wait for the connection
    // (connectDone).
    if (s->connect.deferBlocking(mode)) return 0;
    if (!s->nonBlocking && !s->queue.empty()) {
        // Blocking mode has no queue: the messages go now, in blocking
        // fashion (Tcl flushes its own output the same way at exit, when it
        // sets every channel blocking); a failure goes to the next write.
        drainQueue(s, true);
        updateWatch(s);
    }
    return 0;
}

int getHandleProc(void* instanceData, int, void** handlePtr) {
    *handlePtr = reinterpret_cast<void*>(static_cast<intptr_t>(self(instanceData)->fd.get()));
    return TCL_OK;
}

void threadActionProc(void* instanceData, int action) {
    // As in the stream channel: the new thread watches again when asked.
    // The watch for queued messages belongs to the thread too: the new one
    // takes it up at once.
    MessageSocket* s = self(instanceData);
    if (action == TCL_CHANNEL_THREAD_REMOVE) stopWatching(s);
    if (action == TCL_CHANNEL_THREAD_INSERT) updateWatch(s);
    s->connect.threadAction(action);
}

// ---- Options ------------------------------------------------------------------

const MessageSocket* owner(const OptionSource& source) {
    return static_cast<const MessageSocket*>(source.state);
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

const ReadOnlyOption kSeqpacketOptions[] = {
    {"-connecting", readConnecting},
    {"-peername", readPeername},
    {"-sockname", readSockname},
    {"-peercred", readPeercred},
    {"-error", readError},
    {nullptr, nullptr},
};

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

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    MessageSocket* s = self(instanceData);
    OptionSource source{s->fd.get(), &s->keptError, &s->connect};
    source.state = s;
    const ReadOnlyOption* table =
        s->kind == Kind::Datagram ? kDatagramOptions : kSeqpacketOptions;
    return getTableOption(table, source, s->channel, interp, optionName, result);
}

// chan configure $d -remote path: where output goes from now on; {} for
// nowhere (a connected socket then sends to its peer).
int setOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  const char* value) {
    MessageSocket* s = self(instanceData);
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
            posixError(interp, problem.error, "set -remote to", path.get(),
                       problem.detail.c_str());
        }
        Tcl_SetErrno(problem.error);
        return TCL_ERROR;
    }
    s->remote = address;
    s->hasRemote = true;
    return TCL_OK;
}

const Tcl_ChannelType* channelType(Kind kind) {
    auto make = [](bool datagram) {
        Tcl_ChannelType t = makeChannelType("unix_socket");
        t.inputProc = inputProc;
        t.outputProc = outputProc;
        t.getOptionProc = getOptionProc;
        t.setOptionProc = datagram ? setOptionProc : refuseOptionProc;
        t.watchProc = watchProc;
        t.getHandleProc = getHandleProc;
        t.close2Proc = close2Proc;
        t.blockModeProc = blockModeProc;
        t.threadActionProc = threadActionProc;
        return t;
    };
    static const Tcl_ChannelType seqpacket = make(false);
    static const Tcl_ChannelType datagram = make(true);
    return kind == Kind::Datagram ? &datagram : &seqpacket;
}

Tcl_Channel makeChannel(MessageSocket* s) {
    std::string name = nextChannelName();
    s->channel = Tcl_CreateChannel(channelType(s->kind), name.c_str(), s,
                                   TCL_READABLE | TCL_WRITABLE);
    registerDescriptor(s->fd.get(), name);
    Tcl_SetChannelBufferSize(s->channel, kMessageBufferSize);
    return s->channel;
}

// The end of a close2Proc that left messages to a connect that then failed:
// run from a timer, as the state machine that reported it is on the stack.
// Its token is kept in pendingEvent, so that a thread exiting first
// (threadExiting) cancels it.
void closeLater(void* clientData) {
    MessageSocket* s = self(clientData);
    s->pendingEvent = nullptr;
    finishClose(s);
}

// The async connect is done. Failed: the queued messages had nowhere to go
// (reads and writes report the connect's error). Connected: they go, all
// now if the channel became blocking meanwhile (blocking mode has no
// queue), else as far as the socket takes them now and the rest when it is
// writable; then the watch Tcl asked for begins.
void connectDone(void* clientData, int watchMask) {
    MessageSocket* s = self(clientData);
    if (s->connect.state() == ConnectState::State::Failed) s->queue.clear();
    // threadExiting waits for this, and goes on itself.
    if (s->life == Life::ThreadExit) return;
    // What the socket takes now goes now (all of it, in blocking mode), and
    // with it a `chan close $c write` made while connecting.
    drainQueue(s, !s->nonBlocking);
    if (s->life == Life::Closing) {
        if (s->queue.empty()) {
            s->pendingEvent = Tcl_CreateTimerHandler(0, closeLater, s);
        } else {
            updateWatch(s);
        }
        return;
    }
    watchProc(s, watchMask);
}

}  // namespace

Tcl_Channel createConnectingMessageChannel(UniqueFd fd, const UnixAddress& address) {
    auto* s = new MessageSocket{};
    s->fd = std::move(fd);
    s->kind = Kind::Seqpacket;
    // The first try runs before the channel exists; its blocking mode is
    // Tcl's default until the script changes it.
    s->connect.start(s->fd.get(), address, connectDone, s);
    return makeChannel(s);
}

Tcl_Channel createMessageChannel(UniqueFd fd, int type) {
    auto* s = new MessageSocket{};
    s->fd = std::move(fd);
    s->kind = type == SOCK_DGRAM ? Kind::Datagram : Kind::Seqpacket;
    return makeChannel(s);
}

Tcl_Channel createDatagramChannel(UniqueFd fd, SocketFile file, const UnixAddress* remote) {
    auto* s = new MessageSocket{};
    s->fd = std::move(fd);
    s->kind = Kind::Datagram;
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
    const Tcl_ChannelType* type = Tcl_GetChannelType(channel);
    if (type != channelType(Kind::Seqpacket) && type != channelType(Kind::Datagram)) {
        return nullptr;
    }
    return &self(Tcl_GetChannelInstanceData(channel))->received;
}

int messageChannelSendQueued(Tcl_Channel channel) {
    MessageSocket* s = self(Tcl_GetChannelInstanceData(channel));
    if (int error = s->connect.awaitConnected()) return error;
    drainBlocking(s);
    updateWatch(s);
    // A message that failed in the background is this send's failure, as
    // it would be the next write's.
    return std::exchange(s->sendError, 0);
}

int messageChannelDestination(Tcl_Channel channel, const UnixAddress** to) {
    *to = nullptr;
    if (Tcl_GetChannelType(channel) != channelType(Kind::Datagram)) return 0;
    const MessageSocket* s = self(Tcl_GetChannelInstanceData(channel));
    if (s->hasRemote) {
        *to = &s->remote;
        return 0;
    }
    // As outputProc says it: the kernel's ENOTCONN would mislead.
    return s->connected ? 0 : EDESTADDRREQ;
}

}  // namespace unix_sockets
