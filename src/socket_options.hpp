// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The read-only channel options every socket channel type answers
// (-peername, -sockname, -peercred, -error), and the table lookup behind
// getOptionProc.
#pragma once

#include "tcl_compat.hpp"

namespace unix_sockets {

class ConnectState;

// What an option reader may look at: the descriptor, and where a channel
// keeps the error -error reports (one input turned into end of file, or one
// SO_ERROR already read), or nullptr if it keeps none; and the state of its
// connect, for a channel that `connect -async` may have made.
struct OptionSource {
    int fd;
    int* keptError;
    const ConnectState* connect = nullptr;
    // The channel's SocketChannel (socket_channel.hpp), for the options of
    // one channel type (-remote and -peer of a datagram channel).
    const void* state = nullptr;
};

// Reads one option's value. Returns 0 or an errno.
using OptionReader = int (*)(const OptionSource& source, Tcl_Obj** value);

struct ReadOnlyOption {
    const char* name;  // with its dash, as scripts write it
    OptionReader read;
    // Whether `chan configure $chan` lists it. An option that can never
    // have a value on this channel type (-peercred of a listener) is left
    // out of the listing and of the names an unknown option's message
    // offers, as Tcl leaves -peername out for a server socket, and answers
    // with its error when asked for by name.
    bool listed = true;
};

int readPeername(const OptionSource& source, Tcl_Obj** value);
int readSockname(const OptionSource& source, Tcl_Obj** value);
int readError(const OptionSource& source, Tcl_Obj** value);
// 1 while an async connect goes on, else 0.
int readConnecting(const OptionSource& source, Tcl_Obj** value);
// The peer's credentials as of connect time (credentials.hpp); ENOTCONN
// for a socket that has no peer.
int readPeercred(const OptionSource& source, Tcl_Obj** value);

// A getOptionProc over a table ended by {nullptr, nullptr}. With no option
// name, lists every listed option and its value and never fails (a value that
// cannot be read is listed as {}); with one, accepts its exact name or an
// unambiguous prefix, and lists the valid names when it matches none.
int getTableOption(const ReadOnlyOption* table, const OptionSource& source, Tcl_Channel channel,
                   Tcl_Interp* interp, const char* optionName, Tcl_DString* result);

// Tcl's "bad option" error for a name the channel does not have, listing
// optionList (names without dashes, as Tcl_BadChannelOption takes them)
// after Tcl's own, with the errorCode {TCL LOOKUP INDEX option <name>} of
// Tcl_GetIndexFromObj: Tcl_BadChannelOption leaves errorCode NONE.
int badChannelOption(Tcl_Interp* interp, const char* optionName, const char* optionList);

// The setOptionProc of a channel whose own options are all read-only.
// Without one Tcl reports such a name itself, with errorCode NONE.
int refuseOptionProc(void* instanceData, Tcl_Interp* interp, const char* optionName,
                     const char* value);

}  // namespace unix_sockets
