// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The epoll notifier (epoll_notifier.hpp): the state of each thread, the
// Tcl_NotifierProcs table, then installing it.
#include "epoll_notifier.hpp"

#include "epoll_mask.hpp"

#if UNIX_SOCKETS_EPOLL_NOTIFIER

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace unix_sockets {

namespace {

// ---- The state of a thread ----------------------------------------------------

struct FileHandler {
    int mask = 0;       // TCL_READABLE | TCL_WRITABLE | TCL_EXCEPTION wanted
    int readyMask = 0;  // what was found ready; nonzero while an event is queued
    Tcl_FileProc* proc = nullptr;
    void* clientData = nullptr;
    // Sent with every epoll event of this handler, along with the
    // descriptor: an event that outlives its handler (the descriptor closed
    // before Tcl_DeleteFileHandler, its number reused) is not this one's.
    uint32_t generation = 0;
    bool inEpollSet = false;
    // A descriptor epoll cannot watch (a regular file, /dev/null: EPERM),
    // which select() reports ready at every wait; it is reported the same.
    bool alwaysReady = false;
};

// Made by initNotifier in each thread (or at install, for the installing
// thread, which Tcl initialised with its own notifier), freed by
// finalizeNotifier; only its own thread touches it, except alertNotifier,
// which only writes to its eventfd.
struct ThreadState {
    int epoll = -1;
    int alert = -1;  // the eventfd alertNotifier writes and waitForEvent drains
    pid_t pid = 0;   // a child of fork() must not share its parent's epoll set
    uint32_t nextGeneration = 0;
    std::unordered_map<int, FileHandler> handlers;
    std::unordered_set<int> alwaysReady;  // descriptors of handlers marked so
    std::array<epoll_event, 128> ready;
};

// The key of the eventfd in the epoll set; a handler's key has a descriptor,
// never -1, in its low half.
constexpr uint64_t kAlertKey = UINT64_MAX;

std::atomic<bool> installed{false};
thread_local ThreadState* threadState = nullptr;

// Tcl gave the installing thread's notifier data to Tcl's own notifier,
// before the install, and hands that pointer to alertNotifier whenever
// another thread alerts this one: it stands for this state. Both are set
// before the notifier is installed, while no other thread runs Tcl.
void* installingThreadTclData = nullptr;
ThreadState* installingThreadState = nullptr;

// Opens the thread's epoll set and eventfd. Returns 0 or an errno (then
// neither is open).
int openState(ThreadState* state) {
    state->epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (state->epoll < 0) return errno;
    state->alert = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kAlertKey;
    if (state->alert < 0 || ::epoll_ctl(state->epoll, EPOLL_CTL_ADD, state->alert, &event) != 0) {
        int error = errno;
        if (state->alert >= 0) ::close(state->alert);
        ::close(state->epoll);
        state->epoll = state->alert = -1;
        return error;
    }
    state->pid = ::getpid();
    return 0;
}

void closeState(ThreadState* state) {
    if (state->alert >= 0) ::close(state->alert);
    if (state->epoll >= 0) ::close(state->epoll);
    state->epoll = state->alert = -1;
}

// Makes the epoll set agree with the handler's mask: added, changed or
// removed. A handler with nothing to watch stays out of the set, where a
// hang-up (reported whatever is asked) would wake every wait for nothing.
void updateEpollSet(ThreadState* state, int fd, FileHandler* handler) {
    if (handler->alwaysReady) {
        // Listed only while it wants something select() would report: the
        // list makes every wait return at once.
        if (handler->mask & (TCL_READABLE | TCL_WRITABLE)) {
            state->alwaysReady.insert(fd);
        } else {
            state->alwaysReady.erase(fd);
        }
        return;
    }
    epoll_event event{};
    event.events = epollEvents(handler->mask);
    event.data.u64 = epollKey(fd, handler->generation);
    if (event.events == 0) {
        if (handler->inEpollSet) ::epoll_ctl(state->epoll, EPOLL_CTL_DEL, fd, nullptr);
        handler->inEpollSet = false;
        return;
    }
    int op = handler->inEpollSet ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(state->epoll, op, fd, &event) == 0) {
        handler->inEpollSet = true;
        return;
    }
    if (errno == EEXIST && ::epoll_ctl(state->epoll, EPOLL_CTL_MOD, fd, &event) == 0) {
        handler->inEpollSet = true;
        return;
    }
    // EPERM: a descriptor epoll cannot watch, which select() reports ready
    // at every wait. Any other failure (EBADF, ENOMEM, the user's epoll watch
    // limit) has no one to be reported to here: the handler is reported
    // ready too, so that its channel tries its read or write and meets the
    // real error, rather than waiting for ever.
    handler->inEpollSet = false;
    handler->alwaysReady = true;
    updateEpollSet(state, fd, handler);
}

// After fork() the child has its parent's descriptors, and so the parent's
// epoll set itself: a change made in the child would change the parent's.
// The child makes a set of its own and adds its handlers to it again.
void reopenAfterFork(ThreadState* state) {
    closeState(state);
    if (openState(state) != 0) return;  // then every wait fails at once, as below
    state->alwaysReady.clear();
    for (auto& [fd, handler] : state->handlers) {
        handler.inEpollSet = false;
        handler.alwaysReady = false;
        updateEpollSet(state, fd, &handler);
    }
}

ThreadState* newState() {
    ThreadState* state = new ThreadState();
    openState(state);
    return state;
}

// The calling thread's state. Tcl initialises the notifier of every thread
// that runs it, but a thread may register a file handler through a
// channel it was handed without ever having run Tcl.
ThreadState* currentState() {
    if (threadState == nullptr) threadState = newState();
    return threadState;
}

// ---- Events ------------------------------------------------------------------------

// A handler's readiness, queued as a Tcl event that names the descriptor:
// by the time it is serviced the handler may have been deleted, or replaced
// by another for a descriptor that got the same number.
struct FileHandlerEvent {
    Tcl_Event header;
    int fd;
};

int fileHandlerEventProc(Tcl_Event* event, int flags) {
    if (!(flags & TCL_FILE_EVENTS)) return 0;  // left queued for a later call
    ThreadState* state = threadState;
    if (state == nullptr) return 1;
    auto found = state->handlers.find(reinterpret_cast<FileHandlerEvent*>(event)->fd);
    if (found == state->handlers.end()) return 1;
    FileHandler& handler = found->second;
    // A replacement handler starts with readyMask 0, so the stale event of
    // a closed descriptor calls nothing; a mask narrowed since the event was
    // queued reports only what is still wanted.
    int mask = handler.readyMask & handler.mask;
    handler.readyMask = 0;
    // Copied first: the handler may delete itself.
    Tcl_FileProc* proc = handler.proc;
    void* clientData = handler.clientData;
    if (mask != 0) proc(clientData, mask);
    return 1;
}

void queueReady(int fd, FileHandler* handler, int mask) {
    if (mask == 0) return;
    // One event per handler at a time, as Tcl's own notifier: a handler
    // ready again before its event ran only widens what the event reports.
    if (handler->readyMask == 0) {
        auto* event = reinterpret_cast<FileHandlerEvent*>(Tcl_Alloc(sizeof(FileHandlerEvent)));
        event->header.proc = fileHandlerEventProc;
        event->header.nextPtr = nullptr;
        event->fd = fd;
        Tcl_QueueEvent(&event->header, TCL_QUEUE_TAIL);
    }
    handler->readyMask = mask;
}

// Milliseconds for epoll_wait, rounded up: rounded down, a timer due in
// less than a millisecond would make the loop spin until it is.
int timeoutMs(const Tcl_Time* time) {
    if (time == nullptr) return -1;
    long long ms = static_cast<long long>(time->sec) * 1000 + (time->usec + 999) / 1000;
    if (ms < 0) return 0;
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// ---- Tcl_NotifierProcs -------------------------------------------------------------

void setTimerProc(const Tcl_Time*) {
    // Nothing to do: Tcl_DoOneEvent passes the time until the next timer to
    // waitForEventProc, and no other event loop runs in this process.
}

int waitForEventProc(const Tcl_Time* time) {
    ThreadState* state = currentState();
    if (state->pid != ::getpid()) reopenAfterFork(state);
    if (state->epoll < 0) return -1;  // the set could not be made: Tcl_DoOneEvent gives up
    int timeout = state->alwaysReady.empty() ? timeoutMs(time) : 0;
    int count = ::epoll_wait(state->epoll, state->ready.data(),
                             static_cast<int>(state->ready.size()), timeout);
    for (int i = 0; i < count; ++i) {
        const epoll_event& ready = state->ready[i];
        if (ready.data.u64 == kAlertKey) {
            uint64_t value;
            // Drained; the alert itself only had to end the wait.
            while (::read(state->alert, &value, sizeof value) > 0) {
            }
            continue;
        }
        int fd = static_cast<int>(static_cast<uint32_t>(ready.data.u64));
        uint32_t generation = static_cast<uint32_t>(ready.data.u64 >> 32);
        auto found = state->handlers.find(fd);
        if (found == state->handlers.end() || found->second.generation != generation) continue;
        FileHandler& handler = found->second;
        queueReady(fd, &handler, tclMask(ready.events) & handler.mask);
    }
    for (int fd : state->alwaysReady) {
        FileHandler& handler = state->handlers.at(fd);
        queueReady(fd, &handler, handler.mask & (TCL_READABLE | TCL_WRITABLE));
    }
    // EINTR (a signal) ends the wait like a timeout: Tcl_DoOneEvent looks
    // at its timers and event sources again.
    return 0;
}

void createFileHandlerProc(int fd, int mask, Tcl_FileProc* proc, void* clientData) {
    ThreadState* state = currentState();
    if (state->pid != ::getpid()) reopenAfterFork(state);
    auto [found, added] = state->handlers.try_emplace(fd);
    FileHandler& handler = found->second;
    handler.proc = proc;
    handler.clientData = clientData;
    if (added) {
        handler.generation = state->nextGeneration++;
    } else if (handler.mask == mask) {
        return;  // the epoll set has it already: no system call
    }
    handler.mask = mask;
    if (state->epoll >= 0) updateEpollSet(state, fd, &handler);
}

void deleteFileHandlerProc(int fd) {
    ThreadState* state = threadState;
    if (state == nullptr) return;
    auto found = state->handlers.find(fd);
    if (found == state->handlers.end()) return;
    // Fails harmlessly (EBADF) when the descriptor was closed first, which
    // removed it from the set already.
    if (found->second.inEpollSet) ::epoll_ctl(state->epoll, EPOLL_CTL_DEL, fd, nullptr);
    if (found->second.alwaysReady) state->alwaysReady.erase(fd);
    state->handlers.erase(found);
}

void* initNotifierProc() {
    ThreadState* state = threadState;
    if (state == nullptr) {
        threadState = newState();
    } else if (state->pid != ::getpid()) {
        // Tcl's pthread_atfork child handler, in a child of fork().
        reopenAfterFork(state);
    }
    return threadState;
}

void finalizeNotifierProc(void*) {
    // The pointer Tcl passes is not this state's for the installing thread
    // (see installingThreadTclData); the thread's own is.
    ThreadState* state = threadState;
    if (state == nullptr) return;
    threadState = nullptr;
    // Tcl holds the lock of Tcl_ThreadAlert here: no alert is under way.
    if (state == installingThreadState) installingThreadState = nullptr;
    closeState(state);
    delete state;
}

void alertNotifierProc(void* clientData) {
    ThreadState* state = clientData == installingThreadTclData
                             ? installingThreadState
                             : static_cast<ThreadState*>(clientData);
    if (state == nullptr || state->alert < 0) return;
    uint64_t one = 1;
    // EAGAIN (the counter full) is an alert already pending.
    [[maybe_unused]] ssize_t written = ::write(state->alert, &one, sizeof one);
}

void serviceModeHookProc(int) {
    // Nothing: Tcl's own starts its notifier thread here, and this notifier
    // has none.
}

Tcl_NotifierProcs notifierProcs() {
    Tcl_NotifierProcs procs{};
    procs.setTimerProc = setTimerProc;
    procs.waitForEventProc = waitForEventProc;
    procs.createFileHandlerProc = createFileHandlerProc;
    procs.deleteFileHandlerProc = deleteFileHandlerProc;
    procs.initNotifierProc = initNotifierProc;
    procs.finalizeNotifierProc = finalizeNotifierProc;
    procs.alertNotifierProc = alertNotifierProc;
    procs.serviceModeHookProc = serviceModeHookProc;
    return procs;
}

}  // namespace

bool epollNotifierInstalled() { return installed.load(std::memory_order_relaxed); }

int installEpollNotifier(void (*leaving)()) {
    if (installed.load()) return 0;
    ThreadState* state = new ThreadState();
    if (int error = openState(state)) {
        delete state;
        return error;
    }
    // Tcl's own notifier, still in place, returns this thread's data of its
    // own, the pointer Tcl will keep handing to alertNotifier for this thread.
    leaving();
    installingThreadTclData = Tcl_InitNotifier();
    installingThreadState = state;
    threadState = state;
    Tcl_NotifierProcs procs = notifierProcs();
    Tcl_SetNotifier(&procs);
    installed.store(true);
    return 0;
}

}  // namespace unix_sockets

#endif  // UNIX_SOCKETS_EPOLL_NOTIFIER
