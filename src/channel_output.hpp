// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The bytes a channel's output makes of a script's text, for a command that
// writes past Tcl's buffers (sendchannels) but must write what puts would.
#pragma once

#include "tcl_compat.hpp"

#include <string>

namespace unix_sockets {

// The bytes `puts -nonewline channel value` would write: value with each
// newline turned into channel's output -translation (cr, crlf; lf and auto
// leave it), encoded with its -encoding (on Tcl 9 under its -profile). A
// channel whose output is binary (-translation binary: -encoding binary on
// Tcl 8.6, iso8859-1 with -translation lf on Tcl 9) takes value as a byte
// string, and a character above U+00FF is an error (TCL VALUE BYTES).
// Returns false with Tcl's error in interp when value cannot be written.
bool channelBytes(Tcl_Interp* interp, Tcl_Channel channel, Tcl_Obj* value, std::string& bytes);

}  // namespace unix_sockets
