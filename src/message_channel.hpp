// The channel driver of message sockets: seqpacket (connected, reliable,
// ordered messages) and datagram sockets. One flush sends one message and
// one read returns one message, never split, merged or truncated.
#pragma once

#include "address.hpp"
#include "socket_file.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

namespace unix_sockets {

// Wraps a connected seqpacket or datagram socket (connect, accept,
// socketpair) in a new readable and writable channel in blocking mode,
// taking ownership of the descriptor. type is SOCK_SEQPACKET or SOCK_DGRAM.
// The channel is not yet registered in any interpreter.
Tcl_Channel createMessageChannel(UniqueFd fd, int type);

// Wraps a datagram socket that is not connected (the datagram command): it
// sends to remote, when given, until -remote changes it. file is the
// socket file it bound, if any, removed when the channel closes while it
// is still the one it made.
Tcl_Channel createDatagramChannel(UniqueFd fd, SocketFile file, const UnixAddress* remote);

}  // namespace unix_sockets
