// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Argument parsing shared by every command: option tables, the values of
// options several commands take, and paths to addresses.
#pragma once

#include "address.hpp"
#include "posix_error.hpp"
#include "socket_file.hpp"
#include "tcl_compat.hpp"

#include <cstring>
#include <utility>
#include <vector>

namespace unix_sockets {

// One entry of a command's option table: the name as scripts write it, the
// function that stores its value, and whether it takes one (a flag such as
// -async does not: its parse function gets nullptr).
template <typename Options>
struct OptionSpec {
    const char* name;
    int (*parse)(Tcl_Interp* interp, Tcl_Obj* value, Options& options);
    bool flag = false;
};

// Parses the options of a command that ends in `positionals` positional
// arguments, by Tcl's socket rule: the options end at `--` or at the first
// word that does not begin with a dash. A word is only taken for an option
// while more than `positionals` words remain, so a path that begins with a
// dash needs no `--` where a positional stands. Exactly `positionals` words
// must then remain, else it is a wrong # args; leaves the index of the first
// in *first. Names are checked as they come, values only once every word is
// known to be in its place: a forgotten argument is a wrong # args, not a
// bad value.
template <typename Options>
int parseOptions(Tcl_Interp* interp, int objc, Tcl_Obj* const objv[], int positionals,
                 const char* usage, const OptionSpec<Options>* table, Options& options,
                 int* first) {
    std::vector<std::pair<int, Tcl_Obj*>> given;  // table index and value, in order
    int i = 1;
    while (objc - i > positionals) {
        const char* word = Tcl_GetString(objv[i]);
        if (word[0] != '-') break;
        if (std::strcmp(word, "--") == 0) {
            ++i;
            break;
        }
        if (table[0].name == nullptr) {
            return usageError(interp,
                              Tcl_ObjPrintf("bad option \"%s\": %s takes no options", word,
                                            Tcl_GetString(objv[0])),
                              {"TCL", "LOOKUP", "INDEX", "option", word});
        }
        int index = 0;
        if (Tcl_GetIndexFromObjStruct(interp, objv[i], table, sizeof(table[0]), "option", 0,
                                      &index) != TCL_OK) {
            return TCL_ERROR;
        }
        if (table[index].flag) {
            given.emplace_back(index, nullptr);
            i += 1;
            continue;
        }
        // A value is taken only while more than `positionals` words follow,
        // so a forgotten positional is a wrong # args, not a bad value.
        if (objc - (i + 1) <= positionals) break;
        given.emplace_back(index, objv[i + 1]);
        i += 2;
    }
    if (objc - i != positionals) {
        Tcl_WrongNumArgs(interp, 1, objv, usage);
        return TCL_ERROR;
    }
    for (const auto& [index, value] : given) {
        if (table[index].parse(interp, value, options) != TCL_OK) return TCL_ERROR;
    }
    *first = i;
    return TCL_OK;
}

// Leaves "bad <option> value "<value>": must be <must>" with errorCode
// {TCL VALUE <kind>}. Returns TCL_ERROR.
int badValue(Tcl_Interp* interp, const char* option, Tcl_Obj* value, const char* must,
             const char* kind);

// Reads digits only, in the given base, up to max, the same way on Tcl 8.6
// and 9 (whose own integer parsing differs on a leading 0).
bool parseDigits(const char* text, int base, unsigned long max, unsigned long* out);

// The values of the socket-file options (-replace, -permissions, -owner,
// -group), for every command that binds a path.
int parseReplace(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options);
int parsePermissions(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options);
int parseOwner(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options);
int parseGroup(Tcl_Interp* interp, Tcl_Obj* value, FileOptions& options);

// Lets a parser of FileOptions stand in the table of options that derive
// from them: {"-replace", fileOption<ListenOptions, parseReplace>}.
template <typename Options, int (*Parse)(Tcl_Interp*, Tcl_Obj*, FileOptions&)>
int fileOption(Tcl_Interp* interp, Tcl_Obj* value, Options& options) {
    return Parse(interp, value, options);
}

// The value of -type: one of the names in `allowed` (a subset of stream,
// seqpacket, datagram), stored as SOCK_STREAM and so on.
int parseSocketType(Tcl_Interp* interp, Tcl_Obj* value, const char* const allowed[], int* type);

// Checks that an accept handler is a non-empty list (a command prefix).
int checkHandler(Tcl_Interp* interp, Tcl_Obj* handler);

// Converts a script's path to an address, or says why it cannot be one.
int toAddress(Tcl_Interp* interp, Tcl_Obj* path, const char* action, UnixAddress& address);

// Registers a new channel in the interpreter and makes its name the result.
int returnChannel(Tcl_Interp* interp, Tcl_Channel channel);

}  // namespace unix_sockets
