// The commands of connection sockets: listen and connect.
#include "arguments.hpp"
#include "commands.hpp"
#include "listener.hpp"
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

const OptionSpec<ListenOptions> kListenOptions[] = {
    {"-replace", fileOption<ListenOptions, parseReplace>},
    {"-permissions", fileOption<ListenOptions, parsePermissions>},
    {"-owner", fileOption<ListenOptions, parseOwner>},
    {"-group", fileOption<ListenOptions, parseGroup>},
    {"-backlog", parseBacklog},
    {nullptr, nullptr},
};

// connect has no options yet; the table keeps its parsing like the others'.
struct ConnectOptions {};
const OptionSpec<ConnectOptions> kConnectOptions[] = {
    {nullptr, nullptr},
};

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

    Tcl_Size words = 0;
    if (Tcl_ListObjLength(interp, handler, &words) != TCL_OK) return TCL_ERROR;
    if (words == 0) {
        return usageError(interp, Tcl_NewStringObj("the accept handler is empty", -1),
                          {"TCL", "VALUE", "HANDLER"});
    }

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

    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return posixError(interp, errno, "connect to", path, "creating the socket");
    // A Unix stream connect that a signal interrupts leaves nothing half
    // done (unlike TCP's, which goes on in the background): just retry.
    int result = 0;
    do {
        result = ::connect(fd.get(), address.sockaddrPtr(), address.length());
    } while (result != 0 && errno == EINTR);
    if (result != 0) return posixError(interp, errno, "connect to", path);
    return returnChannel(interp, createStreamChannel(std::move(fd)));
}

}  // namespace unix_sockets
