// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The commands of connection sockets: listen and connect.
#include "arguments.hpp"
#include "commands.hpp"
#include "connect_state.hpp"
#include "listener.hpp"
#include "message_channel.hpp"
#include "stream_channel.hpp"

#include <cerrno>
#include <climits>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

int parseBacklog(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    unsigned long backlog = 0;
    if (!parseDigits(Tcl_GetString(value), 10, INT_MAX, &backlog)) {
        return badValue(interp, "-backlog", value, "a non-negative integer", "NUMBER");
    }
    options.backlog = static_cast<int>(backlog);
    return TCL_OK;
}

// The socket types a connection can have: -type of listen and connect.
const char* const kConnectionTypes[] = {"stream", "seqpacket", nullptr};

int parseListenType(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    return parseSocketType(interp, value, kConnectionTypes, &options.type);
}

const OptionSpec<ListenOptions> kListenOptions[] = {
    {"-replace", fileOption<ListenOptions, parseReplace>},
    {"-permissions", fileOption<ListenOptions, parsePermissions>},
    {"-owner", fileOption<ListenOptions, parseOwner>},
    {"-group", fileOption<ListenOptions, parseGroup>},
    {"-backlog", parseBacklog},
    {"-type", parseListenType},
    {nullptr, nullptr},
};

struct ConnectOptions {
    bool async = false;
    int type = SOCK_STREAM;
};

int parseAsync(Tcl_Interp*, Tcl_Obj*, ConnectOptions& options) {
    options.async = true;
    return TCL_OK;
}

int parseConnectType(Tcl_Interp* interp, Tcl_Obj* value, ConnectOptions& options) {
    return parseSocketType(interp, value, kConnectionTypes, &options.type);
}

const OptionSpec<ConnectOptions> kConnectOptions[] = {
    {"-async", parseAsync, true},
    {"-type", parseConnectType},
    {nullptr, nullptr},
};

// Why a blocking connect refused to wait with EDEADLK (connect_state.hpp).
const char* const kOwnBacklogDetail =
    "the listener's backlog is full, and the listener is served by this thread's event loop, "
    "which cannot accept while connect waits; connect -async waits without blocking";

}  // namespace

// unix_sockets::listen ?-option value ...? path accept_handler
int listenCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    static const char* const usage = "?-option value ...? path accept_handler";
    ListenOptions options;
    int first = 0;
    if (parseOptions(interp, objc, objv, 2, usage, kListenOptions, options, &first) != TCL_OK) {
        return TCL_ERROR;
    }
    Tcl_Obj* path = objv[first];
    Tcl_Obj* handler = objv[first + 1];

    if (checkHandler(interp, handler) != TCL_OK) return TCL_ERROR;

    UnixAddress address;
    if (toAddress(interp, path, "listen on", address) != TCL_OK) return TCL_ERROR;
    if (address.kind() == UnixAddress::Kind::Abstract &&
        (options.setPermissions || options.setOwner || options.setGroup)) {
        return posixError(interp, EINVAL, "listen on", path,
                          "an abstract name has no file for -permissions, -owner or -group");
    }

    ListenFailure failure;
    Tcl_Channel channel = createListener(interp, address, path, handler, options, failure);
    if (channel == nullptr) {
        return posixError(interp, failure.error, "listen on", path, failure.detail.c_str());
    }
    return returnChannel(interp, channel);
}

// unix_sockets::connect ?-option value ...? path
int connectCmd(void*, Tcl_Interp* interp, int objc, Tcl_Obj* const objv[]) {
    static const char* const usage = "?-option value ...? path";
    ConnectOptions options;
    int first = 0;
    if (parseOptions(interp, objc, objv, 1, usage, kConnectOptions, options, &first) != TCL_OK) {
        return TCL_ERROR;
    }
    Tcl_Obj* path = objv[first];
    UnixAddress address;
    if (toAddress(interp, path, "connect to", address) != TCL_OK) return TCL_ERROR;

    // Non-blocking from birth for -async: its tries must never block.
    const int flags = SOCK_CLOEXEC | (options.async ? SOCK_NONBLOCK : 0);
    UniqueFd fd(::socket(AF_UNIX, options.type | flags, 0));
    if (!fd) return posixError(interp, errno, "connect to", path, "creating the socket");
    if (options.async) {
        // Even an outcome known at once is the channel's to report, through
        // -error and the writable event, as Tcl's socket -async does.
        return returnChannel(interp, options.type == SOCK_SEQPACKET
                                         ? createConnectingMessageChannel(std::move(fd), address)
                                         : createConnectingChannel(std::move(fd), address));
    }
    if (int error = connectBlocking(fd.get(), address)) {
        return posixError(interp, error, "connect to", path,
                          error == EDEADLK ? kOwnBacklogDetail : nullptr);
    }
    return returnChannel(interp, options.type == SOCK_SEQPACKET
                                     ? createMessageChannel(std::move(fd), SOCK_SEQPACKET)
                                     : createStreamChannel(std::move(fd)));
}

}  // namespace unix_sockets
