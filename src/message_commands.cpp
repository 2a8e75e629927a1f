// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The commands that make message sockets: pair and datagram.
#include "arguments.hpp"
#include "commands.hpp"
#include "event_source.hpp"
#include "message_channel.hpp"
#include "stream_channel.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

struct PairOptions {
    int type = SOCK_STREAM;
};

int parsePairType(Tcl_Interp* interp, Tcl_Obj* value, PairOptions& options) {
    static const char* const types[] = {"stream", "seqpacket", "datagram", nullptr};
    return parseSocketType(interp, value, types, &options.type);
}

const OptionSpec<PairOptions> kPairOptions[] = {
    {"-type", parsePairType},
    {nullptr, nullptr},
};

struct DatagramOptions : FileOptions {
    bool hasRemote = false;
    UnixAddress remote;
};

// -remote {} is no destination, as with chan configure.
int parseRemote(Tcl_Interp* interp, Tcl_Obj* value, DatagramOptions& options) {
    Tcl_Size length = 0;
    Tcl_GetStringFromObj(value, &length);
    options.hasRemote = length > 0;
    if (!options.hasRemote) return TCL_OK;
    return toAddress(interp, value, "set -remote to", options.remote);
}

const OptionSpec<DatagramOptions> kDatagramOptions[] = {
    {"-replace", fileOption<DatagramOptions, parseReplace>},
    {"-permissions", fileOption<DatagramOptions, parsePermissions>},
    {"-owner", fileOption<DatagramOptions, parseOwner>},
    {"-group", fileOption<DatagramOptions, parseGroup>},
    {"-remote", parseRemote},
    {nullptr, nullptr},
};

// Whether the words after the command end in a path. Every datagram option
// takes a value, so the options, with a `--` that ends them, are an even
// number of words before it.
int datagramPositionals(int objc, Tcl_Obj* const objv[]) {
    int words = objc - 1;
    for (int i = 1; i < objc && Tcl_GetString(objv[i])[0] == '-'; i += 2) {
        if (std::strcmp(Tcl_GetString(objv[i]), "--") == 0) {
            --words;
            break;
        }
    }
    return words % 2;
}

Tcl_Channel connectedChannel(UniqueFd fd, int type) {
    return type == SOCK_STREAM ? createStreamChannel(std::move(fd))
                               : createMessageChannel(std::move(fd), type);
}

}  // namespace

// unix_sockets::pair ?-type stream|seqpacket|datagram?
int pairCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    static const char* const usage = "?-type stream|seqpacket|datagram?";
    PairOptions options;
    int first = 0;
    if (parseOptions(interp, objc, objv, 0, usage, kPairOptions, options, &first) != TCL_OK) {
        return TCL_ERROR;
    }
    int ends[2];
    if (::socketpair(AF_UNIX, options.type | SOCK_CLOEXEC, 0, ends) != 0) {
        return posixError(interp, errno, "create a socket pair", "");
    }
    UniqueFd one(ends[0]);
    UniqueFd other(ends[1]);
    Tcl_Obj* result = Tcl_NewListObj(0, nullptr);
    for (UniqueFd* end : {&one, &other}) {
        Tcl_Channel channel = connectedChannel(std::move(*end), options.type);
        Tcl_RegisterChannel(interp, channel);
        Tcl_ListObjAppendElement(nullptr, result,
                                 Tcl_NewStringObj(Tcl_GetChannelName(channel), -1));
    }
    Tcl_SetObjResult(interp, result);
    return TCL_OK;
}

// unix_sockets::datagram ?-option value ...? ?path?
int datagramCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    static const char* const usage = "?-option value ...? ?path?";
    DatagramOptions options;
    int first = 0;
    if (parseOptions(interp, objc, objv, datagramPositionals(objc, objv), usage,
                     kDatagramOptions, options, &first) != TCL_OK) {
        return TCL_ERROR;
    }
    Tcl_Obj* path = first < objc ? objv[first] : nullptr;
    UnixAddress address;
    if (path != nullptr) {
        if (toAddress(interp, path, "bind to", address) != TCL_OK) return TCL_ERROR;
        if (address.kind() == UnixAddress::Kind::Abstract &&
            (options.setPermissions || options.setOwner || options.setGroup)) {
            return posixError(interp, EINVAL, "bind to", path,
                              "an abstract name has no file for -permissions, -owner or -group");
        }
    }
    // With no path the words are the socket's, not a file's.
    auto fail = [&](int error, const char* detail) {
        return path != nullptr ? posixError(interp, error, "bind to", path, detail)
                               : posixError(interp, error, "create a datagram socket", detail);
    };
    if (path == nullptr && (options.setPermissions || options.setOwner || options.setGroup)) {
        return posixError(interp, EINVAL, "create a datagram socket",
                          "-permissions, -owner and -group need a path");
    }

    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return fail(errno, "creating the socket");
    // Known now, before anything at the path is touched (as for listen).
    if (int error = prepareWatch(fd.get())) {
        return fail(error, "no descriptor below 1024 is left for Tcl 8.6's event loop");
    }
    SocketFile file;
    if (path != nullptr) {
        SetupFailure failure;
        auto nothingMore = [](int) { return 0; };
        if (!bindSocket(fd.get(), SOCK_DGRAM, address, options, nothingMore, file, failure)) {
            return fail(failure.error, failure.detail.c_str());
        }
    } else {
        // Linux autobinds to a fresh abstract name when given only the
        // family, so that whoever receives from it can answer.
        const UnixAddress unnamed;
        if (::bind(fd.get(), unnamed.sockaddrPtr(), unnamed.length()) != 0) {
            return fail(errno, "binding it to a name of its own");
        }
    }
    const UnixAddress* remote = options.hasRemote ? &options.remote : nullptr;
    return returnChannel(interp, createDatagramChannel(std::move(fd), std::move(file), remote));
}

}  // namespace unix_sockets
