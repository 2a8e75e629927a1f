// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Package entry point: stubs, commands, package provide; nothing else.
#include "commands.hpp"
#include "event_source.hpp"
#include "tcl_compat.hpp"

extern "C" DLLEXPORT int Unix_sockets_Init(Tcl_Interp* interp) {
    if (Tcl_InitStubs(interp, "8.6-", 0) == nullptr) return TCL_ERROR;
    unix_sockets::prepareEventSource();
    if (unix_sockets::createCommands(interp) != TCL_OK) return TCL_ERROR;
    return Tcl_PkgProvide(interp, "unix_sockets", UNIX_SOCKETS_VERSION);
}
