// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Listening sockets: creating the socket file, accepting connections, and
// removing the file again when the listener closes.
#pragma once

#include "address.hpp"
#include "socket_file.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

#include <string>
#include <sys/socket.h>
#include <sys/types.h>

namespace unix_sockets {

struct ListenOptions : FileOptions {
    int backlog = SOMAXCONN;
    int type = SOCK_STREAM;  // or SOCK_SEQPACKET
};

using ListenFailure = SetupFailure;

// Creates a listening socket at the address and returns its channel, not
// yet registered in any interpreter. Each connection calls handler (a
// command prefix) in interp at global level with the new channel appended;
// name is the address as the script wrote it, for messages. On failure
// returns nullptr and fills in failure; the path is as it was found (see
// bindSocket for what a rehearsal cannot foresee).
Tcl_Channel createListener(Tcl_Interp* interp, const UnixAddress& address, Tcl_Obj* name,
                           Tcl_Obj* handler, const ListenOptions& options, ListenFailure& failure);

// Makes a listener of fd, a listening stream socket this process inherited
// (systemd socket activation, inetd), and takes it over; it then behaves as
// one createListener made, except that closing it removes no file. name
// stands for it in messages. On failure returns nullptr and fills in
// failure; fd is then still open, the caller's, and as it was (its
// O_NONBLOCK flag, which this sets, is put back). internet: fd is a TCP
// listener, whose connections become Tcl's own TCP channels
// (inet_socket.hpp).
Tcl_Channel adoptListener(Tcl_Interp* interp, int fd, Tcl_Obj* name, Tcl_Obj* handler,
                          bool internet, ListenFailure& failure);

}  // namespace unix_sockets
