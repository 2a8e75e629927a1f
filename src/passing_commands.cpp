// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The commands of descriptor passing: sendchannels and recvchannels.
//
// A channel can carry descriptors if it is a connected socket channel of
// ours whose driver reads through receiveWithDescriptors; the table below
// names those drivers. What arrives becomes a channel again here: a Unix
// socket one of ours, anything else one of Tcl's.
#include "arguments.hpp"
#include "channel_output.hpp"
#include "commands.hpp"
#include "event_source.hpp"
#include "fd_passing.hpp"
#include "held_socket.hpp"
#include "listener.hpp"
#include "message_channel.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace unix_sockets {

namespace {

// A driver whose channels carry descriptors: lookup gives the
// received-descriptor queue of a channel of its type (nullptr for another
// type); beforeSend readies one for a send past Tcl's buffers (a connect
// done, the driver's own queue sent), 0 or an errno.
struct Carrier {
    ReceivedDescriptors* (*lookup)(Tcl_Channel channel);
    int (*beforeSend)(Tcl_Channel channel);
};

const Carrier kCarriers[] = {
    {streamChannelDescriptors, streamChannelAwaitConnected},
    {messageChannelDescriptors, messageChannelSendQueued},
};

// The queue of a channel that can carry descriptors, or nullptr with an
// error in interp; *carrier is its driver's entry.
ReceivedDescriptors* carrierOf(Tcl_Interp* interp, Tcl_Obj* name, Tcl_Channel* channel,
                               const Carrier** carrier = nullptr) {
    *channel = Tcl_GetChannel(interp, Tcl_GetString(name), nullptr);
    if (*channel == nullptr) return nullptr;
    for (const Carrier& entry : kCarriers) {
        if (ReceivedDescriptors* queue = entry.lookup(*channel)) {
            if (carrier != nullptr) *carrier = &entry;
            return queue;
        }
    }
    usageError(interp,
               Tcl_ObjPrintf("channel \"%s\" cannot carry channels: it is not a connected "
                             "unix_sockets channel",
                             Tcl_GetString(name)),
               {"TCL", "VALUE", "CHANNEL"});
    return nullptr;
}

// The descriptor of a channel that has one: its input side, else its output
// side (a command pipeline opened both ways has one of each).
int descriptorOf(Tcl_Interp* interp, Tcl_Obj* name, int* fd) {
    Tcl_Channel channel = Tcl_GetChannel(interp, Tcl_GetString(name), nullptr);
    if (channel == nullptr) return TCL_ERROR;
    void* handle = nullptr;
    if (Tcl_GetChannelHandle(channel, TCL_READABLE, &handle) != TCL_OK &&
        Tcl_GetChannelHandle(channel, TCL_WRITABLE, &handle) != TCL_OK) {
        return usageError(interp,
                          Tcl_ObjPrintf("channel \"%s\" has no descriptor to send",
                                        Tcl_GetString(name)),
                          {"TCL", "VALUE", "CHANNEL"});
    }
    *fd = static_cast<int>(reinterpret_cast<intptr_t>(handle));
    return TCL_OK;
}

// Writes out what the script has put on channel and not yet flushed, all
// of it, so that the descriptors' data follows it in order: a non-blocking
// channel flushes in the background, so it is made blocking for this.
int flushAll(Tcl_Interp* interp, Tcl_Channel channel, Tcl_Obj* name) {
    if (Tcl_Flush(channel) != TCL_OK) return posixError(interp, Tcl_GetErrno(), "flush", name);
    if (Tcl_OutputBuffered(channel) == 0) return TCL_OK;
    Tcl_DString blocking;
    Tcl_DStringInit(&blocking);
    Tcl_GetChannelOption(nullptr, channel, "-blocking", &blocking);
    int code = Tcl_SetChannelOption(interp, channel, "-blocking", "1");
    if (code == TCL_OK && Tcl_Flush(channel) != TCL_OK) {
        code = posixError(interp, Tcl_GetErrno(), "flush", name);
    }
    Tcl_SetChannelOption(nullptr, channel, "-blocking", Tcl_DStringValue(&blocking));
    Tcl_DStringFree(&blocking);
    return code;
}

// What a received descriptor becomes.
enum class Kind {
    Stream,     // a Unix stream socket, connected or not: a stream channel
    Seqpacket,  // a Unix seqpacket socket, not listening: a message channel
    Datagram,   // a Unix datagram socket: a message channel
    Listener,   // a listening Unix stream or seqpacket socket: a listener, given a handler
    Held,       // a listening socket of another family (TCP): a held socket channel
    Other,      // anything else: one of Tcl's channels (file, pipe, TCP connection...)
};

bool isListening(int fd) {
    int listening = 0;
    socklen_t length = sizeof(int);
    return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening;
}

Kind kindOf(int fd) {
    int domain = 0;
    int type = 0;
    socklen_t length = sizeof(int);
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) return Kind::Other;
    // Tcl cannot accept on a listening socket it did not make, and its
    // socket channel would shut it down for every holder when closed
    // (held_socket.hpp).
    if (domain != AF_UNIX) return isListening(fd) ? Kind::Held : Kind::Other;
    length = sizeof(int);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) return Kind::Other;
    if (type == SOCK_DGRAM) return Kind::Datagram;
    if (type != SOCK_STREAM && type != SOCK_SEQPACKET) return Kind::Other;
    if (isListening(fd)) return Kind::Listener;
    return type == SOCK_SEQPACKET ? Kind::Seqpacket : Kind::Stream;
}

