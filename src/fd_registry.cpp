// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "fd_registry.hpp"

#include <cerrno>
#include <mutex>
#include <unistd.h>
#include <unordered_map>

namespace unix_sockets {

namespace {

struct Registry {
    std::mutex mutex;
    std::unordered_map<int, std::string> owners;  // descriptor -> channel name
};

// Never destroyed: a channel may still be closed while the process exits,
// after static destructors have run.
Registry& registry() {
    static Registry* r = new Registry;
    return *r;
}

}  // namespace

void registerDescriptor(int fd, const std::string& owner) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.owners.insert_or_assign(fd, owner);
}

bool claimDescriptor(int fd, std::string* owner) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto [entry, inserted] = r.owners.try_emplace(fd);
    if (!inserted) *owner = entry->second;
    return inserted;
}

void unclaimDescriptor(int fd) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.owners.erase(fd);
}

int closeRegistered(int fd) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.owners.erase(fd);
    // On Linux the descriptor is released even when close fails, so the
    // error is only worth reporting, not retrying.
    return ::close(fd) != 0 && errno != EINTR ? errno : 0;
}

}  // namespace unix_sockets
