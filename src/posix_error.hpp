// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The one place that turns an errno into a Tcl error.
//
// Drivers and helpers report failures as errno values; only the command that
// has an interpreter turns one into words, here, so every message has the
// same shape: what we could not do, to which name, and why.
#pragma once

#include "tcl_compat.hpp"

#include <initializer_list>

namespace unix_sockets {

// Leaves `couldn't <action> "<name>": <reason>` in the interpreter result,
// with " (<detail>)" after the reason when detail is given, and sets
// errorCode to {POSIX <ID> <reason>}. Returns TCL_ERROR.
int posixError(Tcl_Interp* interp, int error, const char* action, Tcl_Obj* name,
               const char* detail = nullptr);

// The same for an action on nothing that has a name (making a socket
// pair): `couldn't <action>: <reason>`, and " (<detail>)" when given.
int posixError(Tcl_Interp* interp, int error, const char* action, const char* detail);

// Leaves a message in the interpreter result and sets errorCode to the list
// of the given words. Returns TCL_ERROR.
int usageError(Tcl_Interp* interp, Tcl_Obj* message, std::initializer_list<const char*> errorCode);

}  // namespace unix_sockets
