// Listening sockets: creating the socket file, accepting connections, and
// removing the file again when the listener closes.
#pragma once

#include "address.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

#include <string>
#include <sys/socket.h>
#include <sys/types.h>

namespace unix_sockets {

// What listen does when a socket file is already at the path.
enum class ReplacePolicy {
    Always,  // unlink it (the original package's behaviour)
    Stale,   // unlink it only if nobody accepts connections on it
    Never,   // fail with EADDRINUSE
};

struct ListenOptions {
    ReplacePolicy replace = ReplacePolicy::Always;
    bool setPermissions = false;
    mode_t permissions = 0;
    bool setOwner = false;
    uid_t owner = 0;
    bool setGroup = false;
    gid_t group = 0;
    int backlog = SOMAXCONN;
};

// Why a listener could not be made: an errno, and what we were doing.
struct ListenFailure {
    int error = 0;
    std::string detail;
};

// Creates a listening socket at the address and returns its channel, not
// yet registered in any interpreter. Each connection calls handler (a
// command prefix) in interp at global level with the new channel appended;
// name is the address as the script wrote it, for messages. On failure
// returns nullptr, leaves nothing behind on the filesystem and fills in
// failure.
Tcl_Channel createListener(Tcl_Interp* interp, const UnixAddress& address, Tcl_Obj* name,
                           Tcl_Obj* handler, const ListenOptions& options, ListenFailure& failure);

}  // namespace unix_sockets
