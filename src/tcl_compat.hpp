// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The only place that knows Tcl 8.6 from Tcl 9.
//
// The rest of the package is written against one vocabulary: Tcl_Size for
// lengths and counts, makeChannelType() for channel type tables. Everything
// that differs between the two major versions is resolved here, at compile
// time, so the other files carry no version conditionals.
#pragma once

#include <tcl.h>

#include <cstring>

#if TCL_MAJOR_VERSION < 8 || (TCL_MAJOR_VERSION == 8 && TCL_MINOR_VERSION < 6)
#error "unix_sockets needs Tcl 8.6 or later"
#endif

#if TCL_MAJOR_VERSION < 9
// Tcl 9 widened lengths to Tcl_Size (ptrdiff_t); 8.6 uses int throughout.
using Tcl_Size = int;
#endif

// Tcl 8.6's Unix notifier is built on select() and cannot watch a
// descriptor from FD_SETSIZE up; Tcl 9's uses epoll on Linux. On Linux with
// Tcl 8.6 the package therefore watches high descriptors itself
// (event_source.cpp).
#if TCL_MAJOR_VERSION < 9 && defined(__linux__)
#define UNIX_SOCKETS_OWN_EPOLL 1
#else
#define UNIX_SOCKETS_OWN_EPOLL 0
#endif

// On the same systems the package offers an epoll notifier to replace Tcl
// 8.6's for the whole process (epoll_notifier.cpp); Tcl 9's own already
// waits with epoll.
#define UNIX_SOCKETS_EPOLL_NOTIFIER UNIX_SOCKETS_OWN_EPOLL

namespace unix_sockets {

// A zero-filled Tcl_ChannelType of version 5 whose obsolete slots say
// "use close2Proc, there is no seekProc" in the spelling each version wants.
// Callers fill in the procs by name, so the table does not depend on the
// slot order, which differs in the types of its members between 8.6 and 9.
inline Tcl_ChannelType makeChannelType(const char* typeName) {
    Tcl_ChannelType type{};
    type.typeName = typeName;
    type.version = TCL_CHANNEL_VERSION_5;
#if TCL_MAJOR_VERSION < 9
    // 8.6 calls closeProc unless it is this marker.
    type.closeProc = TCL_CLOSE2PROC;
#else
    // Tcl 9 requires the unused closeProc and seekProc slots to be NULL.
    type.closeProc = nullptr;
#endif
    return type;
}

// Converts utf (Tcl's internal form) to the system encoding into ds, which
// must be initialised. Returns false if some character cannot be
// represented there. Tcl 9 is asked to be strict, as its own file commands
// are: its default would write a lone surrogate as the bytes of one, a
// name no UTF-8 system accepts. Tcl 8.6 writes a substitute instead, which
// the caller finds by converting back.
inline bool toSystemEncoding(const char* utf, Tcl_Size length, Tcl_DString* ds) {
#if TCL_MAJOR_VERSION >= 9
    return Tcl_UtfToExternalDStringEx(nullptr, nullptr, utf, length,
                                      TCL_ENCODING_PROFILE_STRICT, ds, nullptr) == TCL_OK;
#else
    Tcl_UtfToExternalDString(nullptr, utf, length, ds);
    return true;
#endif
}

// Converts utf (Tcl's internal form) to encoding into ds, which it
// initialises, as channel's output would. Tcl 9 converts under the
// channel's -profile: with strict (its default), a character the encoding
// cannot represent returns false with Tcl's own encoding error in interp.
// Tcl 8.6 has no profiles: it writes a substitute, as its channels do.
inline bool toChannelEncoding(Tcl_Interp* interp, Tcl_Channel channel, Tcl_Encoding encoding,
                              const char* utf, Tcl_Size length, Tcl_DString* ds) {
#if TCL_MAJOR_VERSION >= 9
    struct Profile {
        const char* name;
        int flags;
    };
    static const Profile kProfiles[] = {
        {"strict", TCL_ENCODING_PROFILE_STRICT},
        {"tcl8", TCL_ENCODING_PROFILE_TCL8},
        {"replace", TCL_ENCODING_PROFILE_REPLACE},
    };
    Tcl_DString name;
    Tcl_DStringInit(&name);
    Tcl_GetChannelOption(nullptr, channel, "-profile", &name);
    int flags = TCL_ENCODING_PROFILE_STRICT;
    for (const Profile& profile : kProfiles) {
        if (std::strcmp(Tcl_DStringValue(&name), profile.name) == 0) flags = profile.flags;
    }
    Tcl_DStringFree(&name);
    return Tcl_UtfToExternalDStringEx(interp, encoding, utf, length, flags, ds, nullptr) == TCL_OK;
#else
    (void)interp;
    (void)channel;
    Tcl_UtfToExternalDString(encoding, utf, length, ds);
    return true;
#endif
}

// The bytes of a value that must be a byte string, or nullptr with an error
// in interp (errorCode TCL VALUE BYTES) when a character is above U+00FF.
// Tcl 9 refuses such a value; Tcl 8.6 would keep the low byte of each
// character without a word, so there it is refused the same way.
inline const unsigned char* getBytes(Tcl_Interp* interp, Tcl_Obj* value, Tcl_Size* length) {
#if TCL_MAJOR_VERSION >= 9
    return Tcl_GetBytesFromObj(interp, value, length);
#else
    const int characters = Tcl_GetCharLength(value);
    for (int i = 0; i < characters; ++i) {
        const Tcl_UniChar c = Tcl_GetUniChar(value, i);
        if (c > 0xFF) {
            // Tcl 9's words, offset counted in characters as there.
            Tcl_SetObjResult(interp, Tcl_ObjPrintf("expected code point values below 0xff but "
                                                   "value at byte offset %d was 0x%x",
                                                   i, static_cast<unsigned>(c)));
            Tcl_SetErrorCode(interp, "TCL", "VALUE", "BYTES", static_cast<char*>(nullptr));
            return nullptr;
        }
    }
    return Tcl_GetByteArrayFromObj(value, length);
#endif
}

}  // namespace unix_sockets