// Tcl's mode for a descriptor opened read-only, write-only or both.
int modeOf(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return TCL_READABLE | TCL_WRITABLE;
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        return TCL_READABLE;
    case O_WRONLY:
        return TCL_WRITABLE;
    default:
        return TCL_READABLE | TCL_WRITABLE;
    }
}

// Makes a received descriptor a channel registered in interp, taking it.
// Returns nullptr, with an error in interp, only for a listener that cannot
// be watched (Tcl 8.6, event_source.hpp); fd is then closed.
Tcl_Channel makeChannel(Tcl_Interp* interp, UniqueFd fd, Kind kind, Tcl_Obj* handler,
                        Tcl_Obj* carrierName) {
    Tcl_Channel channel = nullptr;
    switch (kind) {
    case Kind::Listener: {
        // The name its messages go by, as adopt's: the address it listens on.
        UnixAddress address;
        ObjRef name(localAddress(fd.get(), address) == 0 &&
                            address.kind() != UnixAddress::Kind::Unnamed
                        ? address.toObj()
                        : Tcl_ObjPrintf("a listener received on %s", Tcl_GetString(carrierName)));
        ListenFailure failure;
        channel = adoptListener(interp, fd.get(), name.get(), handler, false, failure);
        if (channel == nullptr) {
            posixError(interp, failure.error, "receive a listener on", carrierName,
                       failure.detail.c_str());
            return nullptr;
        }
        fd.release();
        Tcl_RegisterChannel(interp, channel);
        return channel;
    }
    case Kind::Stream:
        channel = createStreamChannel(std::move(fd));
        break;
    case Kind::Seqpacket:
        channel = wrapMessageSocket(std::move(fd), SOCK_SEQPACKET);
        break;
    case Kind::Datagram:
        channel = wrapMessageSocket(std::move(fd), SOCK_DGRAM);
        break;
    case Kind::Held:
        channel = createHeldSocketChannel(std::move(fd));
        break;
    case Kind::Other: {
        int mode = modeOf(fd.get());
        const int flags = ::fcntl(fd.get(), F_GETFL);
        channel = Tcl_MakeFileChannel(reinterpret_cast<void*>(static_cast<intptr_t>(fd.get())),
                                      mode);
        fd.release();
        // A new channel thinks itself blocking. Tcl's own channels set the
        // flag of the open file, which the sender shares, to match their
        // mode: this one is told the mode the file is in rather than have
        // it changed. Ours start blocking as every new channel does: they
        // apply their mode per call and never touch the flag
        // (socket_io.hpp).
        if (flags >= 0 && (flags & O_NONBLOCK) != 0) {
            Tcl_SetChannelOption(nullptr, channel, "-blocking", "0");
        }
        break;
    }
    }
    Tcl_RegisterChannel(interp, channel);
    return channel;
}

}  // namespace

// unix_sockets::sendchannels chan data channels
int sendChannelsCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    if (objc != 4) {
        Tcl_WrongNumArgs(interp, 1, objv, "chan data channels");
        return TCL_ERROR;
    }
    Tcl_Obj* name = objv[1];
    Tcl_Channel channel = nullptr;
    const Carrier* carrier = nullptr;
    if (carrierOf(interp, name, &channel, &carrier) == nullptr) return TCL_ERROR;

    // What puts would write: the peer reads data as it reads the rest of
    // the channel's output.
    std::string data;
    if (!channelBytes(interp, channel, objv[2], data)) return TCL_ERROR;
    if (data.empty()) {
        return usageError(interp,
                          Tcl_NewStringObj("the data is empty: descriptors travel with at least "
                                           "one byte",
                                           -1),
                          {"TCL", "VALUE", "DATA"});
    }

    Tcl_Size count = 0;
    Tcl_Obj** names = nullptr;
    if (Tcl_ListObjGetElements(interp, objv[3], &count, &names) != TCL_OK) return TCL_ERROR;
    std::vector<int> fds;
    for (Tcl_Size i = 0; i < count; ++i) {
        int fd = -1;
        if (descriptorOf(interp, names[i], &fd) != TCL_OK) return TCL_ERROR;
        fds.push_back(fd);
    }
    if (fds.size() > kMaxPassedDescriptors) {
        std::string detail = "at most " + std::to_string(kMaxPassedDescriptors) +
                             " descriptors go in one message, " + std::to_string(fds.size()) +
                             " given";
        return posixError(interp, EINVAL, "send channels on", name, detail.c_str());
    }

    // After `chan close $c write` the peer has read, or will read, end of
    // file: nothing may follow it (Tcl's flush would say EACCES).
    if ((Tcl_GetChannelMode(channel) & TCL_WRITABLE) == 0) {
        return posixError(interp, EPIPE, "send channels on", name, "its sending side is closed");
    }

    // A datagram channel sends to its -remote, as its output does.
    const UnixAddress* to = nullptr;
    if (int error = messageChannelDestination(channel, &to)) {
        return posixError(interp, error, "send channels on", name,
                          "it is not connected and has no -remote");
    }
    if (flushAll(interp, channel, name) != TCL_OK) return TCL_ERROR;
    if (int error = carrier->beforeSend(channel)) {
        return posixError(interp, error, "send channels on", name);
    }
    void* handle = nullptr;
    Tcl_GetChannelHandle(channel, TCL_WRITABLE, &handle);
    std::size_t sent = 0;
    int error = sendWithDescriptors(static_cast<int>(reinterpret_cast<intptr_t>(handle)),
                                    reinterpret_cast<const unsigned char*>(data.data()),
                                    data.size(), fds.data(), fds.size(),
                                    to != nullptr ? to->sockaddrPtr() : nullptr,
                                    to != nullptr ? to->length() : 0, &sent);
    if (error != 0) {
        std::string detail;
        if (sent > 0) {
            detail = std::to_string(sent) + " of " + std::to_string(data.size()) +
                     " bytes sent, with the descriptors";
        }
        return posixError(interp, error, "send channels on", name, detail.c_str());
    }
    return TCL_OK;
}

