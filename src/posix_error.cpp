// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "posix_error.hpp"

#include "address.hpp"
#include "tcl_obj.hpp"

namespace unix_sockets {

int posixError(Tcl_Interp* interp, int error, const char* action, Tcl_Obj* name,
               const char* detail) {
    // Tcl_PosixError reads the error through Tcl_GetErrno and sets errorCode.
    Tcl_SetErrno(error);
    const char* reason = Tcl_PosixError(interp);

    Tcl_Obj* message = Tcl_ObjPrintf("couldn't %s \"", action);
    ObjRef shown(displayName(name));
    Tcl_AppendObjToObj(message, shown.get());
    Tcl_AppendStringsToObj(message, "\": ", reason, static_cast<char*>(nullptr));
    if (detail != nullptr && *detail != '\0') {
        Tcl_AppendStringsToObj(message, " (", detail, ")", static_cast<char*>(nullptr));
    }
    Tcl_SetObjResult(interp, message);
    return TCL_ERROR;
}

int posixError(Tcl_Interp* interp, int error, const char* action, const char* detail) {
    Tcl_SetErrno(error);
    const char* reason = Tcl_PosixError(interp);
    Tcl_Obj* message = Tcl_ObjPrintf("couldn't %s: %s", action, reason);
    if (detail != nullptr && *detail != '\0') {
        Tcl_AppendStringsToObj(message, " (", detail, ")", static_cast<char*>(nullptr));
    }
    Tcl_SetObjResult(interp, message);
    return TCL_ERROR;
}

int usageError(Tcl_Interp* interp, Tcl_Obj* message, std::initializer_list<const char*> errorCode) {
    Tcl_SetObjResult(interp, message);
    Tcl_Obj* code = Tcl_NewListObj(0, nullptr);
    for (const char* word : errorCode) {
        Tcl_ListObjAppendElement(nullptr, code, Tcl_NewStringObj(word, -1));
    }
    Tcl_SetObjErrorCode(interp, code);
    return TCL_ERROR;
}

}  // namespace unix_sockets
