// The stream socket channel type.
//
// One StreamSocket per channel, owned by the channel: created with it in
// createStreamChannel and freed by close2Proc when Tcl closes it. The procs
// report failures as errno values; Tcl turns them into words.
#include "stream_channel.hpp"

#include "connect_state.hpp"
#include "event_source.hpp"
#include "fd_passing.hpp"
#include "fd_registry.hpp"
#include "socket_io.hpp"
#include "socket_options.hpp"

#include <atomic>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

// Tcl's default of 4 KiB makes bulk data cost one system call, and on one
// CPU one wake-up of the reader, per 4 KiB; 64 KiB more than doubled
// throughput in bench/. The price is memory: a channel keeps one buffer of
// this size once it has carried data, so a process with many thousands of
// idle connections may want a smaller -buffersize.
constexpr int kDefaultBufferSize = 64 * 1024;

struct StreamSocket {
    UniqueFd fd;
    Tcl_Channel channel = nullptr;
    // The channel's mode, applied per call (socket_io.hpp): the descriptor's
    // own flag is shared with whoever else holds the socket.
    bool blocking = true;
    // The events Tcl last asked watchProc for.
    int watchMask = 0;
    // A file handler (or epoll watch) is registered in the current thread.
    bool watching = false;
    // Why the descriptor cannot be watched (0 while it can): see watchProc.
    // From then on every read and write fails with it, since no readiness
    // will ever be reported.
    int watchError = 0;
    // The one event that runs the script's handlers after a failed watch.
    Tcl_TimerToken watchErrorEvent = nullptr;
    // The error -error reports from now on: a reset that input turned into
    // end of file (as Tcl's own sockets do), SO_ERROR once read, which the
    // kernel forgets on reading, or watchError. Errors on a stream socket
    // are final.
    int keptError = 0;
    // Descriptors the peer sent that the script has not taken, and the
    // count of bytes handed to Tcl they are placed by (fd_passing.hpp).
    // Closed with the channel.
    ReceivedDescriptors received;
    // The connect of `connect -async`, until it is done (connect_state.hpp);
    // Connected from the start for every other channel.
    ConnectState connect;
};

StreamSocket* self(void* instanceData) { return static_cast<StreamSocket*>(instanceData); }

// Reads what the peer sent, keeping the descriptors that come with it for
// recvchannels.
int receive(StreamSocket* s, char* buf, int toRead, int* errorCodePtr) {
    ssize_t got = callInMode(s->fd.get(), s->blocking, POLLIN, [&](int flags) {
        int error = 0;
        ssize_t n = receiveWithDescriptors(s->fd.get(), buf, static_cast<size_t>(toRead), flags,
                                           s->received, &error);
        errno = error;
        return n;
    });
    if (got >= 0) return static_cast<int>(got);
    const int error = errno;
    if (error == ECONNRESET) {
        // The peer closed with data of ours unread. Everything it sent
        // before has been read by now, so this is its end of stream.
        s->keptError = error;
        return 0;
    }
    *errorCodePtr = error;
    return -1;
}

int inputProc(void* instanceData, char* buf, int toRead, int* errorCodePtr) {
    StreamSocket* s = self(instanceData);
    if (int error = s->connect.beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    if (s->watchError != 0) {
        *errorCodePtr = s->watchError;
        return -1;
    }
    return receive(s, buf, toRead, errorCodePtr);
}

int outputProc(void* instanceData, const char* buf, int toWrite, int* errorCodePtr) {
    StreamSocket* s = self(instanceData);
    if (int error = s->connect.beforeIo()) {
        *errorCodePtr = error;
        return -1;
    }
    if (s->watchError != 0) {
        *errorCodePtr = s->watchError;
        return -1;
    }
    // MSG_NOSIGNAL: a vanished peer is an EPIPE error, never a SIGPIPE
    // that would kill a tclsh which did not ask for signals.
    ssize_t sent = callInMode(s->fd.get(), s->blocking, POLLOUT, [&](int flags) {
        return ::send(s->fd.get(), buf, static_cast<size_t>(toWrite), flags | MSG_NOSIGNAL);
    });
    if (sent >= 0) return static_cast<int>(sent);
    *errorCodePtr = errno;
    return -1;
}

void stopWatching(StreamSocket* s) {
    if (s->watching) unwatchDescriptor(s->fd.get());
    s->watching = false;
    if (s->watchErrorEvent != nullptr) Tcl_DeleteTimerHandler(s->watchErrorEvent);
    s->watchErrorEvent = nullptr;
    s->watchMask = 0;
}

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    StreamSocket* s = self(instanceData);
    switch (flags) {
    case TCL_CLOSE_READ:
        // Nothing to do at the socket. Tcl 8.6 calls this as the first step
        // of every plain close (generic/tclIO.c), and shutdown(SHUT_RD) would
        // also break the socket for any other process that holds it; Tcl
        // itself stops reading from the channel.
        return 0;
    case TCL_CLOSE_WRITE:
        // The peer reads end of stream and may still answer.
        if (::shutdown(s->fd.get(), SHUT_WR) != 0 && errno != ENOTCONN) return errno;
        return 0;
    default: {
        stopWatching(s);
        int fd = s->fd.release();
        delete s;
        return closeRegistered(fd);
    }
    }
}

