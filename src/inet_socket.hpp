// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Internet sockets handed to the process (systemd's ListenStream=8080,
// descriptors received from another process): what Tcl's own TCP channels
// make of them.
//
// Tcl has a channel type for TCP connections, made from a descriptor with
// Tcl_MakeTcpClientChannel, and none for a TCP listener it did not make or
// for Internet datagrams. So a connection becomes one of Tcl's TCP
// channels (-peername, -sockname and the rest as for socket -server), a
// listener becomes one of the package's listeners whose connections are
// such channels (listener.hpp), and an Internet datagram socket is refused.
#pragma once

#include "socket_options.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

#include <string>
#include <sys/socket.h>

namespace unix_sockets {

// Whether domain (SO_DOMAIN) is IPv4 or IPv6.
constexpr bool isInternetDomain(int domain) noexcept {
    return domain == AF_INET || domain == AF_INET6;
}

// Makes one of Tcl's TCP channels of a connected TCP socket, taking fd,
// which must be a number Tcl's notifier can watch: on Tcl 8.6 one below
// FD_SETSIZE, as copyForTclNotifier (event_source.hpp) gives. The channel
// starts in the mode of the open socket, whose O_NONBLOCK flag Tcl's
// channel follows and other holders share. Not yet registered in any
// interpreter.
Tcl_Channel makeTcpChannel(UniqueFd fd);

// The local address of an Internet socket as "127.0.0.1:8080" or
// "[::1]:8080", for messages; "" if it has none.
std::string inetSocketName(int fd);

// -sockname of a TCP listener, as Tcl's own server sockets give it: a list
// of address, host name and port (the host name is the numeric address: no
// lookup is made).
int readInetSockname(const OptionSource& source, Tcl_Obj** value);

}  // namespace unix_sockets
