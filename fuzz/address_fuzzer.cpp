// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Fuzz target: addresses (src/address.cpp).
//
// Feeds UnixAddress::fromObj every kind of value a script can pass as a
// path (text, byte arrays, code points with NUL, surrogates, characters
// the system encoding lacks, any length), and fromSockaddr whatever a
// system call could return, under a UTF-8 and a byte-transparent system
// encoding. Besides crashes and sanitizer reports it fails on a broken
// promise of address.hpp:
//  - an address that fromObj accepts fits sockaddr_un, is a path or an
//    abstract name as its first byte says, and a path is NUL-terminated;
//  - toObj gives back exactly the value fromObj was given;
//  - a refusal carries an errno and words;
//  - displayName leaves no NUL (C0 80) in the name it shows;
//  - under a byte-transparent encoding, what fromSockaddr wraps is named
//    again by fromObj(toObj()) (except a path that fills sun_path with no
//    terminator, which is longer than any path fromObj may make).
#include "address.hpp"
#include "fuzz_tcl.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

using unix_sockets::UnixAddress;

namespace {

constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);

// The name bytes of an address that names something: all of an abstract
// name, a path up to its terminator.
std::string nameBytes(const UnixAddress& address) {
    const auto* raw = reinterpret_cast<const sockaddr_un*>(address.sockaddrPtr());
    const std::size_t size = address.length() - kPathOffset;
    if (address.kind() == UnixAddress::Kind::Abstract) return std::string(raw->sun_path, size);
    return std::string(raw->sun_path, strnlen(raw->sun_path, size));
}

void checkAccepted(const UnixAddress& address, Tcl_Obj* given) {
    if (address.length() <= kPathOffset || address.length() > sizeof(sockaddr_un)) {
        fuzz::fail("accepted address has a length outside sockaddr_un",
                   std::to_string(address.length()));
    }
    const auto* raw = reinterpret_cast<const sockaddr_un*>(address.sockaddrPtr());
    if (raw->sun_family != AF_UNIX) fuzz::fail("accepted address is not AF_UNIX");
    const std::size_t size = address.length() - kPathOffset;
    switch (address.kind()) {
    case UnixAddress::Kind::Unnamed:
        fuzz::fail("fromObj accepted a value as the unnamed address");
    case UnixAddress::Kind::Path:
        // Passed with its terminator, and no NUL before it.
        if (raw->sun_path[size - 1] != '\0' || std::strlen(raw->sun_path) != size - 1) {
            fuzz::fail("accepted path is not exactly its bytes and a NUL");
        }
        break;
    case UnixAddress::Kind::Abstract:
        break;
    }
    fuzz::Ref back(address.toObj());
    if (fuzz::text(back.get()) != fuzz::text(given)) {
        fuzz::fail("toObj does not give back the value fromObj accepted");
    }
}

void checkRefused(const UnixAddress::Problem& problem) {
    if (problem.error != EINVAL && problem.error != EILSEQ && problem.error != ENAMETOOLONG) {
        fuzz::fail("refusal with an unexpected errno", std::to_string(problem.error));
    }
    if (problem.detail.empty()) fuzz::fail("refusal without words");
}

void checkDisplayName(Tcl_Obj* name) {
    fuzz::Ref shown(unix_sockets::displayName(name));
    const std::string bytes = fuzz::text(shown.get());
    if (bytes.find("\xC0\x80") != std::string::npos) fuzz::fail("displayName left a NUL");
}

// fromSockaddr over anything a kernel (or a bug) could hand back.
void checkFromSockaddr(FuzzedDataProvider& input, fuzz::SystemEncoding encoding) {
    sockaddr_un raw{};
    const std::string bytes = input.ConsumeBytesAsString(sizeof raw);
    std::memcpy(&raw, bytes.data(), bytes.size());
    // Lengths past the structure too: a caller's bug must not read beyond it.
    const auto length = input.ConsumeIntegralInRange<socklen_t>(0, sizeof raw + 16);
    const UnixAddress address = UnixAddress::fromSockaddr(raw, length);
    if (address.length() > sizeof(sockaddr_un)) fuzz::fail("fromSockaddr kept a length too long");
    fuzz::Ref value(address.toObj());
    if (address.kind() == UnixAddress::Kind::Unnamed) {
        if (Tcl_GetCharLength(value.get()) != 0) fuzz::fail("unnamed address has a name");
        return;
    }
    if (encoding != fuzz::SystemEncoding::Latin1) return;
    const std::string name = nameBytes(address);
    if (address.kind() == UnixAddress::Kind::Path && name.size() > UnixAddress::kMaxNameBytes) {
        return;
    }
    if (address.kind() == UnixAddress::Kind::Path && name.empty()) return;
    UnixAddress again;
    UnixAddress::Problem problem;
    if (!UnixAddress::fromObj(value.get(), again, problem)) {
        fuzz::fail("fromObj refuses what toObj made of a kernel address", problem.detail);
    }
    if (again.kind() != address.kind() || nameBytes(again) != name) {
        fuzz::fail("fromObj(toObj()) names another socket");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::interp();
    FuzzedDataProvider input(data, size);
    const fuzz::SystemEncoding encoding = fuzz::chooseSystemEncoding(input);
    if (input.ConsumeBool()) {
        checkFromSockaddr(input, encoding);
        return 0;
    }
    fuzz::Ref name(fuzz::makeValue(input));
    UnixAddress address;
    UnixAddress::Problem problem;
    if (UnixAddress::fromObj(name.get(), address, problem)) {
        checkAccepted(address, name.get());
    } else {
        checkRefused(problem);
    }
    checkDisplayName(name.get());
    // fromBytes: bytes already in the system encoding (a path from argv).
    const std::string bytes = input.ConsumeRemainingBytesAsString();
    UnixAddress fromBytes;
    if (UnixAddress::fromBytes(bytes.data(), bytes.size(), fromBytes)) {
        if (fromBytes.kind() != UnixAddress::Kind::Path || nameBytes(fromBytes) != bytes) {
            fuzz::fail("fromBytes made something other than the path it was given");
        }
    }
    return 0;
}
