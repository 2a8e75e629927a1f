// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// SocketChannel: the core every connected socket channel driver embeds.
//
// The stream driver (stream_channel.cpp) and the message driver
// (message_channel.cpp) differ in what a read and a write mean, but share
// everything around them: the descriptor and its registration, the
// channel's blocking mode applied per call (socket_io.hpp), the connect of
// `connect -async` (connect_state.hpp), the watch of the descriptor and
// what happens when it cannot be made, the error -error reports, the
// descriptors received with the data (fd_passing.hpp) and the read-only
// options. Each driver's state derives from SocketChannel, and the channel's
// instanceData is always the SocketChannel* of it (socketChannel() below),
// so the procs written here serve both channel types.
#pragma once

#include "connect_state.hpp"
#include "fd_passing.hpp"
#include "socket_options.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

#include <string>

namespace unix_sockets {

// A name for a new channel: "unix_socket" and a number that is never used
// twice in this process, unlike a descriptor number.
std::string nextChannelName();

struct SocketChannel {
    UniqueFd fd;
    Tcl_Channel channel = nullptr;
    // The channel's mode, applied per call (socket_io.hpp): the
    // descriptor's own flag is shared with whoever else holds the socket.
    bool blocking = true;
    // The events Tcl last asked watchProc for.
    int watchMask = 0;
    // The events registered for the descriptor in the current thread (a
    // file handler, or a watch of the epoll set of event_source.hpp); 0
    // when nothing is.
    int registeredMask = 0;
    // Why the descriptor cannot be watched (0 while it can): Tcl 8.6 and a
    // descriptor from 1024 up, in a thread whose epoll set found no number
    // below 1024 (event_source.hpp). A channel that waits for an event that
    // cannot come would hang its script without a word, so from then on
    // every read and write fails with it, and one event (pendingEvent) runs
    // the handlers so that they find out.
    int watchError = 0;
    // The error -error reports from now on: a reset that input turned into
    // end of file (as Tcl's own sockets do), SO_ERROR once read (the kernel
    // forgets it on reading), a message that failed in the background, or
    // watchError.
    int keptError = 0;
    // One event that runs the script's handlers without the descriptor's
    // readiness (see notifyLater).
    Tcl_TimerToken pendingEvent = nullptr;
    // Descriptors the peer sent that the script has not taken (recvchannels),
    // closed with the channel.
    ReceivedDescriptors received;
    // The connect of `connect -async`, until it is done; Connected from the
    // start for every other channel.
    ConnectState connect;

    SocketChannel() = default;
    SocketChannel(const SocketChannel&) = delete;
    SocketChannel& operator=(const SocketChannel&) = delete;

    // Makes the channel, readable and writable, of a driver state whose fd
    // is set, records its descriptor as the channel's (fd_registry.hpp) and
    // sets its buffer size. The channel is not yet registered in any
    // interpreter.
    Tcl_Channel open(const Tcl_ChannelType* type, int bufferSize);

    // The blockModeProc's part: the mode is recorded, for every call to
    // apply (socket_io.hpp); nothing changes at the descriptor. Returns
    // true while the connect of `connect -async` goes on (it applies the
    // mode to its own waits).
    bool setBlocking(int mode) noexcept {
        blocking = mode == TCL_MODE_BLOCKING;
        return connect.deferBlocking(mode);
    }

    // The first step of every read and write: 0 to go on, else the errno to
    // report (the connect's, EAGAIN while a non-blocking one goes on, or
    // watchError).
    int beforeIo();

    // Registers mask for the descriptor in this thread, with proc and
    // clientData, or drops the registration for 0; nothing when mask is
    // what is registered. A watch that cannot be made sets watchError (and
    // keptError): the caller then runs the handlers with notifyLater.
    void watch(int mask, Tcl_FileProc* proc, void* clientData);

    // Drops the registration and the pending event, and forgets the mask
    // Tcl asked for: the channel is leaving this thread or closing.
    void stopWatching();

    // Runs the script's handlers once, from a timer, without the
    // descriptor's readiness: for every event Tcl asked for after a failed
    // watch (their reads and writes then fail with the reason), else for
    // readable (a driver holding data the socket no longer shows). A
    // handler that ignores it is not called in a loop: Tcl calls watchProc
    // again after each handler, and an unchanged mask schedules nothing.
    void notifyLater();
    void cancelNotify();

    // For the option readers of socket_options.hpp.
    OptionSource optionSource() { return OptionSource{fd.get(), &keptError, &connect, this}; }

    // Closes the descriptor and forgets its registration (fd_registry.hpp);
    // 0 or close's errno.
    int closeDescriptor();
};

// The driver state behind a channel's instanceData.
inline SocketChannel* socketChannel(void* instanceData) {
    return static_cast<SocketChannel*>(instanceData);
}

// The getHandleProc of every socket channel: the descriptor, both ways.
int socketGetHandleProc(void* instanceData, int direction, void** handlePtr);

// The options of a connected stream or seqpacket channel.
extern const ReadOnlyOption kConnectionOptions[];

}  // namespace unix_sockets
