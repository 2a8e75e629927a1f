// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The socket file of a socket bound to a filesystem path: making room for it,
// giving it its owner, group and mode, and removing it again only while it is
// still the one we made. Every socket type that binds a path shares this.
#pragma once

#include "address.hpp"

#include <functional>
#include <string>
#include <sys/types.h>

namespace unix_sockets {

// What to do when a socket file is already at the path.
enum class ReplacePolicy {
    Always,  // remove it (the original package's behaviour)
    Stale,   // remove it only if nobody accepts connections on it
    Never,   // fail with EADDRINUSE
};

// How the socket file is made: -replace, -permissions, -owner, -group.
struct FileOptions {
    ReplacePolicy replace = ReplacePolicy::Always;
    bool setPermissions = false;
    mode_t permissions = 0;
    bool setOwner = false;
    uid_t owner = 0;
    bool setGroup = false;
    gid_t group = 0;
};

// Why a socket could not be set up: an errno, and what we were doing.
struct SetupFailure {
    int error = 0;
    std::string detail;
};

// The file a bound socket made, identified by device and inode: another
// socket may replace it at the same path, and then it is no longer ours.
struct SocketFile {
    std::string path;  // absolute, so a later `cd` does not matter
    dev_t device = 0;
    ino_t inode = 0;
    bool made = false;

    // Unlinks path if it is still the socket this made (same device and
    // inode). Call it before closing the socket: while the socket is open
    // its inode number cannot be reused by a socket someone else binds at
    // the path, which would then pass for ours.
    void removeIfOurs();
};

// The last step of setting up a bound socket (listen(), for a listener):
// returns 0 or an errno.
using FinishStep = std::function<int(int fd)>;

// Binds fd, a new socket of the given type (SOCK_STREAM and so on), to the
// address, then runs finish. For a filesystem path it first makes room at the
// path as options.replace says and, once bound, gives the file its owner,
// group and mode before finish, so nobody can connect through a mode that was
// not asked for. On success file describes what was made (nothing, for an
// abstract name).
//
// On failure the path is left as it was found. Replacing an existing socket
// is rehearsed first on a scratch socket of the same type in the same
// directory (bind, owner, group, mode, finish), and the old socket is removed
// only once every step has succeeded there; see socket_file.cpp for what can
// still go wrong after that.
bool bindSocket(int fd, int type, const UnixAddress& address, const FileOptions& options,
                const FinishStep& finish, SocketFile& file, SetupFailure& failure);

}  // namespace unix_sockets
