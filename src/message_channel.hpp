// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The channel driver of message sockets: seqpacket (connected, reliable,
// ordered messages) and datagram sockets. One flush sends one message and
// one read returns one message, never split, merged or truncated.
#pragma once

#include "address.hpp"
#include "fd_passing.hpp"
#include "socket_file.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

namespace unix_sockets {

// Wraps a connected seqpacket or datagram socket (connect, accept,
// socketpair) in a new readable and writable channel in blocking mode,
// taking ownership of the descriptor. type is SOCK_SEQPACKET or SOCK_DGRAM.
// The channel is not yet registered in any interpreter.
Tcl_Channel createMessageChannel(UniqueFd fd, int type);

// The channel of `connect -async -type seqpacket`: takes fd, a non-blocking
// seqpacket socket not yet connected, and connects it to address in the
// background (connect_state.hpp), as createConnectingChannel does for
// stream sockets.
Tcl_Channel createConnectingMessageChannel(UniqueFd fd, const UnixAddress& address);

// Wraps a datagram socket that is not connected (the datagram command): it
// sends to remote, when given, until -remote changes it. file is the
// socket file it bound, if any, removed when the channel closes while it
// is still the one it made.
Tcl_Channel createDatagramChannel(UniqueFd fd, SocketFile file, const UnixAddress* remote);

// Wraps a seqpacket or datagram socket made elsewhere (inherited by adopt,
// received by recvchannels): a datagram socket that is not connected
// becomes a datagram channel with no -remote, the file it may be bound to
// left to whoever made it; any other, createMessageChannel's channel.
Tcl_Channel wrapMessageSocket(UniqueFd fd, int type);

// The descriptors a message channel has received and the script has not
// taken, or nullptr if channel is not a message channel.
ReceivedDescriptors* messageChannelDescriptors(Tcl_Channel channel);

// Before sendchannels sends on a message channel (whose Tcl buffer is
// always empty, see message_channel.cpp): waits for the connect of
// `connect -async` as a blocking write does, then sends the messages a
// non-blocking channel has queued, in blocking fashion, so the message
// with the descriptors cannot overtake them. Returns 0, or the connect's
// errno, or that of a queued message that could not be sent.
int messageChannelSendQueued(Tcl_Channel channel);

// Where a message with descriptors goes from a datagram channel: *to is
// its -remote when set, else nullptr (the connected peer, or channel is
// not a datagram channel). Returns EDESTADDRREQ for a datagram channel
// with neither, else 0.
int messageChannelDestination(Tcl_Channel channel, const UnixAddress** to);

}  // namespace unix_sockets
