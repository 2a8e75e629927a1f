// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "event_source.hpp"

#include "epoll_mask.hpp"
#include "epoll_notifier.hpp"

#if UNIX_SOCKETS_OWN_EPOLL

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <mutex>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace unix_sockets {

namespace {

// ---- Low numbers kept for epoll sets ------------------------------------------
//
// Linux gives a new descriptor the lowest free number, so an epoll set made
// while every number below FD_SETSIZE is taken cannot be moved down either:
// F_DUPFD would find nothing free below it. Such a thread (one that loads
// the package late, or is handed a channel without loading it) can only get
// a number kept free for it in advance. The first load reserves a few,
// each holding a copy of an empty epoll instance; a thread takes one by
// dup3'ing its epoll set onto it and gives it back at exit by dup3'ing the
// placeholder onto it again. dup3 replaces in one step, so the number is
// never free for another thread's open to take. The pool is process-wide and
// its descriptors live as long as the process, a constant five; they are
// close-on-exec like everything else.

constexpr int kReservedSlots = 4;

struct Slot {
    int fd = -1;  // -1 until reserved
    bool taken = false;
};

// Plain values, so nothing is destroyed at exit while a thread may still be
// ending; guarded by slotMutex, as any thread may load the package or end.
std::mutex slotMutex;
int placeholder = -1;  // the empty epoll instance the free slots are copies of
std::array<Slot, kReservedSlots> slots;

// Fills the pool with numbers below FD_SETSIZE, as far as there are free ones.
void reserveSlots() {
    std::lock_guard<std::mutex> lock(slotMutex);
    if (placeholder < 0) {
        // Its own number does not matter: it is only ever copied from.
        placeholder = ::epoll_create1(EPOLL_CLOEXEC);
        if (placeholder < 0) return;
    }
    for (Slot& slot : slots) {
        if (slot.fd >= 0) continue;
        int fd = ::fcntl(placeholder, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return;
        if (fd >= FD_SETSIZE) {
            // Loaded too late to reserve any; a later load may find some.
            ::close(fd);
            return;
        }
        slot.fd = fd;
    }
}

// Moves fd onto a free reserved number, closing the original; returns that
// number, or -1 (fd untouched) when none is free.
int moveToReservedSlot(int fd) {
    std::lock_guard<std::mutex> lock(slotMutex);
    for (Slot& slot : slots) {
        if (slot.fd < 0 || slot.taken) continue;
        if (::dup3(fd, slot.fd, O_CLOEXEC) < 0) return -1;
        ::close(fd);
        slot.taken = true;
        return slot.fd;
    }
    return -1;
}

// Closes the epoll set on a reserved number and frees the number again.
void returnReservedSlot(int fd) {
    std::lock_guard<std::mutex> lock(slotMutex);
    for (Slot& slot : slots) {
        if (slot.fd != fd) continue;
        slot.taken = false;
        if (::dup3(placeholder, fd, O_CLOEXEC) < 0) {
            // Cannot happen with both descriptors open; if it did, the slot
            // is dropped and a later load reserves another.
            ::close(fd);
            slot.fd = -1;
        }
        return;
    }
}

// ---- Low numbers kept for Tcl's notifier thread ------------------------------------
//
// Tcl 8.6 starts its notifier thread, and opens the thread's trigger pipe,
// at the first wait for an event; a pipe opened once descriptors have
// passed FD_SETSIZE aborts the process. The package used to start that
// thread when it was loaded, but then `unix_sockets::notifier epoll` could
// never be used: it must find no notifier thread running. Instead the first
// load keeps two low numbers, each a copy of the placeholder, and the
// thread is started at the first wait for events of a thread that loaded
// the package, just after those two numbers are freed for the pipe to take.
// Another thread opening a descriptor at that very moment could take one
// first; then the pipe gets the next free number, which is no worse than
// it was without the package.

std::array<int, 2> pipeSlots{-1, -1};   // guarded by slotMutex
std::atomic<bool> tclNotifierThreadStarted{false};

// Called with slotMutex held, after reserveSlots made the placeholder.
void reservePipeSlots() {
    if (tclNotifierThreadStarted.load() || epollNotifierInstalled()) return;
    for (int& slot : pipeSlots) {
        if (slot >= 0 || placeholder < 0) continue;
        int fd = ::fcntl(placeholder, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return;
        if (fd >= FD_SETSIZE) {
            ::close(fd);
            return;
        }
        slot = fd;
    }
}

void freePipeSlots() {
    std::lock_guard<std::mutex> lock(slotMutex);
    for (int& slot : pipeSlots) {
        if (slot >= 0) ::close(slot);
        slot = -1;
    }
}

// An event source whose only work is done at the first wait of any thread
// that loaded the package: Tcl_DoOneEvent calls it just before it waits.
void startTclNotifierThread(void*, int) {
    if (tclNotifierThreadStarted.exchange(true)) return;
    freePipeSlots();
    // The hook only starts the thread; the service mode stays. Under the
    // epoll notifier it does nothing.
    Tcl_ServiceModeHook(TCL_SERVICE_ALL);
}

// ---- The epoll set of a thread --------------------------------------------------

struct Watch {
    int mask;
    Tcl_FileProc* proc;
    void* clientData;
    // Sent with every event of this watch, along with the descriptor: the
    // number is reused as soon as it is closed, the generation is not.
    uint32_t generation;
};

// One per thread, since file handlers belong to the thread's notifier.
struct EpollSet {
    int epoll = -1;               // -1 until made (openEpoll)
    bool inReservedSlot = false;  // then given back at exit, not closed
    uint32_t nextGeneration = 0;
    std::unordered_map<int, Watch> watches;
    // Descriptors below FD_SETSIZE this thread watches through Tcl's
    // notifier, counted for `unix_sockets::notifier epoll`, which must not
    // take Tcl's notifier away from under them.
    std::unordered_set<int> tclWatches;
    bool startsTclNotifier = false;  // startTclNotifierThread is an event source here
};

thread_local EpollSet* threadSet = nullptr;

// The epoll descriptor is readable: some watched descriptor is ready.
void epollReady(void* clientData, int) {
    EpollSet* set = static_cast<EpollSet*>(clientData);
    std::array<epoll_event, 64> ready;
    int count = ::epoll_wait(set->epoll, ready.data(), static_cast<int>(ready.size()), 0);
    for (int i = 0; i < count; ++i) {
        // A handler may unwatch or close any descriptor, and open a new one
        // that gets the same number, so each event is looked up again when
        // its turn comes and dropped unless its watch is the very one it was
        // made for: the new descriptor has readiness of its own, or none.
        // A watch made again for a descriptor still ready loses nothing:
        // epoll is level-triggered and reports it in the next round. A
        // stale event could only match after 2^32 new watches in one round.
        int fd = static_cast<int>(static_cast<uint32_t>(ready[i].data.u64));
        uint32_t generation = static_cast<uint32_t>(ready[i].data.u64 >> 32);
        auto found = set->watches.find(fd);
        if (found == set->watches.end() || found->second.generation != generation) continue;
        Watch watch = found->second;
        int mask = tclMask(ready[i].events) & watch.mask;
        if (mask != 0) watch.proc(watch.clientData, mask);
    }
}

// Makes the thread's epoll set at a number select() can watch and hands it
// to Tcl's notifier. Returns 0 or an errno.
int openEpoll(EpollSet* set) {
    int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return errno;
    if (fd >= FD_SETSIZE) {
        int slot = moveToReservedSlot(fd);
        if (slot < 0) {
            // Out of select()'s reach, and no number kept for it: every
            // number Tcl 8.6 can watch is taken, which is what EMFILE says.
            ::close(fd);
            return EMFILE;
        }
        fd = slot;
        set->inReservedSlot = true;
    }
    set->epoll = fd;
    Tcl_CreateFileHandler(fd, TCL_READABLE, epollReady, set);
    return 0;
}

// Closes the thread's epoll set, which watches nothing any more.
void closeEpoll(EpollSet* set) {
    if (set->epoll < 0) return;
    Tcl_DeleteFileHandler(set->epoll);
    if (set->inReservedSlot) {
        returnReservedSlot(set->epoll);
    } else {
        ::close(set->epoll);
    }
    set->epoll = -1;
    set->inReservedSlot = false;
}

void threadExiting(void*) {
    EpollSet* set = threadSet;
    threadSet = nullptr;
    closeEpoll(set);
    if (set->startsTclNotifier) Tcl_DeleteEventSource(startTclNotifierThread, nullptr, nullptr);
    delete set;
}

EpollSet* currentSet() {
    if (threadSet != nullptr) return threadSet;
    threadSet = new EpollSet{};
    Tcl_CreateThreadExitHandler(threadExiting, nullptr);
    return threadSet;
}

}  // namespace

void prepareEventSource() {
    // Under the epoll notifier Tcl watches any descriptor itself.
    if (epollNotifierInstalled()) return;
    reserveSlots();
    {
        std::lock_guard<std::mutex> lock(slotMutex);
        reservePipeSlots();
    }
    EpollSet* set = currentSet();
    if (!set->startsTclNotifier && !tclNotifierThreadStarted.load()) {
        Tcl_CreateEventSource(startTclNotifierThread, nullptr, nullptr);
        set->startsTclNotifier = true;
    }
    // Made now, while numbers are low, if it can be; if not, the first
    // watch of a high descriptor tries again and reports the failure.
    if (set->epoll < 0) openEpoll(set);
}

bool watchesWithTclNotifier() {
    EpollSet* set = threadSet;
    return set != nullptr && (!set->watches.empty() || !set->tclWatches.empty());
}

void leaveTclNotifier() {
    freePipeSlots();
    EpollSet* set = threadSet;
    if (set != nullptr) closeEpoll(set);
}

int watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData) {
    if (epollNotifierInstalled()) {
        Tcl_CreateFileHandler(fd, mask, proc, clientData);
        return 0;
    }
    if (fd < FD_SETSIZE) {
        Tcl_CreateFileHandler(fd, mask, proc, clientData);
        currentSet()->tclWatches.insert(fd);
        return 0;
    }
    EpollSet* set = currentSet();
    if (set->epoll < 0) {
        // Tried again at each watch: descriptors may have been freed since.
        if (int error = openEpoll(set)) return error;
    }
    epoll_event event{};
    event.events = epollEvents(mask);
    auto found = set->watches.find(fd);
    if (found != set->watches.end()) {
        Watch& watch = found->second;
        event.data.u64 = epollKey(fd, watch.generation);
        if (::epoll_ctl(set->epoll, EPOLL_CTL_MOD, fd, &event) != 0) {
            int error = errno;
            unwatchDescriptor(fd);
            return error;
        }
        watch.mask = mask;
        watch.proc = proc;
        watch.clientData = clientData;
        return 0;
    }
    uint32_t generation = set->nextGeneration++;
    event.data.u64 = epollKey(fd, generation);
    if (::epoll_ctl(set->epoll, EPOLL_CTL_ADD, fd, &event) != 0) return errno;
    set->watches.emplace(fd, Watch{mask, proc, clientData, generation});
    return 0;
}

int prepareWatch(int fd) {
    if (fd < FD_SETSIZE || epollNotifierInstalled()) return 0;
    EpollSet* set = currentSet();
    return set->epoll >= 0 ? 0 : openEpoll(set);
}

void unwatchDescriptor(int fd) {
    EpollSet* set = threadSet;
    if (fd < FD_SETSIZE || epollNotifierInstalled()) {
        Tcl_DeleteFileHandler(fd);
        if (set != nullptr) set->tclWatches.erase(fd);
        return;
    }
    if (set == nullptr || set->watches.erase(fd) == 0) return;
    ::epoll_ctl(set->epoll, EPOLL_CTL_DEL, fd, nullptr);
}

int copyForTclNotifier(int fd, UniqueFd* low) {
    if (fd < FD_SETSIZE || epollNotifierInstalled()) return 0;
    // The lowest free number: if even that is too high, none below is free.
    UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy) return errno;
    if (copy.get() >= FD_SETSIZE) return EMFILE;
    *low = std::move(copy);
    return 0;
}

}  // namespace unix_sockets

#else  // Tcl's own notifier watches any descriptor.

namespace unix_sockets {

void prepareEventSource() {}

int watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData) {
    Tcl_CreateFileHandler(fd, mask, proc, clientData);
    return 0;
}

int prepareWatch(int) { return 0; }

void unwatchDescriptor(int fd) { Tcl_DeleteFileHandler(fd); }

int copyForTclNotifier(int, UniqueFd*) { return 0; }

bool watchesWithTclNotifier() { return false; }

void leaveTclNotifier() {}

}  // namespace unix_sockets

#endif
