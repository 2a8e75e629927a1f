// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Fuzz target: received control messages (src/fd_passing.cpp).
//
// Feeds keepReceived, the part of receiveWithDescriptors after recvmsg,
// made-up recvmsg results: a byte count, msg_flags with MSG_TRUNC and
// MSG_CTRUNC set or not, and a control buffer of any length holding any
// bytes (well-formed SCM_RIGHTS messages, other levels and types,
// lengths too short, too long or past the buffer), several messages into
// one queue.
//
// The descriptor numbers in the input are never used as they are: before
// the call every int that a well-formed SCM_RIGHTS message carries is
// replaced by a descriptor of /dev/null opened for this input, each number
// once. The buffer is allocated at exactly its length, so code that reads
// a number anywhere else reads past it and AddressSanitizer stops the run
// before any real descriptor of the process can be closed.
//
// Besides crashes and sanitizer reports it fails when ownership is lost:
// every descriptor handed in must afterwards be either held by the queue
// or closed, never both, never left open unowned; a message cut short
// (MSG_TRUNC) or whose descriptors were cut (MSG_CTRUNC) leaves none in
// the queue; the byte count covers every message but those cut short; and
// once the queue is gone every descriptor handed in is closed.
#include "fd_passing.hpp"
#include "fuzz_tcl.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <set>
#include <sys/resource.h>
#include <unistd.h>

namespace us = unix_sockets;

namespace {

// Room for a message's descriptors and credentials, as the driver has,
// and a little over.
constexpr std::size_t kMaxControl = 2048;

struct Message {
    ssize_t got = 0;
    int flags = 0;
    std::size_t controlLength = 0;
    std::unique_ptr<unsigned char[]> control;
    std::vector<int> handed;  // descriptors placed in its SCM_RIGHTS messages
};

bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

// Replaces the numbers of every SCM_RIGHTS message that lies inside the
// buffer by descriptors of /dev/null, as the kernel would install them.
void installDescriptors(Message& message) {
    msghdr msg{};
    msg.msg_control = message.control.get();
    msg.msg_controllen = message.controlLength;
    unsigned char* const end = message.control.get() + message.controlLength;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        if (c->cmsg_len < CMSG_LEN(0)) continue;
        unsigned char* data = CMSG_DATA(c);
        const std::size_t inBuffer = static_cast<std::size_t>(end - data);
        const std::size_t bytes = std::min<std::size_t>(c->cmsg_len - CMSG_LEN(0), inBuffer);
        for (std::size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) fuzz::fail("cannot open /dev/null", std::strerror(errno));
            std::memcpy(data + i, &fd, sizeof fd);
            message.handed.push_back(fd);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Up to 4 messages of kMaxControl bytes: ~2000 descriptors at once.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 4096 &&
        limit.rlim_max > limit.rlim_cur) {
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    std::vector<Message> messages(input.ConsumeIntegralInRange<std::size_t>(1, 4));
    for (Message& message : messages) {
        message.got = input.ConsumeIntegralInRange<ssize_t>(0, 1 << 20);
        const auto bits = input.ConsumeIntegral<std::uint8_t>();
        if (bits & 1) message.flags |= MSG_TRUNC;
        if (bits & 2) message.flags |= MSG_CTRUNC;
        if (bits & 4) message.flags |= MSG_EOR;
        message.controlLength = input.ConsumeIntegralInRange<std::size_t>(0, kMaxControl);
        const std::string bytes = input.ConsumeBytesAsString(message.controlLength);
        message.controlLength = bytes.size();
        // Exactly its length (new[] is aligned for cmsghdr), so reading
        // past it is a sanitizer report.
        message.control.reset(new unsigned char[std::max<std::size_t>(bytes.size(), 1)]);
        std::memcpy(message.control.get(), bytes.data(), bytes.size());
        installDescriptors(message);
    }

    std::set<int> handed;
    {
        us::ReceivedDescriptors queue;
        std::uint64_t counted = 0;
        for (Message& message : messages) {
            iovec iov{nullptr, 0};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = message.controlLength > 0 ? message.control.get() : nullptr;
            msg.msg_controllen = message.controlLength;
            msg.msg_flags = message.flags;
            const std::size_t before = queue.size();
            us::keepReceived(msg, message.got, queue);
            if ((message.flags & MSG_TRUNC) == 0)
                counted += static_cast<std::uint64_t>(message.got);
            if ((message.flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 && queue.size() != before) {
                fuzz::fail("a cut message left descriptors in the queue");
            }
            handed.insert(message.handed.begin(), message.handed.end());
        }
        if (queue.bytesHandedOver() != counted) fuzz::fail("bytes miscounted");

        const std::vector<int> held = queue.readable(UINT64_MAX);
        const std::set<int> heldSet(held.begin(), held.end());
        if (heldSet.size() != held.size()) fuzz::fail("the queue holds a descriptor twice");
        if (held.size() != queue.size()) fuzz::fail("a batch is beyond every byte received");
        for (int fd : held) {
            if (handed.count(fd) == 0) fuzz::fail("the queue holds a descriptor never handed in");
        }
        for (int fd : handed) {
            const bool open = isOpen(fd);
            if (heldSet.count(fd) != 0 && !open) fuzz::fail("the queue holds a closed descriptor");
            if (heldSet.count(fd) == 0 && open) fuzz::fail("a descriptor leaked");
        }
        // Taking some and dropping the rest with the queue closes each once.
        const auto consumed = input.ConsumeIntegral<std::uint64_t>();
        std::vector<us::UniqueFd> taken = queue.takeRead(consumed);
        if (taken.size() + queue.size() != held.size()) fuzz::fail("takeRead lost descriptors");
    }
    for (int fd : handed) {
        if (isOpen(fd)) fuzz::fail("a descriptor outlived its queue");
    }
    return 0;
}
