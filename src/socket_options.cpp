// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "socket_options.hpp"

#include "address.hpp"
#include "connect_state.hpp"
#include "credentials.hpp"
#include "posix_error.hpp"
#include "tcl_obj.hpp"

#include <cstring>
#include <string>
#include <sys/socket.h>

namespace unix_sockets {

int readPeername(const OptionSource& source, Tcl_Obj** value) {
    // No peer yet, which Tcl's socket -async also reports as {}.
    if (source.connect != nullptr && source.connect->connecting()) {
        *value = Tcl_NewObj();
        return 0;
    }
    UnixAddress address;
    if (int error = peerAddress(source.fd, address)) return error;
    *value = address.toObj();
    return 0;
}

int readSockname(const OptionSource& source, Tcl_Obj** value) {
    UnixAddress address;
    if (int error = localAddress(source.fd, address)) return error;
    *value = address.toObj();
    return 0;
}

int readError(const OptionSource& source, Tcl_Obj** value) {
    // An async connect: no error while it goes on (as Tcl's socket -async),
    // its own once it has failed; the socket itself holds neither.
    if (source.connect != nullptr && source.connect->connecting()) {
        *value = Tcl_NewObj();
        return 0;
    }
    if (source.connect != nullptr && source.connect->error() != 0) {
        *value = Tcl_NewStringObj(Tcl_ErrnoMsg(source.connect->error()), -1);
        return 0;
    }
    // SO_ERROR clears itself when read; the error is kept where there is a
    // place for it, so that listing every option does not lose it.
    int error = source.keptError != nullptr ? *source.keptError : 0;
    if (error == 0) {
        socklen_t length = sizeof(error);
        if (::getsockopt(source.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
        if (source.keptError != nullptr) *source.keptError = error;
    }
    *value = error != 0 ? Tcl_NewStringObj(Tcl_ErrnoMsg(error), -1) : Tcl_NewObj();
    return 0;
}

int readConnecting(const OptionSource& source, Tcl_Obj** value) {
    *value = Tcl_NewIntObj(source.connect != nullptr && source.connect->connecting() ? 1 : 0);
    return 0;
}

int readPeercred(const OptionSource& source, Tcl_Obj** value) {
    PeerCredentials credentials;
    if (int error = peerCredentials(source.fd, credentials)) return error;
    *value = credentialsObj(credentials);
    return 0;
}

namespace {

const ReadOnlyOption* findOption(const ReadOnlyOption* table, const char* name) {
    const size_t length = std::strlen(name);
    const ReadOnlyOption* candidate = nullptr;
    bool ambiguous = false;
    for (const ReadOnlyOption* option = table; option->name != nullptr; ++option) {
        if (std::strncmp(option->name, name, length) != 0) continue;
        if (option->name[length] == '\0') return option;
        // A second prefix match makes the name ambiguous, unless a later
        // option is the exact name (-peer after -peername and -peercred).
        if (candidate != nullptr) ambiguous = true;
        candidate = option;
    }
    return length > 1 && !ambiguous ? candidate : nullptr;
}

void appendObj(Tcl_DString* result, Tcl_Obj* value, bool asElement) {
    ObjRef held(value);
    Tcl_Size length = 0;
    const char* bytes = Tcl_GetStringFromObj(value, &length);
    if (asElement) {
        // Tcl_DStringAppendElement stops at a NUL, which Tcl strings never
        // hold internally, so the string rep is safe to pass as it is.
        Tcl_DStringAppendElement(result, bytes);
    } else {
        Tcl_DStringAppend(result, bytes, length);
    }
}

}  // namespace

int getTableOption(const ReadOnlyOption* table, const OptionSource& source, Tcl_Channel channel,
                   Tcl_Interp* interp, const char* optionName, Tcl_DString* result) {
    if (optionName == nullptr) {
        for (const ReadOnlyOption* option = table; option->name != nullptr; ++option) {
            if (!option->listed) continue;
            Tcl_Obj* value = nullptr;
            if (option->read(source, &value) != 0) value = Tcl_NewObj();
            Tcl_DStringAppendElement(result, option->name);
            appendObj(result, value, true);
        }
        return TCL_OK;
    }

    const ReadOnlyOption* option = findOption(table, optionName);
    if (option == nullptr) {
        std::string names;
        for (const ReadOnlyOption* o = table; o->name != nullptr; ++o) {
            if (!o->listed) continue;
            if (!names.empty()) names += ' ';
            names += o->name + 1;  // Tcl_BadChannelOption adds the dashes
        }
        return badChannelOption(interp, optionName, names.c_str());
    }
    Tcl_Obj* value = nullptr;
    if (int error = option->read(source, &value)) {
        if (interp != nullptr) {
            std::string action = std::string("get ") + option->name + " of";
            ObjRef name(Tcl_NewStringObj(Tcl_GetChannelName(channel), -1));
            posixError(interp, error, action.c_str(), name.get());
        }
        Tcl_SetErrno(error);
        return TCL_ERROR;
    }
    appendObj(result, value, false);
    return TCL_OK;
}

int badChannelOption(Tcl_Interp* interp, const char* optionName, const char* optionList) {
    Tcl_BadChannelOption(interp, optionName, optionList);
    if (interp != nullptr) {
        Tcl_SetErrorCode(interp, "TCL", "LOOKUP", "INDEX", "option", optionName,
                         static_cast<char*>(nullptr));
    }
    return TCL_ERROR;
}

int refuseOptionProc(void*, Tcl_Interp* interp, const char* optionName, const char*) {
    return badChannelOption(interp, optionName, nullptr);
}

}  // namespace unix_sockets
