// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// A channel that only holds a socket: for a received socket Tcl can neither
// serve nor wrap safely, a listening socket of another family (TCP, say).
#pragma once

#include "tcl_compat.hpp"
#include "unique_fd.hpp"

namespace unix_sockets {

// Wraps fd in a channel that cannot be read or written; it can be passed
// on (sendchannels) and closed. Closing it closes the descriptor and does
// nothing else: Tcl 9's own socket channel, which Tcl_MakeFileChannel
// would make of it, shuts the socket's reading side down as it closes,
// and for a listening socket that stops it listening in every process
// that holds it. Not yet registered in any interpreter.
Tcl_Channel createHeldSocketChannel(UniqueFd fd);

}  // namespace unix_sockets
