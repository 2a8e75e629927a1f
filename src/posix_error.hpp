// The one place that turns an errno into a Tcl error.
//
// Drivers and helpers report failures as errno values; only the command that
// has an interpreter turns one into words, here, so every message has the
// same shape: what we could not do, to which name, and why.
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

// Leaves `couldn't <action> "<name>": <reason>` in the interpreter result,
// with " (<detail>)" after the reason when detail is given, and sets
// errorCode to {POSIX <ID> <reason>}. Returns TCL_ERROR.
int posixError(Tcl_Interp* interp, int error, const char* action, Tcl_Obj* name,
               const char* detail = nullptr);

// Leaves a message and an errorCode made of the given words (ended by NULL)
// in the interpreter result. Returns TCL_ERROR.
int usageError(Tcl_Interp* interp, Tcl_Obj* message, ...);

}  // namespace unix_sockets
