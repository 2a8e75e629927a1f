// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "connect_state.hpp"

#include "served_listeners.hpp"
#include "socket_io.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <utility>

namespace unix_sockets {

namespace {

// The backoff of an async connect to a full backlog: the first retry after
// 1 ms, each next one after twice as long, at most 100 ms apart. Nothing
// tells us when the listener accepts, so this is the price of a full
// backlog: a few wake-ups while it lasts, at most 100 ms of delay after it.
constexpr int kFirstRetryMs = 1;
constexpr int kMaxRetryMs = 100;

// One connect: 0, the errno, or, for a full backlog, EAGAIN if fd is
// non-blocking; a blocking one waits for room.
int connectNow(int fd, const UnixAddress& address) {
    for (;;) {
        if (::connect(fd, address.sockaddrPtr(), address.length()) == 0) return 0;
        // A Unix connect that a signal interrupts leaves nothing half done
        // (unlike TCP's, which goes on in the background): just retry.
        if (errno != EINTR) return errno;
    }
}

}  // namespace

int connectBlocking(int fd, const UnixAddress& address) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return errno;
    // First a try that cannot wait: only a full backlog makes us ask whose
    // the listener is.
    if ((flags & O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
    int result = connectNow(fd, address);
    if (result == EAGAIN) {
        if (servedByThisThread(address)) {
            result = EDEADLK;
        } else if (::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
            result = errno;
        } else {
            // The kernel wakes us the moment the listener accepts.
            result = connectNow(fd, address);
        }
    }
    // As found. F_SETFL cannot fail on a socket the calls above could use.
    ::fcntl(fd, F_SETFL, flags);
    return result;
}

ConnectState::~ConnectState() {
    if (timer_ != nullptr) Tcl_DeleteTimerHandler(timer_);
}

void ConnectState::start(int fd, const UnixAddress& address, DoneProc done, void* clientData) {
    fd_ = fd;
    address_ = address;
    delayMs_ = kFirstRetryMs;
    blocking_ = true;
    state_ = State::Detached;
    // Known at once (connected, or failed) or not: no channel exists yet,
    // so there is nobody to tell, and done is set only afterwards.
    attempt(Attempt::Now, State::Detached);
    if (connecting()) {
        done_ = done;
        clientData_ = clientData;
    }
}

void ConnectState::enter(State next, int error) {
    if (state_ == State::Retrying && timer_ != nullptr) {
        Tcl_DeleteTimerHandler(timer_);
        timer_ = nullptr;
    }
    state_ = next;
    switch (next) {
    case State::Detached:
        break;
    case State::Retrying:
        timer_ = Tcl_CreateTimerHandler(delayMs_, retryTimer, this);
        delayMs_ = std::min(delayMs_ * 2, kMaxRetryMs);
        break;
    case State::Connected:
    case State::Failed:
        error_ = error;
        // The tries had to be non-blocking. The socket is ours alone (it
        // cannot have been sent before it was connected), and a blocking
        // file lets a blocking call block in one system call; the channel
        // applies its mode per call (socket_io.hpp). F_SETFL cannot fail on
        // a descriptor we own.
        setNonBlocking(fd_, false);
        // Last: the driver may start watching, and its state must be
        // final by then. Called once, so a Failed is never left again.
        if (DoneProc done = std::exchange(done_, nullptr)) {
            done(clientData_, std::exchange(watchMask_, 0));
        }
        break;
    }
}

void ConnectState::attempt(Attempt how, State busy) {
    const int result =
        how == Attempt::Now ? connectNow(fd_, address_) : connectBlocking(fd_, address_);
    if (result == 0) {
        enter(State::Connected);
    } else if (result == EAGAIN) {
        // Only a non-blocking try says this: connectBlocking waits instead,
        // or says EDEADLK, so Failed never holds EAGAIN.
        enter(busy);
    } else {
        enter(State::Failed, result);
    }
}

void ConnectState::retryTimer(void* clientData) {
    auto* self = static_cast<ConnectState*>(clientData);
    self->timer_ = nullptr;
    self->attempt(Attempt::Now, State::Retrying);
}

int ConnectState::beforeIo() {
    switch (state_) {
    case State::Connected:
        return 0;
    case State::Failed:
        return error_;
    case State::Detached:
    case State::Retrying:
        break;
    }
    // As Tcl's socket -async: a non-blocking channel says "not yet", and
    // Tcl keeps what was written until the channel turns writable; a
    // blocking one waits for the outcome.
    if (!blocking_) return EAGAIN;
    attempt(Attempt::Blocking, state_);
    return state_ == State::Connected ? 0 : error_;
}

int ConnectState::awaitConnected() {
    if (!connecting()) return error_;
    const bool blocking = std::exchange(blocking_, true);
    const int error = beforeIo();
    blocking_ = blocking;
    return error;
}

bool ConnectState::deferWatch(int mask) noexcept {
    if (!connecting()) return false;
    watchMask_ = mask;
    return true;
}

bool ConnectState::deferBlocking(int mode) noexcept {
    if (!connecting()) return false;
    blocking_ = mode == TCL_MODE_BLOCKING;
    return true;
}

void ConnectState::threadAction(int action) {
    if (!connecting()) return;
    if (action == TCL_CHANNEL_THREAD_REMOVE) {
        watchMask_ = 0;
        enter(State::Detached);
    } else {
        enter(State::Retrying);
    }
}

}  // namespace unix_sockets
