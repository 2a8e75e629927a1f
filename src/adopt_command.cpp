// The adopt command: a channel for a socket this process inherited from its
// parent (systemd socket activation, inetd) instead of making it.
//
// The descriptor is checked before anything about it changes, and a refused
// one is left open and exactly as it was: it is still its owner's, whoever
// that is. Only an accepted one becomes the new channel's, to be closed with
// it.
#include "arguments.hpp"
#include "commands.hpp"
#include "fd_registry.hpp"
#include "listener.hpp"
#include "message_channel.hpp"
#include "stream_channel.hpp"
#include "tcl_obj.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>

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
};

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
    if (domain != AF_UNIX) return {EAFNOSUPPORT, "not a Unix domain socket"};
    if (int error = socketOption(fd, SO_TYPE, &type)) return {error, "reading its type"};
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
    return {0, "", listening != 0, type};
}

// The name an adopted listener goes by in its messages: its address, as
// listen's goes by its path; the descriptor number if it has none.
ObjRef listenerName(int fd, Tcl_Obj* number) {
    UnixAddress address;
    if (localAddress(fd, address) == 0 && address.kind() != UnixAddress::Kind::Unnamed) {
        return ObjRef(address.toObj());
    }
    return ObjRef(number);
}

}  // namespace

// unix_sockets::adopt fd ?accept_handler?
int adoptCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    if (objc != 2 && objc != 3) {
        Tcl_WrongNumArgs(interp, 1, objv, "fd ?accept_handler?");
        return TCL_ERROR;
    }
    Tcl_Obj* number = objv[1];
    Tcl_Obj* handler = objc == 3 ? objv[2] : nullptr;

    unsigned long value = 0;
    if (!parseDigits(Tcl_GetString(number), 10, INT_MAX, &value)) {
        return usageError(interp,
                          Tcl_ObjPrintf("bad descriptor \"%s\": must be a non-negative integer",
                                        Tcl_GetString(number)),
                          {"TCL", "VALUE", "DESCRIPTOR"});
    }
    const int fd = static_cast<int>(value);
    if (handler != nullptr && checkHandler(interp, handler) != TCL_OK) return TCL_ERROR;

    Verdict verdict = examine(fd, handler != nullptr);
    if (verdict.error != 0) {
        return posixError(interp, verdict.error, kAction, number, verdict.detail.c_str());
    }
    // Two channels on one descriptor would both close it. The claim also
    // keeps another thread's adopt of the same number out until the channel
    // is made.
    std::string owner;
    if (!claimDescriptor(fd, &owner)) {
        std::string detail = owner.empty() ? "another adopt is taking it"
                                           : "it is the descriptor of " + owner;
        return posixError(interp, EBUSY, kAction, number, detail.c_str());
    }
    // Inherited descriptors are usually not close-on-exec (that is how they
    // were inherited); once ours, it is, as every descriptor of ours.
    const int fdFlags = ::fcntl(fd, F_GETFD);
    if (fdFlags < 0 || ::fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) != 0) {
        int error = errno;
        unclaimDescriptor(fd);
        return posixError(interp, error, kAction, number, "making it close-on-exec");
    }
    // A failure from here on gives the descriptor back as it was.
    auto refuse = [&](int error, const char* detail) {
        ::fcntl(fd, F_SETFD, fdFlags);
        unclaimDescriptor(fd);
        return posixError(interp, error, kAction, number, detail);
    };

    if (verdict.listening) {
        ObjRef name = listenerName(fd, number);
        ListenFailure failure;
        Tcl_Channel channel = adoptListener(interp, fd, name.get(), handler, failure);
        if (channel == nullptr) return refuse(failure.error, failure.detail.c_str());
        return returnChannel(interp, channel);
    }
    // A connected channel starts blocking, as connect's does, and its mode
    // never touches the descriptor's flags, which the parent shares
    // (socket_io.hpp).
    if (verdict.type != SOCK_STREAM) {
        // Seqpacket and datagram sockets keep their message boundaries.
        return returnChannel(interp, wrapMessageSocket(UniqueFd(fd), verdict.type));
    }
    return returnChannel(interp, createStreamChannel(UniqueFd(fd)));
}

}  // namespace unix_sockets
