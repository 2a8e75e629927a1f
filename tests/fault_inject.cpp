// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// A test helper preloaded (LD_PRELOAD) into a child tclsh: it makes chosen
// system calls fail, so that tests reach the failure paths a healthy system
// never takes (a listen that fails after it has already changed something).
//
// UNIX_SOCKETS_FAULTS lists the failures, separated by commas, each as
// call:N:ERRNO: the Nth call of `call` fails with ERRNO, given by name
// (EPERM). N counts from the moment the variable last changed, so a script
// sets it just before the command under test; `*` fails every call. The calls:
// socket bind listen accept4 fchownat chmod open unlink fchmodat2 (made
// through syscall()), and recv, which also takes the pseudo-errno SHORT:
// a MSG_PEEK call then measures the next message as 1 byte long, as if
// another process had taken the one measured and a longer one came next;
// and open, which also takes the pseudo-errno SYMLINK: the path is first
// replaced by a symbolic link to UNIX_SOCKETS_FAULT_TARGET, as another
// process could do just then, and the call goes ahead; and recvmsg, which
// also takes the pseudo-errno OVERLONG: the call goes ahead, then the first
// control message it received with descriptors is made to claim one more
// than msg_controllen holds, the number UNIX_SOCKETS_FAULT_FD lying just
// past the buffer's end (a malformed answer no kernel gives, which the
// package must not take a number from); and epoll_ctl, which the package
// calls only on Tcl 8.6, for descriptors from 1024 up (src/event_source.cpp;
// Tcl 9's own notifier calls it too, so there it fails Tcl's watches as
// well); and close, which also takes the pseudo-errno STRICT: the call goes
// ahead, and one that finds its descriptor not open (EBADF) aborts the
// process with a message, since a second close of a number may close
// whatever another thread opened under that number in between.
//
// Not part of the package: CMake builds it next to the tests only.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

struct ErrnoName {
    const char* name;
    int value;
};

const ErrnoName kErrnos[] = {
    {"EPERM", EPERM},   {"ENOENT", ENOENT},     {"EIO", EIO},           {"EACCES", EACCES},
    {"EEXIST", EEXIST}, {"EINVAL", EINVAL},     {"EMFILE", EMFILE},     {"ENFILE", ENFILE},
    {"ENOSPC", ENOSPC}, {"EROFS", EROFS},       {"ENOMEM", ENOMEM},     {"ENOBUFS", ENOBUFS},
    {"ENOSYS", ENOSYS}, {"EADDRINUSE", EADDRINUSE}, {"EINTR", EINTR},   {"EDQUOT", EDQUOT},
    {"ENOTSUP", ENOTSUP},
};

// Not errnos: the values injected() returns for SHORT, SYMLINK, OVERLONG
// and STRICT.
constexpr int kShort = -1;
constexpr int kSymlink = -2;
constexpr int kOverlong = -3;
constexpr int kStrict = -4;

std::mutex lock;
std::string seen;
std::map<std::string, long> counts;

int errnoNamed(const std::string& name) {
    if (name == "SHORT") return kShort;
    if (name == "SYMLINK") return kSymlink;
    if (name == "OVERLONG") return kOverlong;
    if (name == "STRICT") return kStrict;
    for (const ErrnoName& e : kErrnos) {
        if (name == e.name) return e.value;
    }
    return EIO;
}

// The errno the current call of `call` is to fail with, or 0.
int injected(const char* call) {
    const char* spec = std::getenv("UNIX_SOCKETS_FAULTS");
    std::lock_guard<std::mutex> guard(lock);
    const std::string now = spec != nullptr ? spec : "";
    if (now != seen) {
        seen = now;
        counts.clear();
    }
    if (now.empty()) return 0;
    const long n = ++counts[call];
    size_t start = 0;
    while (start <= now.size()) {
        size_t end = now.find(',', start);
        if (end == std::string::npos) end = now.size();
        const std::string item = now.substr(start, end - start);
        const size_t first = item.find(':');
        const size_t second = item.find(':', first + 1);
        if (first != std::string::npos && second != std::string::npos &&
            item.compare(0, first, call) == 0 && first == std::strlen(call)) {
            const std::string which = item.substr(first + 1, second - first - 1);
            if (which == "*" || std::atol(which.c_str()) == n) {
                return errnoNamed(item.substr(second + 1));
            }
        }
        start = end + 1;
    }
    return 0;
}

template <typename Function>
Function real(const char* name) {
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

}  // namespace

#define FAIL_IF_INJECTED(call)     \
    if (int error = injected(call)) { \
        errno = error;             \
        return -1;                 \
    }

