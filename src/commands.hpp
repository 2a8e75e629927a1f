// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The package's Tcl commands.
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

// Creates every unix_sockets:: command in the interpreter.
int createCommands(Tcl_Interp* interp);

// One per command: parse the arguments, call the modules that do the work,
// and put their errno into words. Each usage line stands above its code.
int listenCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]);   // socket_commands.cpp
int connectCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]);  // socket_commands.cpp
int adoptCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]);    // adopt_command.cpp
int pairCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]);     // message_commands.cpp
int datagramCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]); // message_commands.cpp
int sendChannelsCmd(void*, Tcl_Interp* interp, int objc,
                    Tcl_Obj* const objv[]);  // passing_commands.cpp
int recvChannelsCmd(void*, Tcl_Interp* interp, int objc,
                    Tcl_Obj* const objv[]);  // passing_commands.cpp
int notifierCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]); // notifier_command.cpp

}  // namespace unix_sockets
