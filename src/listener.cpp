// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The listener channel type.
//
// A Listener is shared, by reference count, between its channel, the
// deletion callback it registers in the interpreter that runs its handler,
// and every accept loop that is running. Each holder releases its own
// reference and the last one frees: an accept handler may close the
// listener that calls it or delete its interpreter, and Tcl closes an
// interpreter's channels and runs its deletion callbacks in an order that
// differs between 8.6 and 9 and from one listener to the next.
#include "listener.hpp"

#include "event_source.hpp"
#include "message_channel.hpp"
#include "fd_registry.hpp"
#include "inet_socket.hpp"
#include "posix_error.hpp"
#include "served_listeners.hpp"
#include "socket_io.hpp"
#include "socket_options.hpp"
#include "socket_channel.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <utility>

namespace unix_sockets {

namespace {

// How long accepting pauses when the process or system is out of
// descriptors or memory: the connection stays queued, and retrying at once
// would spin, since the listening socket stays readable.
constexpr int kExhaustionPauseMs = 100;

// What the listener does with a connection.
enum class Mode {
    Serving,   // hands it to the handler in interp
    Draining,  // the handler's interpreter is gone (deleted, or the listener
               // moved to another thread): closes it at once, so the client
               // reads end of file instead of waiting in the backlog
    Closed,    // the channel is closed and the descriptor with it
};

// Whether the event loop of the listener's thread watches its descriptor.
enum class Watch {
    Off,     // no: closed, or between two threads
    On,      // a file handler accepts whenever it is readable
    Paused,  // out of descriptors or memory: a timer turns it back On
};

struct Listener {
    UniqueFd fd;
    Tcl_Channel channel = nullptr;
    Mode mode = Mode::Serving;
    Watch watch = Watch::Off;
    Tcl_TimerToken resumeTimer = nullptr;  // while Paused
    // The interpreter that runs the handler, with the key of our deletion
    // callback in it; nullptr from the moment it is out of reach.
    Tcl_Interp* interp = nullptr;
    std::string callbackKey;
    ObjRef handler;
    ObjRef name;  // the path as the script wrote it, for messages
    SocketFile file;
    int refs = 0;
    // Why the last watch could not be made (0 if it could).
    int watchError = 0;
    bool exhaustionReported = false;
    // What a connect names to reach it, found when it is first watched
    // (made or adopted), for served_listeners.hpp.
    ServedAddress served;
    bool servedKnown = false;
    // A TCP listener (systemd's ListenStream=8080, inet_socket.hpp): its
    // connections become Tcl's own TCP channels. No Unix connect reaches
    // it, so it is not among the served listeners.
    bool internet = false;
};

void release(Listener* l) {
    if (--l->refs == 0) delete l;
}

void acceptReady(void* clientData, int mask);
void resumeAccepting(void* clientData);
void reportPause(Listener* l, int error, const char* action);

// The one place the watch changes: leaves the current state, enters the
// next. A closed listener watches nothing.
void setWatch(Listener* l, Watch next) {
    if (l->mode == Mode::Closed) next = Watch::Off;
    if (next == l->watch) return;
    switch (l->watch) {
    case Watch::On:
        unwatchDescriptor(l->fd.get());
        break;
    case Watch::Paused:
        Tcl_DeleteTimerHandler(l->resumeTimer);
        l->resumeTimer = nullptr;
        break;
    case Watch::Off:
        break;
    }
    switch (next) {
    case Watch::On:
        l->watchError = watchDescriptor(l->fd.get(), TCL_READABLE, acceptReady, l);
        if (l->watchError == 0) break;
        // Tcl 8.6 with no number below 1024 left for this thread's epoll set
        // (event_source.hpp): connections would wait unseen. Try again later,
        // as when accepting runs out of descriptors, and say why.
        next = Watch::Paused;
        reportPause(l, l->watchError, "watch for connections on");
        [[fallthrough]];
    case Watch::Paused:
        l->resumeTimer = Tcl_CreateTimerHandler(kExhaustionPauseMs, resumeAccepting, l);
        break;
    case Watch::Off:
        break;
    }
    l->watch = next;
    // Watched (or paused, which resumes here), it is this thread's event
    // loop that accepts for it: a blocking connect in this thread must not
    // wait for it (served_listeners.hpp).
    if (l->internet) {
        // No Unix connect can name it.
    } else if (next == Watch::Off) {
        stopServing(l);
    } else {
        if (!l->servedKnown) {
            l->served = servedAddressOf(l->fd.get(), l->file);
            l->servedKnown = true;
        }
        startServing(l, l->served);
    }
}

void resumeAccepting(void* clientData) {
    Listener* l = static_cast<Listener*>(clientData);
    l->resumeTimer = nullptr;
    l->watch = Watch::Off;  // the timer has fired: nothing to cancel
    setWatch(l, Watch::On);
}

void interpDeleted(void* clientData, Tcl_Interp*);

// The handler's interpreter is gone or out of reach: from now on
// connections are drained.
void forgetInterp(Listener* l) {
    Tcl_Interp* interp = std::exchange(l->interp, nullptr);
    if (interp == nullptr) return;
    // The handler and name objects belong to the interpreter's thread, which
    // is this one: free them here, not wherever the channel is closed.
    l->handler.reset();
    l->name.reset();
    if (l->mode == Mode::Serving) l->mode = Mode::Draining;
    // While our deletion callback is registered, deleting it runs it, and it
    // releases its reference. When it is not, the interpreter is being
    // deleted and Tcl has taken it out of the table to run it (Tcl 8.6 takes
    // the whole table at once, before it runs any): it will still run and
    // release its reference then, so the Listener lives until it has.
    if (Tcl_GetAssocData(interp, l->callbackKey.c_str(), nullptr) == l) {
        Tcl_DeleteAssocData(interp, l->callbackKey.c_str());
    }
}

void interpDeleted(void* clientData, Tcl_Interp*) {
    Listener* l = static_cast<Listener*>(clientData);
    forgetInterp(l);
    release(l);
}

// Why a listener's descriptor cannot be watched, for a failed listen.
const char* watchFailureDetail(int error) {
    return error == EMFILE ? "no descriptor below 1024 is left for Tcl 8.6's event loop"
                           : "watching it in this thread's event loop";
}

// Says why connections wait in the backlog, as a background error in the
// handler's interpreter, once until a connection is accepted again.
void reportPause(Listener* l, int error, const char* action) {
    if (l->exhaustionReported || l->interp == nullptr) return;
    l->exhaustionReported = true;
    Tcl_Interp* interp = l->interp;
    Tcl_Preserve(interp);
    std::string detail = "accepting again in " + std::to_string(kExhaustionPauseMs) + " ms";
    posixError(interp, error, action, l->name.get(), detail.c_str());
    Tcl_BackgroundException(interp, TCL_ERROR);
    Tcl_Release(interp);
}

// accept4 failed with something other than "nothing more to accept".
void acceptFailed(Listener* l, int error) {
    // Stop watching for a while: the connection stays queued and the socket
    // readable, so retrying at once would spin.
    setWatch(l, Watch::Paused);
    reportPause(l, error, "accept a connection on");
}

// The channel of a new connection: one of Tcl's TCP channels for a TCP
// listener, else one of ours. nullptr, the connection closed, when a TCP
// connection finds no number Tcl 8.6's notifier can watch: accepting then
// pauses, as when the process runs out of descriptors.
Tcl_Channel connectionChannel(Listener* l, UniqueFd connection) {
    if (l->internet) {
        UniqueFd low;
        if (int error = copyForTclNotifier(connection.get(), &low)) {
            setWatch(l, Watch::Paused);
            reportPause(l, error, "hand a connection to Tcl's event loop from");
            return nullptr;
        }
        return makeTcpChannel(low ? std::move(low) : std::move(connection));
    }
    // A seqpacket connection keeps its message boundaries. Its type is read
    // from the socket, so that a listener of either type is served alike,
    // however it was made.
    int type = SOCK_STREAM;
    socklen_t typeLength = sizeof(type);
    (void)::getsockopt(connection.get(), SOL_SOCKET, SO_TYPE, &type, &typeLength);
    return type == SOCK_SEQPACKET ? createMessageChannel(std::move(connection), SOCK_SEQPACKET)
                                  : createStreamChannel(std::move(connection));
}

// Hands a new connection to the accept handler.
void dispatch(Listener* l, UniqueFd connection) {
    Tcl_Interp* interp = l->interp;
    Tcl_Channel channel = connectionChannel(l, std::move(connection));
    if (channel == nullptr) return;
    // Accepted and handed over: a later exhaustion is news again.
    l->exhaustionReported = false;
    Tcl_RegisterChannel(interp, channel);
    // A reference of our own, since the handler may close the channel.
    Tcl_RegisterChannel(nullptr, channel);

    // The handler prefix was checked to be a list when the listener was made.
    ObjRef command(Tcl_DuplicateObj(l->handler.get()));
    Tcl_ListObjAppendElement(nullptr, command.get(),
                             Tcl_NewStringObj(Tcl_GetChannelName(channel), -1));
    Tcl_Preserve(interp);
    int code = Tcl_EvalObjEx(interp, command.get(), TCL_EVAL_GLOBAL);
    if (code != TCL_OK) {
        // As Tcl's own socket -server does: a handler that failed did not
        // take the connection, so the interpreter lets go of it.
        Tcl_BackgroundException(interp, code);
        Tcl_UnregisterChannel(interp, channel);
    }
    Tcl_Release(interp);
    Tcl_UnregisterChannel(nullptr, channel);
}

void acceptReady(void* clientData, int) {
    Listener* l = static_cast<Listener*>(clientData);
    ++l->refs;
    // Take every pending connection on this one wake-up. The handler may
    // close the listener, delete its interpreter or move it to another
    // thread; each of those changes the mode or the watch and ends the loop
    // where it has to.
    while (l->mode != Mode::Closed && l->watch == Watch::On) {
        UniqueFd connection(::accept4(l->fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection) {
            // The client went away while queued: try the next one.
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) acceptFailed(l, errno);
            break;
        }
        // Draining: the connection closes as it goes out of scope.
        if (l->mode == Mode::Serving) dispatch(l, std::move(connection));
    }
    release(l);
}

Listener* self(void* instanceData) { return static_cast<Listener*>(instanceData); }

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    // A listener is neither readable nor writable, so Tcl never asks to
    // close half of it; only the full close does anything.
    if (flags != 0) return 0;
    Listener* l = self(instanceData);
    setWatch(l, Watch::Off);
    forgetInterp(l);
    l->mode = Mode::Closed;
    l->file.removeIfOurs();  // first: see socket_file.hpp
    closeRegistered(l->fd.release());
    release(l);
    return 0;
}

void threadActionProc(void* instanceData, int action) {
    Listener* l = self(instanceData);
    // File handlers belong to the thread that made them, and so do the
    // handler and its interpreter; nothing in the new thread says which
    // interpreter should run it. A listener moved to another thread drains
    // its connections there until it is closed. Tcl also calls this when it
    // makes the channel (insert) and closes it (remove).
    if (action == TCL_CHANNEL_THREAD_REMOVE) {
        setWatch(l, Watch::Off);
        forgetInterp(l);
    } else {
        setWatch(l, Watch::On);
    }
}

// A listener has no channel events of its own: it accepts through its own
// file handler whatever Tcl asks for.
void watchProc(void*, int) {}

// The descriptor is non-blocking whatever -blocking says: accepting must
// never block the event loop.
int blockModeProc(void*, int) { return 0; }

int getHandleProc(void* instanceData, int, void** handlePtr) {
    *handlePtr = reinterpret_cast<void*>(static_cast<intptr_t>(self(instanceData)->fd.get()));
    return TCL_OK;
}

const ReadOnlyOption kOptions[] = {
    {"-sockname", readSockname},
    // A listener has no peer: asked for by name, this is ENOTCONN, as
    // getpeername() says; not listed, as it never has a value.
    {"-peercred", readPeercred, false},
    {"-error", readError},
    {nullptr, nullptr},
};

// A TCP listener's address is an Internet one, as Tcl's own server socket
// gives it; it has no -peercred even by name.
const ReadOnlyOption kInternetOptions[] = {
    {"-sockname", readInetSockname},
    {"-error", readError},
    {nullptr, nullptr},
};

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    Listener* l = self(instanceData);
    OptionSource source{l->fd.get(), nullptr};
    return getTableOption(l->internet ? kInternetOptions : kOptions, source, l->channel, interp,
                          optionName, result);
}