extern "C" {

ssize_t recv(int fd, void* buffer, size_t length, int flags) {
    const int error = injected("recv");
    if (error == kShort && (flags & MSG_PEEK) != 0) return 1;
    if (error > 0) {
        errno = error;
        return -1;
    }
    return real<ssize_t (*)(int, void*, size_t, int)>("recv")(fd, buffer, length, flags);
}

ssize_t recvmsg(int fd, msghdr* msg, int flags) {
    const int error = injected("recvmsg");
    if (error > 0) {
        errno = error;
        return -1;
    }
    const ssize_t got = real<ssize_t (*)(int, msghdr*, int)>("recvmsg")(fd, msg, flags);
    cmsghdr* c = got >= 0 && error == kOverlong ? CMSG_FIRSTHDR(msg) : nullptr;
    if (c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        // The package's buffer has room for many more descriptors, so
        // the bytes just past the message are still its own.
        const char* victim = std::getenv("UNIX_SOCKETS_FAULT_FD");
        const int number = victim != nullptr ? std::atoi(victim) : -1;
        msg->msg_controllen = c->cmsg_len;
        std::memcpy(reinterpret_cast<unsigned char*>(c) + c->cmsg_len, &number, sizeof number);
        c->cmsg_len += sizeof number;
    }
    return got;
}

int socket(int domain, int type, int protocol) noexcept {
    FAIL_IF_INJECTED("socket");
    return real<int (*)(int, int, int)>("socket")(domain, type, protocol);
}

int bind(int fd, const sockaddr* address, socklen_t length) noexcept {
    FAIL_IF_INJECTED("bind");
    return real<int (*)(int, const sockaddr*, socklen_t)>("bind")(fd, address, length);
}

int listen(int fd, int backlog) noexcept {
    FAIL_IF_INJECTED("listen");
    return real<int (*)(int, int)>("listen")(fd, backlog);
}

int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
    FAIL_IF_INJECTED("accept4");
    return real<int (*)(int, sockaddr*, socklen_t*, int)>("accept4")(fd, address, length, flags);
}

int fchownat(int dirfd, const char* path, uid_t owner, gid_t group, int flags) noexcept {
    FAIL_IF_INJECTED("fchownat");
    return real<int (*)(int, const char*, uid_t, gid_t, int)>("fchownat")(dirfd, path, owner,
                                                                          group, flags);
}

int chmod(const char* path, mode_t mode) noexcept {
    FAIL_IF_INJECTED("chmod");
    return real<int (*)(const char*, mode_t)>("chmod")(path, mode);
}

int open(const char* path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list arguments;
        va_start(arguments, flags);
        mode = static_cast<mode_t>(va_arg(arguments, int));
        va_end(arguments);
    }
    const int error = injected("open");
    if (error == kSymlink) {
        // The real unlink: this one would count as a call of the package's.
        real<int (*)(const char*)>("unlink")(path);
        const char* target = std::getenv("UNIX_SOCKETS_FAULT_TARGET");
        if (target == nullptr || ::symlink(target, path) != 0) std::abort();
    } else if (error != 0) {
        errno = error;
        return -1;
    }
    return real<int (*)(const char*, int, ...)>("open")(path, flags, mode);
}

int unlink(const char* path) noexcept {
    FAIL_IF_INJECTED("unlink");
    return real<int (*)(const char*)>("unlink")(path);
}

int epoll_ctl(int epoll, int operation, int fd, epoll_event* event) noexcept {
    FAIL_IF_INJECTED("epoll_ctl");
    return real<int (*)(int, int, int, epoll_event*)>("epoll_ctl")(epoll, operation, fd, event);
}

int close(int fd) {
    const int error = injected("close");
    if (error > 0) {
        errno = error;
        return -1;
    }
    const int result = real<int (*)(int)>("close")(fd);
    if (result != 0 && errno == EBADF && error == kStrict) {
        char message[80];
        const int length = std::snprintf(message, sizeof message,
                                         "fault_inject: descriptor %d closed when not open\n", fd);
        (void)!::write(2, message, static_cast<size_t>(length));
        std::abort();
    }
    return result;
}

long syscall(long number, ...) noexcept {
    va_list arguments;
    va_start(arguments, number);
    long a[6];
    for (long& argument : a) argument = va_arg(arguments, long);
    va_end(arguments);
#ifdef SYS_fchmodat2
    const long fchmodat2 = SYS_fchmodat2;
#else
    const long fchmodat2 = 452;  // the generic table's number
#endif
    if (number == fchmodat2) FAIL_IF_INJECTED("fchmodat2");
    return real<long (*)(long, ...)>("syscall")(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

}  // extern "C"
