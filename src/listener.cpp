// The listener channel type.
//
// A Listener is owned by its channel and by whoever is running one of its
// callbacks: an accept handler may close the listener that is calling it, so
// the accept loop holds a reference and checks `closed` after every call.
#include "listener.hpp"

#include "event_source.hpp"
#include "posix_error.hpp"
#include "socket_options.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace unix_sockets {

namespace {

// How long accepting pauses when the process or system is out of
// descriptors or memory: the connection stays queued, and retrying at once
// would spin, since the listening socket stays readable.
constexpr int kExhaustionPauseMs = 100;

// The socket file a listener made, identified by device and inode so that
// closing removes it only while it is still ours: another listener may have
// replaced it since.
struct SocketFile {
    std::string path;  // absolute, so a later `cd` does not matter
    dev_t device = 0;
    ino_t inode = 0;
    bool made = false;

    void removeIfOurs() {
        struct stat now;
        if (made && ::lstat(path.c_str(), &now) == 0 && S_ISSOCK(now.st_mode) &&
            now.st_dev == device && now.st_ino == inode) {
            ::unlink(path.c_str());
        }
        made = false;
    }
};

struct Listener {
    UniqueFd fd;
    Tcl_Channel channel = nullptr;
    // The interpreter that runs the handler; nullptr once it is deleted or
    // the channel has moved to another thread: then nothing is accepted.
    Tcl_Interp* interp = nullptr;
    ObjRef handler;
    ObjRef name;  // the path as the script wrote it, for messages
    SocketFile file;
    int refs = 1;  // the channel's, plus one per running accept loop
    bool closed = false;
    bool watching = false;  // a file handler is registered in this thread
    Tcl_TimerToken resumeTimer = nullptr;
    bool exhaustionReported = false;
};

void release(Listener* l) {
    if (--l->refs == 0) delete l;
}

void acceptReady(void* clientData, int mask);

void startAccepting(Listener* l) {
    if (l->watching || l->interp == nullptr || l->closed) return;
    watchDescriptor(l->fd.get(), TCL_READABLE, acceptReady, l);
    l->watching = true;
}

void stopAccepting(Listener* l) {
    if (l->watching) unwatchDescriptor(l->fd.get());
    l->watching = false;
    if (l->resumeTimer != nullptr) Tcl_DeleteTimerHandler(l->resumeTimer);
    l->resumeTimer = nullptr;
}

void interpDeleted(void* clientData, Tcl_Interp*) {
    Listener* l = static_cast<Listener*>(clientData);
    // Tcl removes this callback itself. The handler and name objects belong
    // to the interpreter's thread, which is this one: free them here, not
    // wherever the channel is finally closed.
    l->interp = nullptr;
    l->handler.reset();
    l->name.reset();
    stopAccepting(l);
}

// Leaves the interpreter: no more accepting, and no callback from it.
void detachInterp(Listener* l) {
    if (l->interp != nullptr) Tcl_DontCallWhenDeleted(l->interp, interpDeleted, l);
    interpDeleted(l, nullptr);
}

void resumeAccepting(void* clientData) {
    Listener* l = static_cast<Listener*>(clientData);
    l->resumeTimer = nullptr;
    startAccepting(l);
}

// accept4 failed with something other than "nothing more to accept".
void acceptFailed(Listener* l, int error) {
    // Stop watching for a while: the connection stays queued and the socket
    // readable, so retrying at once would spin. Say so once per episode.
    stopAccepting(l);
    l->resumeTimer = Tcl_CreateTimerHandler(kExhaustionPauseMs, resumeAccepting, l);
    if (l->exhaustionReported) return;
    l->exhaustionReported = true;
    Tcl_Interp* interp = l->interp;
    Tcl_Preserve(interp);
    std::string detail = "accepting again in " + std::to_string(kExhaustionPauseMs) + " ms";
    posixError(interp, error, "accept a connection on", l->name.get(), detail.c_str());
    Tcl_BackgroundException(interp, TCL_ERROR);
    Tcl_Release(interp);
}

// Hands a new connection to the accept handler.
void dispatch(Listener* l, UniqueFd connection) {
    Tcl_Interp* interp = l->interp;
    Tcl_Channel channel = createStreamChannel(std::move(connection));
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
    // close the listener or delete its interpreter; both end the loop.
    while (!l->closed && l->interp != nullptr) {
        int fd = ::accept4(l->fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            // The client went away while queued: try the next one.
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) acceptFailed(l, errno);
            break;
        }
        l->exhaustionReported = false;
        dispatch(l, UniqueFd(fd));
    }
    release(l);
}

