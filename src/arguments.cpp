// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "arguments.hpp"

#include <cerrno>
#include <cstdlib>
#include <grp.h>
#include <pwd.h>
#include <string>
#include <sys/socket.h>

namespace unix_sockets {

int badValue(Tcl_Interp* interp, const char* option, Tcl_Obj* value, const char* must,
             const char* kind) {
    return usageError(
        interp,
        Tcl_ObjPrintf("bad %s value \"%s\": must be %s", option, Tcl_GetString(value), must),
        {"TCL", "VALUE", kind});
}

bool parseDigits(const char* text, int base, unsigned long max, unsigned long* out) {
    const char* digits = base == 8 ? "01234567" : "0123456789";
    const size_t length = std::strlen(text);
    if (length == 0 || length > 10 || std::strspn(text, digits) != length) return false;
    const unsigned long value = std::strtoul(text, nullptr, base);
    if (value > max) return false;
    *out = value;
    return true;
}

int parseReplace(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options) {
    static const char* const policies[] = {"always", "stale", "never", nullptr};
    static const ReplacePolicy values[] = {ReplacePolicy::Always, ReplacePolicy::Stale,
                                           ReplacePolicy::Never};
    int index = 0;
    if (Tcl_GetIndexFromObj(interp, value, policies, "-replace value", 0, &index) != TCL_OK) {
        return TCL_ERROR;
    }
    options.replace = values[index];
    return TCL_OK;
}

// A mode is octal when it starts with 0 or 0o (0660, 0o660), as `open`
// reads it in Tcl 8.6; otherwise decimal.
int parsePermissions(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options) {
    const char* text = Tcl_GetString(value);
    unsigned long mode = 0;
    bool ok = false;
    if (text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) {
        ok = parseDigits(text + 2, 8, 0777, &mode);
    } else {
        ok = parseDigits(text, text[0] == '0' ? 8 : 10, 0777, &mode);
    }
    if (!ok) {
        return badValue(interp, "-permissions", value, "a mode from 0 to 0777 such as 0660",
                        "PERMISSIONS");
    }
    options.setPermissions = true;
    options.permissions = static_cast<mode_t>(mode);
    return TCL_OK;
}

namespace {

// Whether getpwnam_r or getgrnam_r, having found nothing, says so with
// this value. POSIX does not call "not found" an error and returns 0, but
// some NSS modules return one of these instead (getpwnam_r(3), NOTES);
// any other value is a real failure of the lookup.
bool meansNotFound(int error) {
    return error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM;
}

// A user or group given by name or by decimal number, as chown(1) takes it:
// a number is taken as it is, a name must exist. A lookup that fails (the
// descriptors are used up, the user database cannot be read) is a POSIX
// error, not a name that does not exist.
int lookupId(Tcl_Interp* interp, Tcl_Obj* value, bool isUser, unsigned long* id) {
    const char* name = Tcl_GetString(value);
    // (uid_t)-1 means "leave unchanged" to chown, so it is not an id.
    if (parseDigits(name, 10, 0xFFFFFFFEul, id)) return TCL_OK;
    if (name[0] == '\0' || name[0] == '-') {
        return badValue(interp, isUser ? "-owner" : "-group", value,
                        isUser ? "a user name or number" : "a group name or number", "NUMBER");
    }
    std::vector<char> buffer(16384);
    int error = 0;
    bool found = false;
    for (;;) {
        // These return their error instead of setting errno.
        if (isUser) {
            passwd entry, *result = nullptr;
            error = ::getpwnam_r(name, &entry, buffer.data(), buffer.size(), &result);
            if (result != nullptr) *id = entry.pw_uid;
            found = result != nullptr;
        } else {
            group entry, *result = nullptr;
            error = ::getgrnam_r(name, &entry, buffer.data(), buffer.size(), &result);
            if (result != nullptr) *id = entry.gr_gid;
            found = result != nullptr;
        }
        if (found) return TCL_OK;
        if (error == EINTR) continue;
        if (error == ERANGE && buffer.size() < (1u << 24)) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        break;
    }
    if (!meansNotFound(error)) {
        return posixError(interp, error, isUser ? "look up user" : "look up group", value);
    }
    return usageError(interp,
                      Tcl_ObjPrintf("%s \"%s\" does not exist", isUser ? "user" : "group", name),
                      {"TCL", "LOOKUP", isUser ? "USER" : "GROUP", name});
}

}  // namespace

int parseOwner(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options) {
    unsigned long id = 0;
    if (lookupId(interp, value, true, &id) != TCL_OK) return TCL_ERROR;
    options.setOwner = true;
    options.owner = static_cast<uid_t>(id);
    return TCL_OK;
}

int parseGroup(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options) {
    unsigned long id = 0;
    if (lookupId(interp, value, false, &id) != TCL_OK) return TCL_ERROR;
    options.setGroup = true;
    options.group = static_cast<gid_t>(id);
    return TCL_OK;
}

int parseSocketType(Tcl_Interp* interp, Tcl_Obj* value, const char* const allowed[], int* type) {
    struct TypeName {
        const char* name;
        int type;
    };
    static const TypeName kTypes[] = {
        {"stream", SOCK_STREAM}, {"seqpacket", SOCK_SEQPACKET}, {"datagram", SOCK_DGRAM}};
    int index = 0;
    if (Tcl_GetIndexFromObj(interp, value, allowed, "-type value", 0, &index) != TCL_OK) {
        return TCL_ERROR;
    }
    for (const TypeName& known : kTypes) {
        if (std::strcmp(known.name, allowed[index]) == 0) *type = known.type;
    }
    return TCL_OK;
}

int checkHandler(Tcl_Interp* interp, Tcl_Obj* handler) {
    Tcl_Size words = 0;
    if (Tcl_ListObjLength(interp, handler, &words) != TCL_OK) return TCL_ERROR;
    if (words == 0) {
        return usageError(interp, Tcl_NewStringObj("the accept handler is empty", -1),
                          {"TCL", "VALUE", "HANDLER"});
    }
    return TCL_OK;
}

int toAddress(Tcl_Interp* interp, Tcl_Obj* path, const char* action, UnixAddress& address) {
    UnixAddress::Problem problem;
    if (UnixAddress::fromObj(path, address, problem)) return TCL_OK;
    return posixError(interp, problem.error, action, path, problem.detail.c_str());
}

int returnChannel(Tcl_Interp* interp, Tcl_Channel channel) {
    Tcl_RegisterChannel(interp, channel);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(Tcl_GetChannelName(channel), -1));
    return TCL_OK;
}

}  // namespace unix_sockets
