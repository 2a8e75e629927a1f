// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The channel driver of connected stream sockets: what connect returns and
// what a listener hands to its accept handler.
#pragma once

#include "address.hpp"
#include "fd_passing.hpp"
#include "tcl_compat.hpp"
#include "unique_fd.hpp"

namespace unix_sockets {

// Wraps a connected stream socket in a new readable and writable channel in
// blocking mode, taking ownership of the descriptor. The channel is not yet
// registered in any interpreter.
Tcl_Channel createStreamChannel(UniqueFd fd);

// As createStreamChannel, for `connect -async`: fd, an unconnected
// non-blocking stream socket, is connected to address in the background
// (connect_state.hpp); the channel is writable once that succeeded or failed.
Tcl_Channel createConnectingChannel(UniqueFd fd, const UnixAddress& address);

// Before sendchannels sends on a stream channel: waits for the connect of
// `connect -async` as a blocking write does (the script's data went first
// by Tcl_Flush, which waits for it only when there is data). 0 or the
// connect's errno.
int streamChannelAwaitConnected(Tcl_Channel channel);

// The descriptors a stream channel has received and not yet handed out
// (fd_passing.hpp), or nullptr if channel is not a stream channel.
ReceivedDescriptors* streamChannelDescriptors(Tcl_Channel channel);

}  // namespace unix_sockets