Listener* self(void* instanceData) { return static_cast<Listener*>(instanceData); }

int close2Proc(void* instanceData, Tcl_Interp*, int flags) {
    // A listener is neither readable nor writable, so Tcl never asks to
    // close half of it; only the full close does anything.
    if (flags != 0) return 0;
    Listener* l = self(instanceData);
    l->closed = true;
    detachInterp(l);
    l->fd.reset();
    l->file.removeIfOurs();
    release(l);
    return 0;
}

void threadActionProc(void* instanceData, int action) {
    // The handler and its interpreter stay with the old thread, and nothing
    // in the new one tells us which interpreter should run it: a listener
    // moved to another thread accepts nothing more.
    if (action == TCL_CHANNEL_THREAD_REMOVE) detachInterp(self(instanceData));
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
    {"-error", readError},
    {nullptr, nullptr},
};

int getOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                  Tcl_DString* result) {
    Listener* l = self(instanceData);
    OptionSource source{l->fd.get(), nullptr};
    return getTableOption(kOptions, source, l->channel, interp, optionName, result);
}

const Tcl_ChannelType* listenerChannelType() {
    static const Tcl_ChannelType type = [] {
        Tcl_ChannelType t = makeChannelType("unix_listener");
        t.getOptionProc = getOptionProc;
        t.watchProc = watchProc;
        t.getHandleProc = getHandleProc;
        t.close2Proc = close2Proc;
        t.blockModeProc = blockModeProc;
        t.threadActionProc = threadActionProc;
        return t;
    }();
    return &type;
}

// Whether some process accepts connections on the socket at the address.
// Returns 0 if one does, ECONNREFUSED if the socket is stale, or the errno
// that kept us from telling.
int probeListener(const UnixAddress& address) {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!probe) return errno;
    if (::connect(probe.get(), address.sockaddrPtr(), address.length()) == 0) return 0;
    // A full backlog (EAGAIN) still means someone listens.
    if (errno == EAGAIN || errno == EINPROGRESS) return 0;
    return errno == ENOENT ? ECONNREFUSED : errno;
}

// Makes room at a filesystem path according to the replace policy.
bool clearPath(const UnixAddress& address, ReplacePolicy policy, ListenFailure& failure) {
    struct stat existing;
    if (::lstat(address.path(), &existing) != 0) {
        if (errno == ENOENT) return true;
        failure = {errno, "looking at the existing file"};
        return false;
    }
    if (!S_ISSOCK(existing.st_mode)) {
        failure = {EEXIST, "it is not a socket, so it was left alone"};
        return false;
    }
    switch (policy) {
    case ReplacePolicy::Never:
        failure = {EADDRINUSE, "a socket file exists and -replace is never"};
        return false;
    case ReplacePolicy::Stale:
        if (int probe = probeListener(address); probe != ECONNREFUSED) {
            failure = probe == 0 ? ListenFailure{EADDRINUSE, "another socket is listening there"}
                                 : ListenFailure{probe, "checking whether the socket is stale"};
            return false;
        }
        break;
    case ReplacePolicy::Always:
        break;
    }
    if (::unlink(address.path()) != 0 && errno != ENOENT) {
        failure = {errno, "removing the existing socket"};
        return false;
    }
    return true;
}

std::string absolutePath(const char* path) {
    if (path[0] == '/') return path;
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
    return std::string(cwd) + "/" + path;
}

