// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// UniqueFd: the one owner of a descriptor until it is handed to a channel.
//
// Every descriptor this package opens lives in a UniqueFd from the system call
// that creates it until release() gives it to a channel driver, so that every
// early return on an error path closes it and none can leak.
#pragma once

#include <cerrno>
#include <unistd.h>
#include <utility>

namespace unix_sockets {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Gives up ownership; the caller now closes the descriptor.
    int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the owned descriptor, if any, keeping errno as the caller left it:
    // cleanup on an error path must not replace the error being reported.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            int saved = errno;
            // No retry on EINTR: on Linux the descriptor is gone either way,
            // and a retry could close one another thread just opened.
            ::close(fd_);
            errno = saved;
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

}  // namespace unix_sockets
