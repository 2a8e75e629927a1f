// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The adopt command: a channel for a socket this process inherited from its
// parent (systemd socket activation, inetd) instead of making it.
//
// The descriptor is checked before anything about it changes, and a refused
// one is left open and exactly as it was: it is still its owner's, whoever
// that is. Only an accepted one becomes the new channel's, to be closed with
// it; on a standard number (0, 1, 2) it moves off it first, and /dev/null
// takes its place.
#include "arguments.hpp"
#include "commands.hpp"
#include "event_source.hpp"
#include "fd_registry.hpp"
#include "inet_socket.hpp"
#include "listener.hpp"
#include "message_channel.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace unix_sockets {

namespace {

constexpr const char* kAction = "adopt descriptor";

// An integer socket option. Returns 0 or an errno.
int socketOption(int fd, int option, int* value) {
    socklen_t length = sizeof(*value);
    return ::getsockopt(fd, SOL_SOCKET, option, value, &length) == 0 ? 0 : errno;
}

// What adopt may wrap, or why it may not: an errno and the words that say
// what was wrong with the descriptor.
struct Verdict {
    int error = 0;
    std::string detail;
    bool listening = false;
    int type = SOCK_STREAM;  // SO_TYPE: what a connected one becomes
    bool internet = false;   // a TCP socket (inet_socket.hpp)
};

// What adopt -check answers for a verdict: what the channel would be.
const char* kindName(const Verdict& verdict) {
    if (verdict.internet) return verdict.listening ? "tcp_listener" : "tcp";
    if (verdict.listening) return "listener";
    switch (verdict.type) {
    case SOCK_SEQPACKET:
        return "seqpacket";
    case SOCK_DGRAM:
        return "datagram";
    default:
        return "stream";
    }
}

// Reads what fd is (fstat, then SO_DOMAIN, SO_TYPE, SO_ACCEPTCONN) without
// changing it, and says whether it can be adopted with or without a handler.
Verdict examine(int fd, bool withHandler) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return {errno, ""};
    if (!S_ISSOCK(st.st_mode)) return {ENOTSOCK, ""};
    int domain = 0;
    int type = 0;
    int listening = 0;
    if (int error = socketOption(fd, SO_DOMAIN, &domain)) return {error, "reading its domain"};
    const bool internet = isInternetDomain(domain);
    if (domain != AF_UNIX && !internet) {
        return {EAFNOSUPPORT, "neither a Unix domain socket nor an Internet one"};
    }
    if (int error = socketOption(fd, SO_TYPE, &type)) return {error, "reading its type"};
    if (internet && type != SOCK_STREAM) {
        // UDP and the like: Tcl has no channel to make of them.
        return {EAFNOSUPPORT, type == SOCK_DGRAM
                                  ? "an Internet datagram socket: Tcl has no channel type for it"
                                  : "an Internet socket that is not a stream"};
    }
    if (type != SOCK_STREAM && type != SOCK_SEQPACKET && type != SOCK_DGRAM) {
        return {ESOCKTNOSUPPORT, ""};
    }
    if (type == SOCK_DGRAM) {
        // Bound or not, connected or not: a datagram channel; it never listens.
        if (withHandler) return {EINVAL, "a datagram socket takes no accept handler"};
        return {0, "", false, type};
    }
    if (int error = socketOption(fd, SO_ACCEPTCONN, &listening)) {
        return {error, "reading whether it listens"};
    }
    if (listening && !withHandler) return {EINVAL, "a listening socket needs an accept handler"};
    if (!listening && withHandler) {
        return {EINVAL, "not a listening socket: adopt a connected one without an accept handler"};
    }
    if (internet && !listening) {
        // Tcl's TCP channel of a socket that is not connected could only
        // ever fail.
        sockaddr_storage peer{};
        socklen_t length = sizeof(peer);
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
            return {errno, "a TCP socket neither listening nor connected"};
        }
    }
    return {0, "", listening != 0, type, internet};
}