// Gives the freshly bound socket file its owner, group and mode, through a
// descriptor of the file itself: a path swapped for a symlink in between
// cannot redirect them to another file. They are in place before listen(),
// and until then every connect is refused, so nobody connects through a mode
// or owner that was not asked for.
bool setFileAttributes(int node, const std::string& path, const ListenOptions& options,
                       ListenFailure& failure) {
    if (options.setOwner || options.setGroup) {
        uid_t owner = options.setOwner ? options.owner : static_cast<uid_t>(-1);
        gid_t group = options.setGroup ? options.group : static_cast<gid_t>(-1);
        if (::fchownat(node, "", owner, group, AT_EMPTY_PATH) != 0) {
            failure = {errno, "setting the owner and group of the socket file"};
            return false;
        }
    }
    if (options.setPermissions) {
        // fchmod does not work on an O_PATH descriptor; its /proc link does,
        // and names exactly that inode. Without /proc, the path is all we have.
        std::string link = "/proc/self/fd/" + std::to_string(node);
        int result = ::chmod(link.c_str(), options.permissions);
        if (result != 0 && errno == ENOENT) result = ::chmod(path.c_str(), options.permissions);
        if (result != 0) {
            failure = {errno, "setting the permissions of the socket file"};
            return false;
        }
    }
    return true;
}

// Where to bind a filesystem path: its absolute form when that fits, since
// the name the kernel records is what peers read back as -peername, and an
// absolute one can be passed back to connect from any directory.
UnixAddress bindAddress(const UnixAddress& address) {
    if (address.kind() != UnixAddress::Kind::Path || address.path()[0] == '/') return address;
    UnixAddress absolute;
    std::string path = absolutePath(address.path());
    return UnixAddress::fromBytes(path.data(), path.size(), absolute) ? absolute : address;
}

// Creates, binds and listens; on success file describes the socket file.
UniqueFd openListeningSocket(const UnixAddress& address, const ListenOptions& options,
                             SocketFile& file, ListenFailure& failure) {
    const bool onDisk = address.kind() == UnixAddress::Kind::Path;
    if (onDisk && !clearPath(address, options.replace, failure)) return UniqueFd();

    // Non-blocking: the accept loop stops at EAGAIN and must never block.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        failure = {errno, "creating the socket"};
        return UniqueFd();
    }
    // Linux creates the file with the socket's own mode less the umask, so
    // this makes it born no more open than asked; setFileAttributes then sets
    // it exactly. Elsewhere this may fail, and ordering alone keeps it safe.
    if (options.setPermissions) (void)::fchmod(fd.get(), options.permissions);

    const UnixAddress bound = bindAddress(address);
    if (::bind(fd.get(), bound.sockaddrPtr(), bound.length()) != 0) {
        failure = {errno, ""};
        return UniqueFd();
    }
    if (onDisk) {
        UniqueFd node(::open(bound.path(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat made;
        if (!node || ::fstat(node.get(), &made) != 0) {
            failure = {errno, "looking at the new socket file"};
            return UniqueFd();
        }
        if (!S_ISSOCK(made.st_mode)) {
            // Someone replaced it between bind and open: not ours to touch.
            failure = {EEXIST, "the socket file was replaced as it was made"};
            return UniqueFd();
        }
        file.path = absolutePath(bound.path());
        file.device = made.st_dev;
        file.inode = made.st_ino;
        file.made = true;
        if (!setFileAttributes(node.get(), file.path, options, failure)) {
            file.removeIfOurs();
            return UniqueFd();
        }
    }
    if (::listen(fd.get(), options.backlog) != 0) {
        failure = {errno, ""};
        file.removeIfOurs();
        return UniqueFd();
    }
    return fd;
}

}  // namespace

Tcl_Channel createListener(Tcl_Interp* interp, const UnixAddress& address, Tcl_Obj* name,
                           Tcl_Obj* handler, const ListenOptions& options, ListenFailure& failure) {
    SocketFile file;
    UniqueFd fd = openListeningSocket(address, options, file, failure);
    if (!fd) return nullptr;

    auto* l = new Listener{};
    l->fd = std::move(fd);
    l->file = std::move(file);
    l->interp = interp;
    l->handler = ObjRef(handler);
    l->name = ObjRef(name);
    std::string channelName = nextChannelName();
    l->channel = Tcl_CreateChannel(listenerChannelType(), channelName.c_str(), l, 0);
    Tcl_CallWhenDeleted(interp, interpDeleted, l);
    startAccepting(l);
    return l->channel;
}

}  // namespace unix_sockets
