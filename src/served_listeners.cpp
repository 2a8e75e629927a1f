// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "served_listeners.hpp"

#include <algorithm>
#include <cstring>
#include <sys/stat.h>
#include <vector>

namespace unix_sockets {

namespace {

struct Served {
    const void* key;
    ServedAddress address;
};

// A handful at most in any real program, so a vector searched in order.
thread_local std::vector<Served> servedHere;

// The socket file a path leads to, if it leads to a socket.
bool socketFileAt(const char* path, struct stat& file) {
    return ::stat(path, &file) == 0 && S_ISSOCK(file.st_mode);
}

bool sameBytes(const UnixAddress& a, const UnixAddress& b) {
    return a.length() == b.length() &&
           std::memcmp(a.sockaddrPtr(), b.sockaddrPtr(), a.length()) == 0;
}

}  // namespace

ServedAddress servedAddressOf(int fd, const SocketFile& file) {
    ServedAddress served;
    if (file.made) {
        // As bound: the path may have been replaced since, and then a
        // connect to it reaches someone else.
        served.kind = UnixAddress::Kind::Path;
        served.device = file.device;
        served.inode = file.inode;
        return served;
    }
    UnixAddress bound;
    if (localAddress(fd, bound) != 0) return served;
    struct stat found {};
    switch (bound.kind()) {
    case UnixAddress::Kind::Abstract:
        served.kind = UnixAddress::Kind::Abstract;
        served.address = bound;
        break;
    case UnixAddress::Kind::Path:
        if (socketFileAt(bound.path(), found)) {
            served.kind = UnixAddress::Kind::Path;
            served.device = found.st_dev;
            served.inode = found.st_ino;
        }
        break;
    case UnixAddress::Kind::Unnamed:
        break;
    }
    return served;
}

void startServing(const void* key, const ServedAddress& address) {
    for (const Served& entry : servedHere) {
        if (entry.key == key) return;
    }
    servedHere.push_back({key, address});
}

void stopServing(const void* key) {
    servedHere.erase(std::remove_if(servedHere.begin(), servedHere.end(),
                                    [key](const Served& entry) { return entry.key == key; }),
                     servedHere.end());
}

bool servedByThisThread(const UnixAddress& address) {
    if (servedHere.empty()) return false;
    struct stat file {};
    const bool isFile =
        address.kind() == UnixAddress::Kind::Path && socketFileAt(address.path(), file);
    for (const Served& entry : servedHere) {
        const ServedAddress& served = entry.address;
        switch (served.kind) {
        case UnixAddress::Kind::Path:
            if (isFile && served.device == file.st_dev && served.inode == file.st_ino) return true;
            break;
        case UnixAddress::Kind::Abstract:
            if (sameBytes(served.address, address)) return true;
            break;
        case UnixAddress::Kind::Unnamed:
            break;
        }
    }
    return false;
}

}  // namespace unix_sockets
