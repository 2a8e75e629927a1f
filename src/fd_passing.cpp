// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// SCM_RIGHTS out and in, and the queue of what came in.
#include "fd_passing.hpp"

#include "socket_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/uio.h>
#include <utility>

namespace unix_sockets {

namespace {

// Room for the most descriptors one message can carry, and for the
// credentials a socket with SO_PASSCRED gets with every message, so that
// a cut control message means lost descriptors, never a small buffer.
constexpr std::size_t kControlSize =
    CMSG_SPACE(sizeof(int) * kMaxPassedDescriptors) + CMSG_SPACE(sizeof(struct ucred)) + 64;

// Every descriptor of every SCM_RIGHTS message, each in an owner at once.
//
// Only numbers inside msg_controllen are read. CMSG_NXTHDR checks that a
// control message fits, but CMSG_FIRSTHDR does not check the first one's
// cmsg_len: trusted, a length past the buffer (or below a header's, which
// wrapped the count around) made whatever bytes lay beyond it descriptors
// to own and close, so a stray number closed some other descriptor of the
// process (found by fuzz/control_message_fuzzer.cpp).
std::vector<UniqueFd> takeDescriptors(msghdr& msg) {
    std::vector<UniqueFd> fds;
    const unsigned char* end = static_cast<unsigned char*>(msg.msg_control) + msg.msg_controllen;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        if (c->cmsg_len < CMSG_LEN(0)) continue;
        const unsigned char* data = CMSG_DATA(c);
        const std::size_t bytes =
            std::min<std::size_t>(c->cmsg_len - CMSG_LEN(0), static_cast<std::size_t>(end - data));
        const std::size_t count = bytes / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, data + i * sizeof(int), sizeof fd);
            fds.emplace_back(fd);
        }
    }
    return fds;
}

}  // namespace

std::vector<UniqueFd> ReceivedDescriptors::takeRead(std::uint64_t consumed) {
    std::vector<UniqueFd> taken;
    while (!batches_.empty() && batches_.front().readAt <= consumed) {
        for (UniqueFd& fd : batches_.front().fds) taken.push_back(std::move(fd));
        batches_.pop_front();
    }
    return taken;
}

std::vector<int> ReceivedDescriptors::readable(std::uint64_t consumed) const {
    std::vector<int> numbers;
    for (const Batch& batch : batches_) {
        if (batch.readAt > consumed) break;
        for (const UniqueFd& fd : batch.fds) numbers.push_back(fd.get());
    }
    return numbers;
}

std::size_t ReceivedDescriptors::size() const noexcept {
    std::size_t count = 0;
    for (const Batch& batch : batches_) count += batch.fds.size();
    return count;
}

ssize_t receiveWithDescriptors(int fd, char* buffer, std::size_t size, int flags,
                               ReceivedDescriptors& queue, int* error, sockaddr* from,
                               socklen_t* fromLength, int* msgFlags) {
    const bool peek = (flags & MSG_PEEK) != 0;
    if (!peek && queue.pendingError_ != 0) {
        *error = std::exchange(queue.pendingError_, 0);
        return -1;
    }
    alignas(cmsghdr) unsigned char control[kControlSize];
    iovec iov{buffer, size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t got = 0;
    do {
        msg.msg_name = from;
        msg.msg_namelen = fromLength != nullptr ? *fromLength : 0;
        msg.msg_control = peek ? nullptr : control;
        msg.msg_controllen = peek ? 0 : sizeof control;
        got = ::recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        *error = errno;
        return -1;
    }
    if (fromLength != nullptr) *fromLength = msg.msg_namelen;
    if (msgFlags != nullptr) *msgFlags = msg.msg_flags;
    if (peek) return got;
    keepReceived(msg, got, queue);
    return got;
}

void keepReceived(msghdr& msg, ssize_t got, ReceivedDescriptors& queue) {
    std::vector<UniqueFd> fds = takeDescriptors(msg);
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
        // A message cut short (a message socket whose next message was
        // longer than measured): the driver discards it, so neither its
        // bytes nor its descriptors (closed with fds) are counted.
        return;
    }
    queue.bytesReceived_ += static_cast<std::uint64_t>(got);
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
        // fds closes what did arrive as it goes out of scope.
        queue.pendingError_ = EMFILE;
    } else if (!fds.empty()) {
        queue.batches_.push_back({queue.bytesReceived_, std::move(fds)});
    }
}

int sendWithDescriptors(int fd, const unsigned char* data, std::size_t size, const int* fds,
                        std::size_t count, const sockaddr* to, socklen_t toLength,
                        std::size_t* sent) {
    *sent = 0;
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int) * kMaxPassedDescriptors)];
    while (*sent < size) {
        iovec iov{const_cast<unsigned char*>(data + *sent), size - *sent};
        msghdr msg{};
        msg.msg_name = const_cast<sockaddr*>(to);
        msg.msg_namelen = to != nullptr ? toLength : 0;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        // The descriptors go with the first bytes only: once some are sent,
        // so are they.
        if (*sent == 0 && count > 0) {
            msg.msg_control = control;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
            std::memset(control, 0, msg.msg_controllen);
            cmsghdr* c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * count);
            std::memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
        }
        // MSG_NOSIGNAL: a vanished peer is EPIPE, never SIGPIPE. The
        // channel may be non-blocking, and so may the open socket (another
        // holder's flag); the command promises the whole of data, in
        // order, so it is sent in blocking fashion (socket_io.hpp), never
        // by changing the flag.
        ssize_t n = callInMode(fd, true, POLLOUT,
                               [&](int flags) { return ::sendmsg(fd, &msg, flags | MSG_NOSIGNAL); });
        if (n < 0) return errno;
        *sent += static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace unix_sockets