// The channel of interp, other than a standard one, whose descriptor fd is,
// or nullptr. Channels of this package are in the descriptor registry
// (fd_registry.hpp), in every interpreter and thread; this finds Tcl's own
// (a socket -server, an open file) where adopt can see them. The standard
// channels are left out: adopt moves a socket off their numbers.
Tcl_Channel channelOf(Tcl_Interp* interp, int fd) {
    if (Tcl_GetChannelNamesEx(interp, nullptr) != TCL_OK) return nullptr;
    ObjRef names(Tcl_GetObjResult(interp));
    Tcl_ResetResult(interp);
    Tcl_Size count = 0;
    Tcl_Obj** elements = nullptr;
    if (Tcl_ListObjGetElements(nullptr, names.get(), &count, &elements) != TCL_OK) return nullptr;
    for (Tcl_Size i = 0; i < count; ++i) {
        Tcl_Channel channel = Tcl_GetChannel(interp, Tcl_GetString(elements[i]), nullptr);
        if (channel == nullptr) continue;
        if (channel == Tcl_GetStdChannel(TCL_STDIN) || channel == Tcl_GetStdChannel(TCL_STDOUT) ||
            channel == Tcl_GetStdChannel(TCL_STDERR)) {
            continue;
        }
        for (int direction : {TCL_READABLE, TCL_WRITABLE}) {
            void* handle = nullptr;
            if (Tcl_GetChannelHandle(channel, direction, &handle) == TCL_OK &&
                static_cast<int>(reinterpret_cast<intptr_t>(handle)) == fd) {
                return channel;
            }
        }
    }
    return nullptr;
}

// The name an adopted listener goes by in its messages: its address, as
// listen's goes by its path (host:port for TCP); the descriptor number if
// it has none.
ObjRef listenerName(int fd, bool internet, Tcl_Obj* number) {
    if (internet) {
        std::string name = inetSocketName(fd);
        return ObjRef(name.empty() ? number : Tcl_NewStringObj(name.c_str(), -1));
    }
    UnixAddress address;
    if (localAddress(fd, address) == 0 && address.kind() != UnixAddress::Kind::Unnamed) {
        return ObjRef(address.toObj());
    }
    return ObjRef(number);
}

}  // namespace