const Tcl_ChannelType* listenerChannelType() {
    static const Tcl_ChannelType type = [] {
        Tcl_ChannelType t = makeChannelType("unix_listener");
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

// Makes the channel of a listening socket and starts accepting: the part
// of listen that adopt shares. A listener made by listen removes file when
// it closes; an adopted one has an empty file and removes nothing. On
// success the channel owns both and fd is left empty. On failure (the watch
// cannot be made) fd and file are still the caller's, untouched: the watch
// is made before the channel, since closing a channel here would close the
// descriptor under a caller that still holds it, which then closed it a
// second time (recvchannels) or put back the flags of a number another
// thread may have opened meanwhile (adopt).
Tcl_Channel startListener(Tcl_Interp* interp, UniqueFd& fd, SocketFile& file, Tcl_Obj* name,
                          Tcl_Obj* handler, bool internet, ListenFailure& failure) {
    std::unique_ptr<Listener> made(new Listener{});
    Listener* l = made.get();
    l->fd = std::move(fd);
    l->internet = internet;
    setWatch(l, Watch::On);
    if (l->watch != Watch::On) {
        // A listener that could never accept is a failed listen, not one
        // that reports it later (there is no interpreter yet to tell). After
        // prepareWatch only an epoll_ctl that fails gets here.
        failure = {l->watchError, watchFailureDetail(l->watchError)};
        setWatch(l, Watch::Off);  // the retry timer goes
        fd = std::move(l->fd);
        return nullptr;
    }
    made.release();
    l->file = std::move(file);
    l->refs = 1;  // the channel's
    std::string channelName = nextChannelName();
    // Tcl_CreateChannel tells threadActionProc the channel is in this
    // thread, which finds the watch made already.
    l->channel = Tcl_CreateChannel(listenerChannelType(), channelName.c_str(), l, 0);
    registerDescriptor(l->fd.get(), channelName);
    l->interp = interp;
    l->handler = ObjRef(handler);
    l->name = ObjRef(name);
    l->callbackKey = "unix_sockets listener " + channelName;
    ++l->refs;  // the deletion callback's
    Tcl_SetAssocData(interp, l->callbackKey.c_str(), interpDeleted, l);
    return l->channel;
}

}  // namespace

Tcl_Channel createListener(Tcl_Interp* interp, const UnixAddress& address, Tcl_Obj* name,
                           Tcl_Obj* handler, const ListenOptions& options, ListenFailure& failure) {
    // Non-blocking: the accept loop stops at EAGAIN and must never block.
    UniqueFd fd(::socket(AF_UNIX, options.type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        failure = {errno, "creating the socket"};
        return nullptr;
    }
    // Known now, before anything at the path is touched.
    if (int error = prepareWatch(fd.get())) {
        failure = {error, watchFailureDetail(error)};
        return nullptr;
    }
    SocketFile file;
    const int backlog = options.backlog;
    auto listenStep = [backlog](int s) { return ::listen(s, backlog) == 0 ? 0 : errno; };
    if (!bindSocket(fd.get(), options.type, address, options, listenStep, file, failure)) {
        return nullptr;
    }
    Tcl_Channel channel = startListener(interp, fd, file, name, handler, false, failure);
    // A failed listener leaves no file: removed before its socket closes
    // (socket_file.hpp).
    if (channel == nullptr) file.removeIfOurs();
    return channel;
}

Tcl_Channel adoptListener(Tcl_Interp* interp, int fd, Tcl_Obj* name, Tcl_Obj* handler,
                          bool internet, ListenFailure& failure) {
    if (int error = prepareWatch(fd)) {
        failure = {error, watchFailureDetail(error)};
        return nullptr;
    }
    // As listen's: the accept loop stops at EAGAIN and must never block.
    // The flag belongs to the open socket, which its other holders share:
    // a failure puts it back as it was.
    const int statusFlags = ::fcntl(fd, F_GETFL);
    if (statusFlags < 0) {
        failure = {errno, "reading its flags"};
        return nullptr;
    }
    if (int error = setNonBlocking(fd, true)) {
        failure = {error, "making it non-blocking"};
        return nullptr;
    }
    // The file at its path, if any, belongs to whoever bound it (systemd,
    // inetd): with no SocketFile made, closing removes nothing.
    UniqueFd owned(fd);
    SocketFile none;
    Tcl_Channel channel = startListener(interp, owned, none, name, handler, internet, failure);
    if (channel == nullptr) {
        owned.release();  // the caller's again, open
        ::fcntl(fd, F_SETFL, statusFlags);
    }
    return channel;
}

}  // namespace unix_sockets
