// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "address.hpp"

#include <cstddef>
#include <cstring>

namespace unix_sockets {

namespace {

constexpr socklen_t kPathOffset = offsetof(sockaddr_un, sun_path);

// RAII for a Tcl_DString, so every return path frees it.
class DString {
public:
    DString() { Tcl_DStringInit(&ds_); }
    ~DString() { Tcl_DStringFree(&ds_); }
    DString(const DString&) = delete;
    DString& operator=(const DString&) = delete;
    Tcl_DString* get() { return &ds_; }
    const char* data() { return Tcl_DStringValue(&ds_); }
    size_t size() { return static_cast<size_t>(Tcl_DStringLength(&ds_)); }

private:
    Tcl_DString ds_;
};

}  // namespace

UnixAddress::UnixAddress() noexcept : raw_{}, length_(sizeof(sa_family_t)) {
    raw_.sun_family = AF_UNIX;
}

bool UnixAddress::fromObj(Tcl_Obj* name, UnixAddress& out, Problem& problem) {
    Tcl_Size utfLength = 0;
    const char* utf = Tcl_GetStringFromObj(name, &utfLength);
    if (utfLength == 0) {
        problem = {EINVAL, "the path is empty"};
        return false;
    }

    // Tcl keeps U+0000 as the two bytes C0 80 internally; the conversion to
    // the system encoding turns it into a real NUL byte.
    DString encoded;
    const bool encodable = toSystemEncoding(utf, utfLength, encoded.get());
    const char* bytes = encoded.data();
    const size_t size = encoded.size();

    // A character the system encoding cannot represent comes out as a
    // substitute ('?'), which would name some other socket. Converting back
    // shows it, the same way on Tcl 8.6 and 9 (whose conversion flags differ).
    DString roundTrip;
    Tcl_ExternalToUtfDString(nullptr, bytes, static_cast<Tcl_Size>(size), roundTrip.get());
    if (!encodable || roundTrip.size() != static_cast<size_t>(utfLength) ||
        std::memcmp(roundTrip.data(), utf, roundTrip.size()) != 0) {
        problem = {EILSEQ, "the system encoding cannot represent every character of it"};
        return false;
    }

    const bool abstract = bytes[0] == '\0';
    if (!abstract && std::memchr(bytes, '\0', size) != nullptr) {
        problem = {EINVAL, "a filesystem path cannot contain a NUL byte"};
        return false;
    }
    // An abstract name counts its leading NUL, which takes the place of the
    // terminator a path needs: both are limited to kMaxNameBytes + 1 in all.
    const size_t limit = abstract ? kMaxNameBytes + 1 : kMaxNameBytes;
    if (size > limit) {
        problem = {ENAMETOOLONG, std::to_string(size - abstract) + " bytes, the limit is " +
                                     std::to_string(kMaxNameBytes)};
        return false;
    }

    out = UnixAddress();
    std::memcpy(out.raw_.sun_path, bytes, size);
    // A path is passed with its terminating NUL (already zero); an abstract
    // name is exactly its bytes, since every byte of it is significant.
    out.length_ = static_cast<socklen_t>(kPathOffset + size + (abstract ? 0 : 1));
    return true;
}

bool UnixAddress::fromBytes(const char* bytes, size_t size, UnixAddress& out) noexcept {
    if (size == 0 || size > kMaxNameBytes || std::memchr(bytes, '\0', size) != nullptr) {
        return false;
    }
    out = UnixAddress();
    std::memcpy(out.raw_.sun_path, bytes, size);
    out.length_ = static_cast<socklen_t>(kPathOffset + size + 1);
    return true;
}

UnixAddress UnixAddress::fromSockaddr(const sockaddr_un& raw, socklen_t length) noexcept {
    UnixAddress address;
    if (length > sizeof(raw)) length = sizeof(raw);
    if (length <= kPathOffset) return address;
    std::memcpy(&address.raw_, &raw, length);
    address.raw_.sun_family = AF_UNIX;
    address.length_ = length;
    return address;
}

UnixAddress::Kind UnixAddress::kind() const noexcept {
    if (length_ <= kPathOffset) return Kind::Unnamed;
    return raw_.sun_path[0] == '\0' ? Kind::Abstract : Kind::Path;
}

Tcl_Obj* UnixAddress::toObj() const {
    size_t size = 0;
    switch (kind()) {
    case Kind::Unnamed:
        return Tcl_NewObj();
    case Kind::Abstract:
        size = length_ - kPathOffset;
        break;
    case Kind::Path:
        // The kernel may or may not count the terminator; a path that fills
        // sun_path entirely has none.
        size = strnlen(raw_.sun_path, length_ - kPathOffset);
        break;
    }
    DString utf;
    Tcl_ExternalToUtfDString(nullptr, raw_.sun_path, static_cast<Tcl_Size>(size), utf.get());
    return Tcl_NewStringObj(utf.data(), static_cast<Tcl_Size>(utf.size()));
}

Tcl_Obj* displayName(Tcl_Obj* name) {
    Tcl_Size length = 0;
    const char* utf = Tcl_GetStringFromObj(name, &length);
    Tcl_Obj* shown = Tcl_NewObj();
    const char* end = utf + length;
    const char* run = utf;
    for (const char* p = utf; p < end; ++p) {
        // U+0000 is C0 80 in Tcl's internal form.
        if (static_cast<unsigned char>(p[0]) == 0xC0 && p + 1 < end &&
            static_cast<unsigned char>(p[1]) == 0x80) {
            Tcl_AppendToObj(shown, run, static_cast<Tcl_Size>(p - run));
            Tcl_AppendToObj(shown, "\\0", 2);
            run = ++p + 1;
        }
    }
    Tcl_AppendToObj(shown, run, static_cast<Tcl_Size>(end - run));
    return shown;
}

namespace {

template <typename Getter>
int readAddress(Getter getter, int fd, UnixAddress& out) noexcept {
    sockaddr_un raw{};
    socklen_t length = sizeof(raw);
    if (getter(fd, reinterpret_cast<sockaddr*>(&raw), &length) != 0) return errno;
    out = UnixAddress::fromSockaddr(raw, length);
    return 0;
}

}  // namespace

int localAddress(int fd, UnixAddress& out) noexcept { return readAddress(::getsockname, fd, out); }

int peerAddress(int fd, UnixAddress& out) noexcept { return readAddress(::getpeername, fd, out); }

}  // namespace unix_sockets
