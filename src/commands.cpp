// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The package's commands, by name: each family's ...Cmd lives in a file of
// its own (socket_commands.cpp: listen and connect; adopt_command.cpp:
// adopt; notifier_command.cpp: notifier).
#include "commands.hpp"

namespace unix_sockets {

namespace {

struct CommandSpec {
    const char* name;
    Tcl_ObjCmdProc* proc;
};

const CommandSpec kCommands[] = {
    {"::unix_sockets::listen", listenCmd},
    {"::unix_sockets::connect", connectCmd},
    {"::unix_sockets::adopt", adoptCmd},
    {"::unix_sockets::pair", pairCmd},
    {"::unix_sockets::datagram", datagramCmd},
    {"::unix_sockets::sendchannels", sendChannelsCmd},
    {"::unix_sockets::recvchannels", recvChannelsCmd},
    {"::unix_sockets::notifier", notifierCmd},
};

}  // namespace

int createCommands(Tcl_Interp* interp) {
    for (const CommandSpec& command : kCommands) {
        if (Tcl_CreateObjCommand(interp, command.name, command.proc, nullptr, nullptr) == nullptr) {
            return TCL_ERROR;
        }
    }
    return TCL_OK;
}

}  // namespace unix_sockets
