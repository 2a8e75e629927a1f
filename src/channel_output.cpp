// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "channel_output.hpp"

#include <cstring>

namespace unix_sockets {

namespace {

// A channel option's value as Tcl reports it; for an option with a value
// per direction (-translation of a channel open both ways), the output's,
// which Tcl lists last.
std::string outputOption(Tcl_Channel channel, const char* option) {
    Tcl_DString value;
    Tcl_DStringInit(&value);
    std::string result;
    if (Tcl_GetChannelOption(nullptr, channel, option, &value) == TCL_OK) {
        Tcl_Size count = 0;
        const char** words = nullptr;
        if (Tcl_SplitList(nullptr, Tcl_DStringValue(&value), &count, &words) == TCL_OK) {
            if (count > 0) result = words[count - 1];
            Tcl_Free(reinterpret_cast<char*>(words));
        }
    }
    Tcl_DStringFree(&value);
    return result;
}

// What a newline becomes on output, by -translation. Output never reports
// auto (Tcl resolves it to lf here) nor binary (lf, with a binary encoding).
struct LineEnd {
    const char* translation;
    const char* bytes;
};
const LineEnd kLineEnds[] = {
    {"cr", "\r"},
    {"crlf", "\r\n"},
};

// The line end that replaces "\n", or nullptr when "\n" stays.
const char* lineEndFor(const std::string& translation) {
    for (const LineEnd& end : kLineEnds) {
        if (translation == end.translation) return end.bytes;
    }
    return nullptr;
}

// text with every "\n" replaced by lineEnd. A newline is one byte in Tcl's
// internal UTF-8 and in a byte string alike, never part of another
// character.
std::string translated(const char* text, std::size_t size, const char* lineEnd) {
    std::string result;
    result.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        if (text[i] == '\n') {
            result += lineEnd;
        } else {
            result += text[i];
        }
    }
    return result;
}

// Tcl 8.6 says "binary" for a channel set to -translation binary; Tcl 9
// says iso8859-1, and lf as the translation.
bool isBinary(const std::string& encoding, const std::string& translation) {
    return encoding == "binary" || (encoding == "iso8859-1" && translation == "lf");
}

}  // namespace

bool channelBytes(Tcl_Interp* interp, Tcl_Channel channel, Tcl_Obj* value, std::string& bytes) {
    const std::string encodingName = outputOption(channel, "-encoding");
    const std::string translation = outputOption(channel, "-translation");
    const char* lineEnd = lineEndFor(translation);
    if (isBinary(encodingName, translation)) {
        Tcl_Size size = 0;
        const unsigned char* data = getBytes(interp, value, &size);
        if (data == nullptr) return false;
        const char* text = reinterpret_cast<const char*>(data);
        bytes = lineEnd != nullptr ? translated(text, static_cast<std::size_t>(size), lineEnd)
                                   : std::string(text, static_cast<std::size_t>(size));
        return true;
    }
    Tcl_Encoding encoding = Tcl_GetEncoding(interp, encodingName.c_str());
    if (encoding == nullptr) return false;
    Tcl_Size length = 0;
    const char* utf = Tcl_GetStringFromObj(value, &length);
    Tcl_DString encoded;
    // The text as given first, so that an error names the index of the
    // character in it; translated, the same characters encode alike.
    bool ok = toChannelEncoding(interp, channel, encoding, utf, length, &encoded);
    if (ok && lineEnd != nullptr && std::memchr(utf, '\n', static_cast<std::size_t>(length))) {
        Tcl_DStringFree(&encoded);
        const std::string text = translated(utf, static_cast<std::size_t>(length), lineEnd);
        ok = toChannelEncoding(interp, channel, encoding, text.data(),
                               static_cast<Tcl_Size>(text.size()), &encoded);
    }
    if (ok) {
        bytes.assign(Tcl_DStringValue(&encoded),
                     static_cast<std::size_t>(Tcl_DStringLength(&encoded)));
    }
    Tcl_DStringFree(&encoded);
    Tcl_FreeEncoding(encoding);
    return ok;
}

}  // namespace unix_sockets
