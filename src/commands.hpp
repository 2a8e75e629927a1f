// The package's Tcl commands.
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

// Creates every unix_sockets:: command in the interpreter.
int createCommands(Tcl_Interp* interp);

}  // namespace unix_sockets