// unix_sockets::adopt ?-check? fd ?accept_handler?
int adoptCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    // -check, only as the first word: a descriptor is never written with a
    // dash, so there is nothing to end options with.
    const bool check = objc >= 2 && std::strcmp(Tcl_GetString(objv[1]), "-check") == 0;
    const int first = check ? 2 : 1;
    if (objc - first != 1 && objc - first != 2) {
        Tcl_WrongNumArgs(interp, 1, objv, "?-check? fd ?accept_handler?");
        return TCL_ERROR;
    }
    Tcl_Obj* number = objv[first];
    Tcl_Obj* handler = objc - first == 2 ? objv[first + 1] : nullptr;

    unsigned long value = 0;
    if (!parseDigits(Tcl_GetString(number), 10, INT_MAX, &value)) {
        return usageError(interp,
                          Tcl_ObjPrintf("bad descriptor \"%s\": must be a non-negative integer",
                                        Tcl_GetString(number)),
                          {"TCL", "VALUE", "DESCRIPTOR"});
    }
    const int given = static_cast<int>(value);
    if (handler != nullptr && checkHandler(interp, handler) != TCL_OK) return TCL_ERROR;

    Verdict verdict = examine(given, handler != nullptr);
    if (verdict.error != 0) {
        return posixError(interp, verdict.error, kAction, number, verdict.detail.c_str());
    }
    // Two channels on one descriptor would both close it: one of Tcl's
    // channels in this interpreter may have it (a socket -server, a file).
    if (Tcl_Channel holder = channelOf(interp, given)) {
        std::string detail = std::string("it is the descriptor of ") + Tcl_GetChannelName(holder);
        return posixError(interp, EBUSY, kAction, number, detail.c_str());
    }
    if (check) {
        // What it would become, and nothing changed. Whether a channel of
        // ours owns it already is part of the answer, as for adopt.
        std::string owner;
        if (!claimDescriptor(given, &owner)) {
            std::string detail = owner.empty() ? "another adopt is taking it"
                                               : "it is the descriptor of " + owner;
            return posixError(interp, EBUSY, kAction, number, detail.c_str());
        }
        unclaimDescriptor(given);
        Tcl_SetObjResult(interp, Tcl_NewStringObj(kindName(verdict), -1));
        return TCL_OK;
    }
    // Two channels on one descriptor would both close it. The claim also
    // keeps another thread's adopt of the same number out until the channel
    // is made.
    std::string owner;
    if (!claimDescriptor(given, &owner)) {
        std::string detail = owner.empty() ? "another adopt is taking it"
                                           : "it is the descriptor of " + owner;
        return posixError(interp, EBUSY, kAction, number, detail.c_str());
    }
    // Inherited descriptors are usually not close-on-exec (that is how they
    // were inherited); once ours, it is, as every descriptor of ours.
    const int fdFlags = ::fcntl(given, F_GETFD);
    if (fdFlags < 0 || ::fcntl(given, F_SETFD, fdFlags | FD_CLOEXEC) != 0) {
        int error = errno;
        unclaimDescriptor(given);
        return posixError(interp, error, kAction, number, "making it close-on-exec");
    }
    // The socket of a standard number, moved (see below), and whether
    // /dev/null is on that number now.
    UniqueFd moved;
    bool replaced = false;
    // A failure from here on gives the descriptor back as it was.
    auto refuse = [&](int error, const char* detail) {
        // Cannot fail: both numbers are open, and dup2 replaces in one step.
        if (replaced) ::dup2(moved.get(), given);
        if (moved) unclaimDescriptor(moved.get());
        ::fcntl(given, F_SETFD, fdFlags);
        unclaimDescriptor(given);
        return posixError(interp, error, kAction, number, detail);
    };
    // The channel has the socket: a standard number is /dev/null's now.
    auto taken = [&](Tcl_Channel channel) {
        if (replaced) unclaimDescriptor(given);
        return returnChannel(interp, channel);
    };

    // The socket's number from here on. A socket on 0, 1 or 2 (inetd)
    // moves: Tcl's stdin, stdout or stderr channel goes on using the
    // number, and once the adopted channel had closed it the next file
    // opened got it, so Tcl panicked at a second channel of the same name
    // ("duplicate channel names"), or stdin read that file. /dev/null takes
    // the number instead: stdin reads end of file, output goes nowhere.
    int fd = given;
    if (given <= STDERR_FILENO) {
        // Above the standard numbers, never one of them again.
        moved = UniqueFd(::fcntl(given, F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
        if (!moved) return refuse(errno, "moving it off a standard descriptor");
        if (!claimDescriptor(moved.get(), &owner)) {
            moved.reset();
            return refuse(EBUSY, "another adopt is taking its new number");
        }
        UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
        if (!null) return refuse(errno, "opening /dev/null to take its place");
        // dup2 leaves the number open across exec, as the standard stream
        // of every child too (dup3 with O_CLOEXEC would take it from them),
        // and replaces the socket in one step, so no other thread's open
        // can be given the number in between.
        if (::dup2(null.get(), given) < 0) {
            return refuse(errno, "putting /dev/null in its place");
        }
        replaced = true;
        fd = moved.get();
    }

    if (verdict.listening) {
        ObjRef name = listenerName(fd, verdict.internet, number);
        ListenFailure failure;
        Tcl_Channel channel =
            adoptListener(interp, fd, name.get(), handler, verdict.internet, failure);
        if (channel == nullptr) return refuse(failure.error, failure.detail.c_str());
        moved.release();  // the listener's
        return taken(channel);
    }
    if (verdict.internet) {
        // One of Tcl's TCP channels, on a number its notifier can watch
        // (Tcl 8.6: below FD_SETSIZE); the original then closes, as the
        // adopted descriptor is ours to close.
        UniqueFd low;
        if (int error = copyForTclNotifier(fd, &low)) {
            return refuse(error, "no descriptor below 1024 is left for Tcl 8.6's event loop");
        }
        // Tcl's channel is not one of ours: no claim stays on its number,
        // and none on one about to close (another thread may claim it once
        // it is free).
        unclaimDescriptor(fd);
        UniqueFd original = moved ? std::move(moved) : UniqueFd(fd);
        return taken(makeTcpChannel(low ? std::move(low) : std::move(original)));
    }
    // A connected channel starts blocking, as connect's does, and its mode
    // never touches the descriptor's flags, which the parent shares
    // (socket_io.hpp).
    UniqueFd owned = moved ? std::move(moved) : UniqueFd(fd);
    if (verdict.type != SOCK_STREAM) {
        // Seqpacket and datagram sockets keep their message boundaries.
        return taken(wrapMessageSocket(std::move(owned), verdict.type));
    }
    return taken(createStreamChannel(std::move(owned)));
}

}  // namespace unix_sockets
