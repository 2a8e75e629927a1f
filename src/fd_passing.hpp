// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Descriptor passing: SCM_RIGHTS out and in.
//
// Out: sendWithDescriptors sends bytes with descriptors attached. In: every
// socket channel that can carry descriptors reads through
// receiveWithDescriptors, which keeps what arrives in the channel's
// ReceivedDescriptors until the script takes it (recvchannels) or the
// channel closes. No received descriptor is ever dropped unsaid or leaked:
// each is born close-on-exec (MSG_CMSG_CLOEXEC) into a UniqueFd.
#pragma once

#include "unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <sys/socket.h>
#include <sys/types.h>
#include <vector>

namespace unix_sockets {

// Linux takes at most this many descriptors in one message (SCM_MAX_FD in
// the kernel, not exported to user space); more is EINVAL from sendmsg.
constexpr std::size_t kMaxPassedDescriptors = 253;

// The descriptors a channel has received and the script has not taken yet,
// each batch with the position in the byte stream from which the script
// has read the data it came with.
//
// Positions count the bytes the driver has received. A batch is
// available once the script has consumed every byte up to and including
// the last byte of the recvmsg that brought it. On a stream socket Linux
// ends that recvmsg inside the data sent with the descriptors (it never
// reads past a message that carries descriptors), so reading all of that
// data is always enough, and for large data its first part may be; on a
// seqpacket or datagram socket it is the whole message.
class ReceivedDescriptors {
public:
    // Bytes handed to Tcl so far.
    std::uint64_t bytesHandedOver() const noexcept { return bytesReceived_ - heldBack_; }

    // For a driver that receives more than it hands over at once (a
    // message longer than Tcl's buffer, delivered in pieces): how many of
    // the bytes received are still in the driver, so that recvchannels
    // does not count them as read.
    void setHeldBack(std::uint64_t bytes) noexcept { heldBack_ = bytes; }

    // Takes out, in arrival order, every descriptor whose data lies within
    // the first `consumed` bytes of the stream.
    std::vector<UniqueFd> takeRead(std::uint64_t consumed);

    // The numbers of the descriptors takeRead(consumed) would return, to
    // look at before taking them.
    std::vector<int> readable(std::uint64_t consumed) const;

    // Descriptors held, taken or not yet readable.
    std::size_t size() const noexcept;

private:
    friend ssize_t receiveWithDescriptors(int fd, char* buffer, std::size_t size, int flags,
                                          ReceivedDescriptors& queue, int* error,
                                          sockaddr* from, socklen_t* fromLength, int* msgFlags);
    friend void keepReceived(msghdr& msg, ssize_t got, ReceivedDescriptors& queue);
    struct Batch {
        std::uint64_t readAt;  // bytesReceived once the script has read its data
        std::vector<UniqueFd> fds;
    };
    std::deque<Batch> batches_;
    std::uint64_t bytesReceived_ = 0;
    std::uint64_t heldBack_ = 0;
    // Descriptors the system could not hand over (MSG_CTRUNC): reported by
    // the next receive, after the data that came with them.
    int pendingError_ = 0;
};

// recvmsg for a channel driver's inputProc: receives into buffer as recv
// would (retrying EINTR), keeps any descriptors that arrive in queue and
// counts the bytes. Returns the byte count, or -1 with *error set.
//
// A control message the system had to cut (MSG_CTRUNC: the process had no
// descriptor number left, or the system refused one) loses descriptors:
// the data still comes back now, the descriptors that did arrive with it
// are closed (a partial batch would be taken for a whole one), and the
// next call fails once with EMFILE, so the loss is never silent.
//
// from/fromLength receive the sender's address (msg_name) when given;
// msgFlags, when given, receives msg_flags. A message cut short
// (MSG_TRUNC) is the caller's to discard: its bytes are not counted and its
// descriptors are closed.
// With MSG_PEEK nothing is counted and no descriptor is received: Linux
// would install a copy of every descriptor at each peek.
ssize_t receiveWithDescriptors(int fd, char* buffer, std::size_t size, int flags,
                               ReceivedDescriptors& queue, int* error, sockaddr* from = nullptr,
                               socklen_t* fromLength = nullptr, int* msgFlags = nullptr);

// The part of receiveWithDescriptors after a recvmsg (not a peek) that
// returned got bytes and left msg as it is: takes every descriptor of its
// SCM_RIGHTS messages into the queue, or closes them (MSG_TRUNC,
// MSG_CTRUNC), and counts the bytes. A function of its own so that made-up
// recvmsg results can be fed to it (fuzz/control_message_fuzzer.cpp).
void keepReceived(msghdr& msg, ssize_t got, ReceivedDescriptors& queue);

// sendmsg of data with the descriptors attached (count at most
// kMaxPassedDescriptors), in blocking mode, to `to` when given (an
// unconnected datagram socket). On a stream socket whatever the first
// sendmsg did not take follows without descriptors, so all of data is sent
// or an error returned. Returns 0 or an errno; *sent says how many bytes
// went out before an error.
int sendWithDescriptors(int fd, const unsigned char* data, std::size_t size, const int* fds,
                        std::size_t count, const sockaddr* to, socklen_t toLength,
                        std::size_t* sent);

}  // namespace unix_sockets
