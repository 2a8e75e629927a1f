// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// ConnectState: a connection being made by `connect -async`, for a channel
// driver to embed; and the wait of a blocking connect.
//
// A non-blocking connect of a Unix stream or seqpacket socket never goes on
// in the background the way TCP's does: Linux (net/unix/af_unix.c,
// unix_stream_connect) connects at once, fails at once, or, when the
// listener's backlog is full, fails with EAGAIN having done nothing. It
// never returns EINPROGRESS, and the socket gives no readiness that says
// "there is room now" (an unconnected socket polls writable at once). So an
// async connect is a connect that is tried again, on a timer with a backoff,
// until it succeeds, fails, or the channel is closed.
//
// How a driver uses it:
//   - the descriptor is made non-blocking and start() makes the first try,
//     before the channel is made;
//   - inputProc and outputProc begin with beforeIo(): 0 to go on;
//   - watchProc begins with deferWatch(mask) and blockModeProc with
//     deferBlocking(mode): while connecting they only remember what Tcl
//     asked for, since readiness of an unconnected socket means nothing and
//     every try must not block;
//   - threadActionProc calls threadAction(action);
//   - the options read connecting() and error() (socket_options.hpp);
//   - when the connection is made or has failed, the state machine makes
//     the descriptor blocking (the driver applies its mode per call,
//     socket_io.hpp) and calls the driver's DoneProc with the
//     remembered watch mask: the driver watches the descriptor from then
//     on, and Tcl sees writable (a connected socket, or a failed one, which
//     polls as hung up) as Tcl's own `socket -async` reports completion.
#pragma once

#include "address.hpp"
#include "tcl_compat.hpp"

namespace unix_sockets {

// Connects fd to address as a blocking connect does: when the listener's
// backlog is full, waits for room as long as the system would (a signal
// does not end the wait). Except when the listener is one this thread's
// event loop serves (served_listeners.hpp): that loop cannot accept while
// we wait, so the room would never come, and the answer is EDEADLK at once.
// A blocking connect, and a blocking read or write of a channel still
// connecting, come here. fd may be blocking or not; it is left as it was
// found. Returns 0, EDEADLK, or connect's errno (never EAGAIN).
int connectBlocking(int fd, const UnixAddress& address);

class ConnectState {
public:
    enum class State {
        Detached,   // not yet connected, the backlog was full; no thread
                    // has the channel (not yet made, or moving between
                    // threads), so no timer: the next thread arms one
        Retrying,   // not yet connected, the backlog was full; a timer of
                    // the channel's thread tries again
        Connected,  // also the state of every channel not made by -async
        Failed,     // error() says why; final
    };

    // Called once, when the connection has been made or has failed after
    // start(): clientData as given to start(), and the events Tcl asked
    // the driver to watch meanwhile.
    using DoneProc = void (*)(void* clientData, int watchMask);

    ConnectState() noexcept = default;
    ConnectState(const ConnectState&) = delete;
    ConnectState& operator=(const ConnectState&) = delete;
    // Cancels the timer: call it (delete the driver's state) in the thread
    // that has the channel, as close2Proc is.
    ~ConnectState();

    // Tries to connect fd, which must be non-blocking, to address: after
    // that the state is Connected, Failed or Detached. The channel starts
    // in blocking mode, as every new channel does; once the connection is
    // made fd is made blocking, the mode that costs a blocking call least.
    // done is not called for a result known here.
    void start(int fd, const UnixAddress& address, DoneProc done, void* clientData);

    State state() const noexcept { return state_; }
    bool connecting() const noexcept {
        return state_ == State::Detached || state_ == State::Retrying;
    }
    // Why the connect failed, 0 unless Failed.
    int error() const noexcept { return error_; }

    // Before a read or a write: 0 when connected. While connecting, EAGAIN
    // in non-blocking mode (Tcl keeps the output and retries at writable);
    // in blocking mode waits for the connection, as connectBlocking does, then
    // 0 or the failure. Once failed, the connect's errno (never EAGAIN,
    // which Tcl would take for "try later").
    int beforeIo();

    // For a send that cannot wait for Tcl's writable event (sendchannels):
    // waits for the connection as a blocking channel's write does, in
    // either mode. 0 once connected, else the connect's errno.
    int awaitConnected();

    // From watchProc: while connecting, remembers mask for DoneProc and
    // returns true (the driver watches nothing); else false.
    bool deferWatch(int mask) noexcept;

    // From blockModeProc: while connecting, remembers the mode for the
    // moment the connection is made and returns true; else false.
    bool deferBlocking(int mode) noexcept;

    // From threadActionProc: the timer belongs to a thread's notifier, so
    // it is cancelled when the channel leaves a thread and armed again in
    // the one that takes it; the watch remembered is dropped, as Tcl asks
    // for it again there.
    void threadAction(int action);

private:
    enum class Attempt { Now, Blocking };

    // The one transition: leaves the current state (cancelling its timer),
    // enters next (arming a timer, or finishing with error).
    void enter(State next, int error = 0);
    // One connect (or, Blocking, connectBlocking's wait) and the state it
    // leads to; busy is the state for a full backlog.
    void attempt(Attempt how, State busy);
    static void retryTimer(void* clientData);

    State state_ = State::Connected;
    int error_ = 0;
    int fd_ = -1;
    UnixAddress address_;
    DoneProc done_ = nullptr;
    void* clientData_ = nullptr;
    Tcl_TimerToken timer_ = nullptr;  // only while Retrying
    int delayMs_ = 0;                 // before the next try
    int watchMask_ = 0;               // asked for while connecting
    bool blocking_ = true;            // asked for while connecting
};

}  // namespace unix_sockets
