// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// MessageSocket: the state of a message channel (seqpacket or datagram),
// private to the files of the message driver:
//
//   message_channel.cpp   the channel type: events, modes, threads, closing
//   message_input.cpp     input: one message per read, its boundary kept
//   message_queue.cpp     output: one message per flush, and the queue of a
//                         non-blocking channel
//   datagram_address.cpp where a datagram goes and where one came from
//
// message_channel.cpp says how Tcl's byte channels are made to keep message
// boundaries.
#pragma once

#include "address.hpp"
#include "socket_channel.hpp"
#include "socket_file.hpp"

#include <cstddef>
#include <deque>
#include <vector>

namespace unix_sockets {

enum class MessageKind {
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

// The core's blocking flag is the channel's mode (socket_io.hpp); the
// core's pendingEvent also delivers the rest of a message held in `held`.
struct MessageSocket : SocketChannel {
    MessageKind kind = MessageKind::Seqpacket;

    // Datagram addressing (datagram_address.cpp): send() when connected,
    // else sendto() the remote; EDESTADDRREQ with neither. peer is the
    // sender of the last message received: the one the script reads, since
    // Tcl never reads past a boundary (-peer).
    bool connected = true;
    bool hasRemote = false;
    UnixAddress remote;
    UnixAddress peer;
    // The file a datagram socket bound, removed on close while still ours.
    SocketFile file;

    // Input (message_input.cpp): held is the message being delivered, from
    // heldOffset on.
    Input input = Input::Idle;
    std::vector<char> held;
    std::size_t heldOffset = 0;

    // Output (message_queue.cpp): the messages a non-blocking channel took
    // that the socket could not, oldest first; a timer that retries them
    // where the system has no writable event to give; the error a
    // background send met, reported by the next write.
    std::deque<Outgoing> queue;
    Tcl_TimerToken retryTimer = nullptr;
    int sendError = 0;
    WriteSide writeSide = WriteSide::Open;

    Life life = Life::Open;
};

inline MessageSocket* messageSocket(void* instanceData) {
    return static_cast<MessageSocket*>(socketChannel(instanceData));
}

// ---- message_input.cpp ----

// The inputProc of message channels.
int messageInputProc(void* instanceData, char* buf, int toRead, int* errorCodePtr);

// Called at the start of every watchProc, which Tcl calls at the end of
// every read: a read that ended with no byte of the message left in Tcl's
// buffers has taken all of it, and the next read is for the next message.
void noteReadEnded(MessageSocket* s);

// ---- message_queue.cpp ----

// The outputProc of message channels.
int messageOutputProc(void* instanceData, const char* buf, int toWrite, int* errorCodePtr);

// Sends the queued messages in order, waiting for room when blocking,
// else until the socket takes no more; then a `chan close $c write` that
// waited for them takes effect.
void drainQueue(MessageSocket* s, bool blocking);

// Sends every queued message in blocking fashion, whatever the channel's
// mode; failures go to sendError.
void drainBlocking(MessageSocket* s);

// Sends what the socket takes now; true if s was closed with it (Closing).
bool sendQueued(MessageSocket* s);

// The end of file of `chan close $c write`, once it is due. Returns 0 or
// shutdown's errno, also kept for -error.
int shutdownIfDue(MessageSocket* s);

// Registers the union of what Tcl asked for and WRITABLE while messages
// wait (or arms the retry timer, see message_queue.cpp).
void updateWatch(MessageSocket* s);

// Drops every watch and timer of the channel in this thread.
void stopWatching(MessageSocket* s);

// ---- message_channel.cpp ----

// Closes the socket of a channel Tcl closed with messages queued, once they
// have gone (Life::Closing), and frees s.
void finishClose(MessageSocket* s);

// ---- datagram_address.cpp ----

// The options of datagram channels, and the setOptionProc for -remote.
extern const ReadOnlyOption kDatagramOptions[];
int datagramSetOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                          const char* value);

// messageChannelDestination (message_channel.hpp) of a datagram channel.
int datagramDestination(const MessageSocket* s, const UnixAddress** to);

}  // namespace unix_sockets
