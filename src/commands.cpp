// One ...Cmd per command: parse the arguments, call the modules that do the
// work, and put their errno into words.
#include "commands.hpp"

#include "address.hpp"
#include "listener.hpp"
#include "posix_error.hpp"
#include "stream_channel.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <string>
#include <sys/socket.h>
#include <utility>
#include <vector>

namespace unix_sockets {

namespace {

// ---- Options --------------------------------------------------------------

// One entry of a command's option table: the name as scripts write it and
// the function that stores its value.
template <typename Options>
struct OptionSpec {
    const char* name;
    int (*parse)(Tcl_Interp* interp, Tcl_Obj* value, Options& options);
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
        // positionals >= 1, so two words or more remain: the value is there.
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

int badValue(Tcl_Interp* interp, const char* option, Tcl_Obj* value, const char* must,
             const char* kind) {
    return usageError(
        interp,
        Tcl_ObjPrintf("bad %s value \"%s\": must be %s", option, Tcl_GetString(value), must),
        {"TCL", "VALUE", kind});
}

int parseReplace(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    static const char* const policies[] = {"always", "stale", "never", nullptr};
    static const ReplacePolicy values[] = {ReplacePolicy::Always, ReplacePolicy::Stale,
                                           ReplacePolicy::Never};
    int index = 0;
    if (Tcl_GetIndexFromObj(interp, value, policies, "-replace value", 0, &index) != TCL_OK) {
        return TCL_ERROR;
    }
    options.replace = values[index];
    return TCL_OK;
}

// Reads digits only, in the given base, up to max. Tcl's own integer
// parsing differs between 8.6 and 9 on a leading 0 (octal, then decimal),
// so numeric option values are read here, the same way on both.
bool parseDigits(const char* text, int base, unsigned long max, unsigned long* out) {
    const char* digits = base == 8 ? "01234567" : "0123456789";
    const size_t length = std::strlen(text);
    if (length == 0 || length > 10 || std::strspn(text, digits) != length) return false;
    const unsigned long value = std::strtoul(text, nullptr, base);
    if (value > max) return false;
    *out = value;
    return true;
}

// A mode is octal when it starts with 0 or 0o (0660, 0o660), as `open`
// reads it in Tcl 8.6; otherwise decimal.
int parsePermissions(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    const char* text = Tcl_GetString(value);
    unsigned long mode = 0;
    bool ok = false;
    if (text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) {
        ok = parseDigits(text + 2, 8, 0777, &mode);
    } else {
        ok = parseDigits(text, text[0] == '0' ? 8 : 10, 0777, &mode);
    }
    if (!ok) {
        return badValue(interp, "-permissions", value, "a mode from 0 to 0777 such as 0660",
                        "PERMISSIONS");
    }
    options.setPermissions = true;
    options.permissions = static_cast<mode_t>(mode);
    return TCL_OK;
}

// Whether getpwnam_r or getgrnam_r, having found nothing, says so with
// this value. POSIX does not call "not found" an error and returns 0, but
// some NSS modules return one of these instead (getpwnam_r(3), NOTES);
// any other value is a real failure of the lookup.
bool meansNotFound(int error) {
    return error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM;
}

// A user or group given by name or by decimal number, as chown(1) takes it:
// a number is taken as it is, a name must exist. A lookup that fails (the
// descriptors are used up, the user database cannot be read) is a POSIX
// error, not a name that does not exist.
int lookupId(Tcl_Interp* interp, Tcl_Obj* value, bool isUser, unsigned long* id) {
    const char* name = Tcl_GetString(value);
    // (uid_t)-1 means "leave unchanged" to chown, so it is not an id.
    if (parseDigits(name, 10, 0xFFFFFFFEul, id)) return TCL_OK;
    if (name[0] == '\0' || name[0] == '-') {
        return badValue(interp, isUser ? "-owner" : "-group", value,
                        isUser ? "a user name or number" : "a group name or number", "NUMBER");
    }
    std::vector<char> buffer(16384);
    int error = 0;
    bool found = false;
    for (;;) {
        // These return their error instead of setting errno.
        if (isUser) {
            passwd entry, *result = nullptr;
            error = ::getpwnam_r(name, &entry, buffer.data(), buffer.size(), &result);
            if (result != nullptr) *id = entry.pw_uid;
            found = result != nullptr;
        } else {
            group entry, *result = nullptr;
            error = ::getgrnam_r(name, &entry, buffer.data(), buffer.size(), &result);
            if (result != nullptr) *id = entry.gr_gid;
            found = result != nullptr;
        }
        if (found) return TCL_OK;
        if (error == EINTR) continue;
        if (error == ERANGE && buffer.size() < (1u << 24)) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        break;
    }
    if (!meansNotFound(error)) {
        return posixError(interp, error, isUser ? "look up user" : "look up group", value);
    }
    return usageError(interp,
                      Tcl_ObjPrintf("%s \"%s\" does not exist", isUser ? "user" : "group", name),
                      {"TCL", "LOOKUP", isUser ? "USER" : "GROUP", name});
}

int parseOwner(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    unsigned long id = 0;
    if (lookupId(interp, value, true, &id) != TCL_OK) return TCL_ERROR;
    options.setOwner = true;
    options.owner = static_cast<uid_t>(id);
    return TCL_OK;
}

int parseGroup(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    unsigned long id = 0;
    if (lookupId(interp, value, false, &id) != TCL_OK) return TCL_ERROR;
    options.setGroup = true;
    options.group = static_cast<gid_t>(id);
    return TCL_OK;
}

int parseBacklog(Tcl_Interp* interp, Tcl_Obj* value, ListenOptions& options) {
    unsigned long backlog = 0;
    if (!parseDigits(Tcl_GetString(value), 10, INT_MAX, &backlog)) {
        return badValue(interp, "-backlog", value, "a non-negative integer", "NUMBER");
    }
    options.backlog = static_cast<int>(backlog);
    return TCL_OK;
}

const OptionSpec<ListenOptions> kListenOptions[] = {
    {"-replace", parseReplace}, {"-permissions", parsePermissions}, {"-owner", parseOwner},
    {"-group", parseGroup},     {"-backlog", parseBacklog},         {nullptr, nullptr},
};

// connect has no options yet; the table keeps its parsing like the others'.
struct ConnectOptions {};
const OptionSpec<ConnectOptions> kConnectOptions[] = {
    {nullptr, nullptr},
};

// Converts a script's path to an address, or says why it cannot be one.
int toAddress(Tcl_Interp* interp, Tcl_Obj* path, const char* action, UnixAddress& address) {
    UnixAddress::Problem problem;
    if (UnixAddress::fromObj(path, address, problem)) return TCL_OK;
    return posixError(interp, problem.error, action, path, problem.detail.c_str());
}

int returnChannel(Tcl_Interp* interp, Tcl_Channel channel) {
    Tcl_RegisterChannel(interp, channel);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(Tcl_GetChannelName(channel), -1));
    return TCL_OK;
}

// ---- Commands -------------------------------------------------------------

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

struct CommandSpec {
    const char* name;
    Tcl_ObjCmdProc* proc;
};

const CommandSpec kCommands[] = {
    {"::unix_sockets::listen", listenCmd},
    {"::unix_sockets::connect", connectCmd},
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