// unix_sockets::recvchannels chan ?accept_handler?
int recvChannelsCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    if (objc != 2 && objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "chan ?accept_handler?");
        return TCL_ERROR;
    }
    Tcl_Obj* name = objv[1];
    Tcl_Obj* handler = objc == 3 ? objv[2] : nullptr;
    if (handler != nullptr && checkHandler(interp, handler) != TCL_OK) return TCL_ERROR;
    Tcl_Channel channel = nullptr;
    ReceivedDescriptors* queue = carrierOf(interp, name, &channel);
    if (queue == nullptr) return TCL_ERROR;

    // Tcl reads ahead: what the script has consumed is what the driver
    // handed to Tcl less what still waits in Tcl's buffers.
    const std::uint64_t consumed =
        queue->bytesHandedOver() - static_cast<std::uint64_t>(Tcl_InputBuffered(channel));
    const std::vector<int> numbers = queue->readable(consumed);
    std::vector<Kind> kinds;
    for (int fd : numbers) kinds.push_back(kindOf(fd));
    if (handler == nullptr) {
        for (Kind kind : kinds) {
            if (kind == Kind::Listener) {
                // Nothing is taken: the script can ask again with a handler.
                return usageError(interp,
                                  Tcl_ObjPrintf("a listening socket was received on \"%s\": "
                                                "it needs an accept handler",
                                                Tcl_GetString(name)),
                                  {"TCL", "VALUE", "HANDLER"});
            }
        }
    }

    // A channel of Tcl's own numbered 1024 or above aborts Tcl 8.6 at its
    // first chan event (select()'s "bit out of range"): such descriptors
    // move below 1024 first, all of them or, when the numbers there are
    // taken, none, and nothing is taken, so the script can free some and
    // call again.
    std::vector<UniqueFd> lowCopies(numbers.size());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (kinds[i] != Kind::Other) continue;
        if (int error = copyForTclNotifier(numbers[i], &lowCopies[i])) {
            return posixError(interp, error, "receive channels on", name,
                              error == EMFILE ? "a file, pipe or TCP socket needs a descriptor "
                                                "below 1024 for Tcl 8.6's event loop, and none "
                                                "is free; nothing was taken"
                                              : "moving a descriptor below 1024 for Tcl 8.6's "
                                                "event loop; nothing was taken");
        }
    }
    std::vector<UniqueFd> fds = queue->takeRead(consumed);
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (lowCopies[i]) fds[i] = std::move(lowCopies[i]);  // the high number closes
    }
    ObjRef result(Tcl_NewListObj(0, nullptr));
    std::vector<Tcl_Channel> made;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        Tcl_Channel received = makeChannel(interp, std::move(fds[i]), kinds[i], handler, name);
        if (received == nullptr) {
            // All or nothing: the channels made so far go too, and the rest
            // of the descriptors with fds.
            ObjRef message(Tcl_GetObjResult(interp));
            for (Tcl_Channel undo : made) Tcl_UnregisterChannel(interp, undo);
            Tcl_SetObjResult(interp, message.get());
            return TCL_ERROR;
        }
        made.push_back(received);
        Tcl_ListObjAppendElement(nullptr, result.get(),
                                 Tcl_NewStringObj(Tcl_GetChannelName(received), -1));
    }
    Tcl_SetObjResult(interp, result.get());
    return TCL_OK;
}

}  // namespace unix_sockets
