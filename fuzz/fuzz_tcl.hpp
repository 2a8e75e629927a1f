// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// What the fuzz targets share: one Tcl interpreter for the whole run and
// Tcl values made from fuzz input the ways a script or the system can make
// them.
//
// A target is a program, not an extension, so it links the real libtcl and
// calls it directly (no stubs table to initialise). Values are always made
// through Tcl's own constructors: a script can only ever hand a command a
// well-formed Tcl_Obj, so raw bytes pushed into a string's internal form
// would find bugs in Tcl, not here.
#pragma once

#include "tcl_compat.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

namespace fuzz {

// Fails the run: libFuzzer keeps the input that got here as a crash.
[[noreturn]] inline void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "fuzz invariant broken: %s%s%s\n", what, detail.empty() ? "" : ": ",
                 detail.c_str());
    std::abort();
}

inline Tcl_Interp* interp() {
    static Tcl_Interp* const created = [] {
        Tcl_FindExecutable("fuzz");
        return Tcl_CreateInterp();
    }();
    return created;
}

// The system encodings a target runs under, chosen per input: a UTF-8
// system (the usual one) and a byte-transparent one.
enum class SystemEncoding { Utf8, Latin1 };

inline SystemEncoding chooseSystemEncoding(FuzzedDataProvider& input) {
    // Loaded once and held, so switching does not reread encoding files.
    static const Tcl_Encoding utf8 = Tcl_GetEncoding(nullptr, "utf-8");
    static const Tcl_Encoding latin1 = Tcl_GetEncoding(nullptr, "iso8859-1");
    if (utf8 == nullptr || latin1 == nullptr) fail("Tcl's encodings are not installed");
    const bool useLatin1 = input.ConsumeBool();
    Tcl_SetSystemEncoding(nullptr, useLatin1 ? "iso8859-1" : "utf-8");
    return useLatin1 ? SystemEncoding::Latin1 : SystemEncoding::Utf8;
}

// Bytes in the system encoding (a value read from a file, the environment
// or a system call) as a Tcl string.
inline Tcl_Obj* fromExternal(const std::string& bytes) {
    Tcl_DString ds;
    Tcl_ExternalToUtfDString(nullptr, bytes.data(), static_cast<Tcl_Size>(bytes.size()), &ds);
    Tcl_Obj* value = Tcl_NewStringObj(Tcl_DStringValue(&ds), Tcl_DStringLength(&ds));
    Tcl_DStringFree(&ds);
    return value;
}

// A value as a script can pass one: text decoded from the system
// encoding, a byte array, or characters by code point (any of them, NUL
// and lone surrogates included, as \u escapes make them). Refcount 0.
inline Tcl_Obj* makeValue(FuzzedDataProvider& input, std::size_t maxBytes = 512) {
    switch (input.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
        return fromExternal(input.ConsumeRandomLengthString(maxBytes));
    case 1: {
        const std::string bytes = input.ConsumeRandomLengthString(maxBytes);
        return Tcl_NewByteArrayObj(reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<Tcl_Size>(bytes.size()));
    }
    default: {
        std::vector<Tcl_UniChar> chars;
        const std::size_t count = input.ConsumeIntegralInRange<std::size_t>(0, maxBytes / 2);
        for (std::size_t i = 0; i < count && input.remaining_bytes() > 0; ++i) {
            // Mostly ASCII and NUL, which are what addresses and options
            // are made of; sometimes any character Tcl_UniChar holds (up
            // to U+FFFF on Tcl 8.6, U+10FFFF on 9; a script can make no
            // other, and Tcl 9 writes past its buffer for one beyond).
            constexpr long kMax = sizeof(Tcl_UniChar) > 2 ? 0x10FFFF : 0xFFFF;
            chars.push_back(static_cast<Tcl_UniChar>(
                input.ConsumeBool() ? input.ConsumeIntegral<std::uint8_t>()
                                    : input.ConsumeIntegralInRange<long>(0, kMax)));
        }
        return Tcl_NewUnicodeObj(chars.data(), static_cast<Tcl_Size>(chars.size()));
    }
    }
}

// Holds a reference to a value for the scope of one input.
class Ref {
public:
    explicit Ref(Tcl_Obj* obj) : obj_(obj) { Tcl_IncrRefCount(obj_); }
    ~Ref() { Tcl_DecrRefCount(obj_); }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    Tcl_Obj* get() const { return obj_; }

private:
    Tcl_Obj* obj_;
};

inline std::string text(Tcl_Obj* value) {
    Tcl_Size length = 0;
    const char* bytes = Tcl_GetStringFromObj(value, &length);
    return std::string(bytes, static_cast<std::size_t>(length));
}

// The errorCode a command that returned code has left, as a string
// ("NONE" when it set none).
inline std::string errorCode(Tcl_Interp* interp, int code) {
    Tcl_Obj* options = Tcl_GetReturnOptions(interp, code);
    Tcl_IncrRefCount(options);
    Tcl_Obj* key = Tcl_NewStringObj("-errorcode", -1);
    Tcl_IncrRefCount(key);
    Tcl_Obj* value = nullptr;
    Tcl_DictObjGet(nullptr, options, key, &value);
    std::string result = value != nullptr ? text(value) : "NONE";
    Tcl_DecrRefCount(key);
    Tcl_DecrRefCount(options);
    return result;
}

}  // namespace fuzz
