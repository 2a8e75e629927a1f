#include "event_source.hpp"

#if UNIX_SOCKETS_OWN_EPOLL

#include "unique_fd.hpp"

#include <array>
#include <cstdint>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unordered_map>

namespace unix_sockets {

namespace {

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
    UniqueFd epoll;
    uint32_t nextGeneration = 0;
    std::unordered_map<int, Watch> watches;
};

thread_local EpollSet* threadSet = nullptr;

uint32_t epollEvents(int mask) {
    uint32_t events = 0;
    if (mask & TCL_READABLE) events |= EPOLLIN;
    if (mask & TCL_WRITABLE) events |= EPOLLOUT;
    if (mask & TCL_EXCEPTION) events |= EPOLLPRI;
    return events;
}

int tclMask(uint32_t events, int wanted) {
    int mask = 0;
    // A hang-up or an error makes a read or write return at once, which is
    // what readiness means to a channel.
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) mask |= TCL_READABLE;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) mask |= TCL_WRITABLE;
    if (events & EPOLLPRI) mask |= TCL_EXCEPTION;
    return mask & wanted;
}

// What epoll hands back with an event: the descriptor in the low half, the
// watch's generation in the high half.
uint64_t eventKey(int fd, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

// The epoll descriptor is readable: some watched descriptor is ready.
void epollReady(void* clientData, int) {
    EpollSet* set = static_cast<EpollSet*>(clientData);
    std::array<epoll_event, 64> ready;
    int count = ::epoll_wait(set->epoll.get(), ready.data(), static_cast<int>(ready.size()), 0);
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
        int mask = tclMask(ready[i].events, watch.mask);
        if (mask != 0) watch.proc(watch.clientData, mask);
    }
}

void threadExiting(void*) {
    EpollSet* set = threadSet;
    threadSet = nullptr;
    if (set->epoll) Tcl_DeleteFileHandler(set->epoll.get());
    delete set;
}

EpollSet* currentSet() {
    if (threadSet != nullptr) return threadSet;
    auto* set = new EpollSet{};
    set->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    // Unusable if it is itself out of select()'s reach; then high
    // descriptors stay unwatched rather than abort the process.
    if (set->epoll && set->epoll.get() >= FD_SETSIZE) set->epoll.reset();
    if (set->epoll) Tcl_CreateFileHandler(set->epoll.get(), TCL_READABLE, epollReady, set);
    threadSet = set;
    Tcl_CreateThreadExitHandler(threadExiting, nullptr);
    return set;
}

}  // namespace

void prepareEventSource() {
    // Tcl 8.6 starts its notifier thread, and opens that thread's trigger
    // pipe, at the first wait for an event; a pipe opened once descriptors
    // have passed FD_SETSIZE aborts the process. Start it now, while they
    // are low (the hook only starts the thread; the service mode stays).
    Tcl_ServiceModeHook(TCL_SERVICE_ALL);
    currentSet();
}

void watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData) {
    if (fd < FD_SETSIZE) {
        Tcl_CreateFileHandler(fd, mask, proc, clientData);
        return;
    }
    EpollSet* set = currentSet();
    if (!set->epoll) return;
    epoll_event event{};
    event.events = epollEvents(mask);
    auto found = set->watches.find(fd);
    if (found != set->watches.end()) {
        Watch& watch = found->second;
        event.data.u64 = eventKey(fd, watch.generation);
        ::epoll_ctl(set->epoll.get(), EPOLL_CTL_MOD, fd, &event);
        watch.mask = mask;
        watch.proc = proc;
        watch.clientData = clientData;
        return;
    }
    uint32_t generation = set->nextGeneration++;
    event.data.u64 = eventKey(fd, generation);
    ::epoll_ctl(set->epoll.get(), EPOLL_CTL_ADD, fd, &event);
    set->watches.emplace(fd, Watch{mask, proc, clientData, generation});
}

void unwatchDescriptor(int fd) {
    if (fd < FD_SETSIZE) {
        Tcl_DeleteFileHandler(fd);
        return;
    }
    EpollSet* set = threadSet;
    if (set == nullptr || set->watches.erase(fd) == 0) return;
    ::epoll_ctl(set->epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
}

}  // namespace unix_sockets

#else  // Tcl's own notifier watches any descriptor.

namespace unix_sockets {

void prepareEventSource() {}

void watchDescriptor(int fd, int mask, Tcl_FileProc* proc, void* clientData) {
    Tcl_CreateFileHandler(fd, mask, proc, clientData);
}

void unwatchDescriptor(int fd) { Tcl_DeleteFileHandler(fd); }

}  // namespace unix_sockets

#endif
