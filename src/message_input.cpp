// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Input of message channels: one message per read, never split, merged or
// truncated.
//
// Each message is received whole (its size learnt first with MSG_PEEK |
// MSG_TRUNC) and handed to Tcl in pieces of at most the size Tcl asks for.
// Tcl's reads (DoReadChars, gets) stop at EAGAIN in either mode; so from the
// last piece of a message until a read ends with none of its bytes left in
// Tcl's buffers, every call answers EAGAIN (Input::Boundary): no read runs
// on into the next message, and the next read after that gets it.
#include "message_socket.hpp"

#include "socket_io.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

// The size of the next message, waiting for one unless non-blocking.
ssize_t peekSize(MessageSocket* m) {
    return callInMode(m->fd.get(), m->blocking, POLLIN, [m](int flags) {
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
    ssize_t got = callInMode(m->fd.get(), m->blocking, POLLIN, [&](int flags) {
        int error = 0;
        fromLength = sizeof(from);
        ssize_t n =
            receiveWithDescriptors(m->fd.get(), dst, capacity, flags, m->received, &error,
                                   reinterpret_cast<sockaddr*>(&from), &fromLength, &msgFlags);
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
    if (m->kind == MessageKind::Datagram) m->peer = UnixAddress::fromSockaddr(from, fromLength);
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

}  // namespace

int messageInputProc(void* instanceData, char* buf, int toRead, int* errorCodePtr) {
    MessageSocket* s = messageSocket(instanceData);
    if (int error = s->beforeIo()) {
        *errorCodePtr = error;
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
        if (got < 0 && errno == ECONNRESET && s->kind == MessageKind::Seqpacket) {
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
        if (s->kind == MessageKind::Seqpacket) return 0;
        *errorCodePtr = EAGAIN;
        return -1;
    }
    if (got <= toRead) return lastPiece(s, static_cast<int>(got));
    s->input = Input::Delivering;
    return deliverHeld(s, buf, toRead);
}

void noteReadEnded(MessageSocket* s) {
    // Tcl calls watchProc at the end of every read and gets (UpdateInterest,
    // in 8.6 and 9), whatever the mask.
    if (s->input == Input::Boundary && Tcl_InputBuffered(s->channel) == 0) {
        s->input = Input::Idle;
    }
}

}  // namespace unix_sockets