int blockModeProc(void* instanceData, int mode) {
    StreamSocket* s = self(instanceData);
    // Nothing changes at the descriptor (socket_io.hpp).
    s->blocking = mode == TCL_MODE_BLOCKING;
    s->connect.deferBlocking(mode);
    return 0;
}

void fileReady(void* clientData, int mask) {
    Tcl_NotifyChannel(static_cast<Tcl_Channel>(clientData), mask);
}

void watchErrorReady(void* clientData) {
    StreamSocket* s = self(clientData);
    s->watchErrorEvent = nullptr;
    // The handlers' reads and writes fail with watchError; one may close
    // the channel, so s is not touched after this.
    Tcl_NotifyChannel(s->channel, s->watchMask);
}

void watchProc(void* instanceData, int mask) {
    StreamSocket* s = self(instanceData);
    if (s->connect.deferWatch(mask)) return;
    if (mask == s->watchMask) return;
    if (mask == 0) {
        stopWatching(s);
        return;
    }
    s->watchMask = mask;
    if (s->watchError == 0) {
        int error = watchDescriptor(s->fd.get(), mask, fileReady, s->channel);
        s->watching = error == 0;
        if (error == 0) return;
        // Tcl 8.6 and a descriptor from 1024 up, in a thread whose epoll set
        // found no number below 1024 (event_source.hpp). A channel that
        // waits for an event that cannot come would hang its script without
        // a word, so the error becomes the channel's: -error reports it.
        s->watchError = error;
        if (s->keptError == 0) s->keptError = error;
    }
    // Instead of readiness, one event now: the handlers run, and their read
    // or write fails with the reason. Tcl calls watchProc again after every
    // handler, with the same mask if nothing changed, and that schedules
    // nothing: a handler that ignores the error is not called in a loop.
    if (s->watchErrorEvent == nullptr) {
        s->watchErrorEvent = Tcl_CreateTimerHandler(0, watchErrorReady, s);
    }
}

int getHandleProc(void* instanceData, int, void** handlePtr) {
    *handlePtr = reinterpret_cast<void*>(static_cast<intptr_t>(self(instanceData)->fd.get()));
    return TCL_OK;
}

void threadActionProc(void* instanceData, int action) {
    // File handlers belong to the notifier of the thread that made them. The
    // old thread drops its handler here; in the new one Tcl calls watchProc
    // again as soon as a script there asks for events.
    if (action == TCL_CHANNEL_THREAD_REMOVE) stopWatching(self(instanceData));
    self(instanceData)->connect.threadAction(action);
}

const ReadOnlyOption kOptions[] = {
    {"-connecting", readConnecting},
    {"-peername", readPeername},
    {"-sockname", readSockname},
    {"-peercred", readPeercred},
    {"-error", readError},
    {nullptr, nullptr},
};

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    StreamSocket* s = self(instanceData);
    OptionSource source{s->fd.get(), &s->keptError, &s->connect};
    return getTableOption(kOptions, source, s->channel, interp, optionName, result);
}

const Tcl_ChannelType* streamChannelType() {
    static const Tcl_ChannelType type = [] {
        Tcl_ChannelType t = makeChannelType("unix_socket");
        t.inputProc = inputProc;
        t.outputProc = outputProc;
        t.getOptionProc = getOptionProc;
        t.setOptionProc = refuseOptionProc;
        t.watchProc = watchProc;
        t.getHandleProc = getHandleProc;
        t.close2Proc = close2Proc;
        t.blockModeProc = blockModeProc;
        t.threadActionProc = threadActionProc;
        return t;
    }();
    return &type;
}

}  // namespace

std::string nextChannelName() {
    // Shared by every thread of the process, hence atomic.
    static std::atomic<unsigned long> counter{0};
    return "unix_socket" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

namespace {

// Gives a StreamSocket whose descriptor is set its channel.
Tcl_Channel makeChannel(StreamSocket* s) {
    std::string name = nextChannelName();
    s->channel =
        Tcl_CreateChannel(streamChannelType(), name.c_str(), s, TCL_READABLE | TCL_WRITABLE);
    registerDescriptor(s->fd.get(), name);
    Tcl_SetChannelBufferSize(s->channel, kDefaultBufferSize);
    return s->channel;
}

}  // namespace

Tcl_Channel createStreamChannel(UniqueFd fd) {
    auto* s = new StreamSocket{};
    s->fd = std::move(fd);
    return makeChannel(s);
}

namespace {

// The async connect is done: watch what Tcl asked for meanwhile. A
// connected socket is writable at once and a failed one polls as hung up,
// so the script's writable handler runs either way.
void connectDone(void* clientData, int watchMask) { watchProc(clientData, watchMask); }

}  // namespace

Tcl_Channel createConnectingChannel(UniqueFd fd, const UnixAddress& address) {
    auto* s = new StreamSocket{};
    s->fd = std::move(fd);
    s->connect.start(s->fd.get(), address, connectDone, s);
    return makeChannel(s);
}

int streamChannelAwaitConnected(Tcl_Channel channel) {
    return self(Tcl_GetChannelInstanceData(channel))->connect.awaitConnected();
}

ReceivedDescriptors* streamChannelDescriptors(Tcl_Channel channel) {
    if (Tcl_GetChannelType(channel) != streamChannelType()) return nullptr;
    return &self(Tcl_GetChannelInstanceData(channel))->received;
}

}  // namespace unix_sockets
