// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// Making, replacing and removing socket files.
//
// Replacing a live socket is where a failure hurts: once the old file is
// unlinked, the server behind it is unreachable at that path. There are two
// ways to never lose it:
//
//  - bind under a scratch name, set everything up, then rename() over the
//    path: atomic, but the kernel keeps the scratch name as the socket's own,
//    so -sockname and every client's -peername would name a file that no
//    longer exists;
//  - rehearse: do every step that can fail on a scratch socket of the same
//    type in the same directory, and remove the old file only once they have
//    all succeeded there; then do them again for real.
//
// We rehearse, so that the socket's name is its path. What remains: the path
// is empty for the moment between the unlink and the bind (a client
// connecting just then gets ENOENT), and a failure the rehearsal cannot
// foresee (another process binding the path in that moment, the filesystem
// filling up) still costs the old file, though then the path is not left
// empty by us alone. Without anything at the path there is nothing to lose,
// and no rehearsal.
#include "socket_file.hpp"

#include "unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// fchmodat2 (Linux 6.6) changes the mode of the file an O_PATH descriptor
// names. Older C libraries do not know its number, which is the same on
// every architecture with the generic system call table.
#if defined(__linux__) && !defined(SYS_fchmodat2) &&                                     \
    (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
     defined(__riscv) || defined(__loongarch__))
#define SYS_fchmodat2 452
#endif

namespace unix_sockets {

void SocketFile::removeIfOurs() {
    struct stat now;
    if (made && ::lstat(path.c_str(), &now) == 0 && S_ISSOCK(now.st_mode) &&
        now.st_dev == device && now.st_ino == inode) {
        ::unlink(path.c_str());
    }
    made = false;
}

namespace {

// The process's umask, from /proc/self/status (Linux 4.7 and later), or -1
// when it cannot be read there. umask() itself would change it meanwhile
// for every thread of the process.
int processUmask() {
    UniqueFd status(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    if (!status) return -1;
    char buffer[4096];
    const ssize_t length = ::read(status.get(), buffer, sizeof(buffer) - 1);
    if (length <= 0) return -1;
    buffer[length] = '\0';
    const char* line = std::strstr(buffer, "\nUmask:");
    if (line == nullptr) return -1;
    char* end = nullptr;
    const long mask = std::strtol(line + 7, &end, 8);
    return end == line + 7 || mask < 0 || mask > 0777 ? -1 : static_cast<int>(mask);
}

// The options as they are carried out. A file whose group is still to be
// set is born without the group's bits (see prepareBirth), so -group alone
// also sets the mode, to the one the file would have had: 0777 less the
// umask. Without /proc the umask is unknown, and the file is born with it.
FileOptions effectiveOptions(const FileOptions& options) {
    FileOptions effective = options;
    if (options.setGroup && !options.setPermissions) {
        if (int mask = processUmask(); mask >= 0) {
            effective.setPermissions = true;
            effective.permissions = 0777 & ~static_cast<mode_t>(mask);
        }
    }
    return effective;
}

// Makes the file that bind() will create for fd no more open than asked:
// Linux gives it the socket's own mode less the umask. Until -group is set
// the file has the group of the process (or of a set-group-ID directory),
// whose members the mode was not meant for, so the group's bits wait for
// setMode. A listener would hold them off until listen() anyway; a datagram
// socket takes messages from the moment it is bound, and a sender that
// connect()s to it then keeps its way in.
void prepareBirth(int fd, const FileOptions& options) {
    if (!options.setPermissions) return;
    mode_t mode = options.permissions;
    if (options.setGroup) mode &= ~static_cast<mode_t>(070);
    (void)::fchmod(fd, mode);
}

// How many scratch names the rehearsal tries before it gives up: a clash
// needs another process to bind the very name we picked.
constexpr int kScratchAttempts = 8;

std::string absolutePath(const char* path) {
    if (path[0] == '/') return path;
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
    return std::string(cwd) + "/" + path;
}

// Where to bind a filesystem path: its absolute form when that fits, since
// the name the kernel records is what peers read back as -peername, and an
// absolute one can be passed back to connect from any directory.
UnixAddress bindAddress(const UnixAddress& address) {
    if (address.path()[0] == '/') return address;
    UnixAddress absolute;
    std::string path = absolutePath(address.path());
    return UnixAddress::fromBytes(path.data(), path.size(), absolute) ? absolute : address;
}

// Whether some process uses the socket at the address. Returns 0 if one
// does, ECONNREFUSED if the socket is stale, or the errno that kept us from
// telling.
int probeSocket(const UnixAddress& address, int type) {
    UniqueFd probe(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!probe) return errno;
    if (::connect(probe.get(), address.sockaddrPtr(), address.length()) == 0) return 0;
    // A full backlog (EAGAIN) still means someone listens, and a socket of
    // another type (EPROTOTYPE) that refuses nothing is in use too.
    if (errno == EAGAIN || errno == EINPROGRESS || errno == EPROTOTYPE) return 0;
    return errno == ENOENT ? ECONNREFUSED : errno;
}

enum class Room { Free, Occupied };

// Decides, without touching anything, whether the path is free or holds a
// socket the policy lets us replace.
bool findRoom(const UnixAddress& address, ReplacePolicy policy, int type, Room& room,
              SetupFailure& failure) {
    struct stat existing;
    if (::lstat(address.path(), &existing) != 0) {
        if (errno != ENOENT) {
            failure = {errno, "looking at the existing file"};
            return false;
        }
        room = Room::Free;
        return true;
    }
    if (!S_ISSOCK(existing.st_mode)) {
        failure = {EEXIST, "it is not a socket, so it was left alone"};
        return false;
    }
    switch (policy) {
    case ReplacePolicy::Never:
        failure = {EADDRINUSE, "a socket file exists and -replace is never"};
        return false;
    case ReplacePolicy::Stale:
        if (int probe = probeSocket(address, type); probe != ECONNREFUSED) {
            failure = probe == 0 ? SetupFailure{EADDRINUSE, "another socket is listening there"}
                                 : SetupFailure{probe, "checking whether the socket is stale"};
            return false;
        }
        break;
    case ReplacePolicy::Always:
        break;
    }
    room = Room::Occupied;
    return true;
}

// Sets the mode of the file node (an O_PATH descriptor) names, never through
// its path, which could meanwhile have been swapped for a symlink to another
// file. fchmod refuses O_PATH descriptors; fchmodat2 with AT_EMPTY_PATH takes
// them, and so does chmod on the descriptor's /proc link, which names exactly
// that inode. With neither, the mode is refused rather than set by path.
bool setMode(int node, mode_t mode, SetupFailure& failure) {
    struct stat now;
    // Often the file was born with it (see bindSocket); then there is
    // nothing to change and no need for either way.
    if (::fstat(node, &now) == 0 && (now.st_mode & 07777) == mode) return true;
#ifdef SYS_fchmodat2
    if (::syscall(SYS_fchmodat2, node, "", mode, AT_EMPTY_PATH) == 0) return true;
    if (errno != ENOSYS && errno != EINVAL) {
        failure = {errno, "setting the permissions of the socket file"};
        return false;
    }
#endif
    std::string link = "/proc/self/fd/" + std::to_string(node);
    if (::chmod(link.c_str(), mode) == 0) return true;
    if (errno == ENOENT) {
        failure = {ENOTSUP, "setting the permissions of the socket file needs fchmodat2 "
                            "(Linux 6.6) or /proc, and setting them by path could change "
                            "another file"};
    } else {
        failure = {errno, "setting the permissions of the socket file"};
    }
    return false;
}

// Gives the freshly bound socket file its owner, group and mode, through a
// descriptor of the file itself, so a path swapped for a symlink in between
// cannot redirect them to another file.
bool setAttributes(int node, const FileOptions& options, SetupFailure& failure) {
    if (options.setOwner || options.setGroup) {
        uid_t owner = options.setOwner ? options.owner : static_cast<uid_t>(-1);
        gid_t group = options.setGroup ? options.group : static_cast<gid_t>(-1);
        if (::fchownat(node, "", owner, group, AT_EMPTY_PATH) != 0) {
            failure = {errno, "setting the owner and group of the socket file"};
            return false;
        }
    }
    return !options.setPermissions || setMode(node, options.permissions, failure);
}

// Binds fd at a filesystem path that is free, sets the file's attributes and
// runs finish. On failure removes the file it made.
bool makeAt(int fd, const UnixAddress& address, const FileOptions& options,
            const FinishStep& finish, SocketFile& file, SetupFailure& failure) {
    if (::bind(fd, address.sockaddrPtr(), address.length()) != 0) {
        failure = {errno, ""};
        return false;
    }
    // Recorded at once, by lstat, which needs no descriptor: whatever fails
    // from here on, the file we made is removed again.
    struct stat made;
    if (::lstat(address.path(), &made) != 0 || !S_ISSOCK(made.st_mode)) {
        // Gone or replaced between bind and lstat: not ours to touch.
        failure = {EEXIST, "the socket file was replaced as it was made"};
        return false;
    }
    file.path = absolutePath(address.path());
    file.device = made.st_dev;
    file.inode = made.st_ino;
    file.made = true;
    if (options.setOwner || options.setGroup || options.setPermissions) {
        UniqueFd node(::open(address.path(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat opened;
        if (!node || ::fstat(node.get(), &opened) != 0) {
            failure = {errno, "looking at the new socket file"};
            file.removeIfOurs();
            return false;
        }
        if (opened.st_dev != made.st_dev || opened.st_ino != made.st_ino) {
            failure = {EEXIST, "the socket file was replaced as it was made"};
            file.made = false;  // the file at the path is someone else's now
            return false;
        }
        if (!setAttributes(node.get(), options, failure)) {
            file.removeIfOurs();
            return false;
        }
    }
    if (int error = finish(fd)) {
        failure = {error, ""};
        file.removeIfOurs();
        return false;
    }
    return true;
}

enum class Scratch { Named, Unnameable, Failed };

// A name for the rehearsal's scratch socket in the directory of path: a dot
// file beside it or, when that would not fit sun_path, the same name reached
// through the directory's /proc link (directory is opened for that on first
// use). Unnameable when neither fits, or there is no /proc.
Scratch scratchAddress(const std::string& path, UniqueFd& directory, UnixAddress& out,
                       SetupFailure& failure) {
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string name = ".unix_sockets-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter.fetch_add(1)) + "-" +
                             std::to_string(static_cast<unsigned long>(now) % 100000);
    const std::string directoryPath = path.substr(0, path.rfind('/') + 1);
    const std::string beside = directoryPath + name;
    if (UnixAddress::fromBytes(beside.data(), beside.size(), out)) return Scratch::Named;
    if (::access("/proc/self/fd", X_OK) != 0) return Scratch::Unnameable;
    if (!directory) {
        directory = UniqueFd(::open(directoryPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!directory) {
            failure = {errno, "opening the directory for a scratch socket"};
            return Scratch::Failed;
        }
    }
    const std::string viaProc = "/proc/self/fd/" + std::to_string(directory.get()) + "/" + name;
    return UnixAddress::fromBytes(viaProc.data(), viaProc.size(), out) ? Scratch::Named
                                                                        : Scratch::Unnameable;
}

// Proves that binding at the path, setting its attributes and finishing can
// succeed, by doing all of it on a scratch socket in the same directory,
// which is then removed again.
bool rehearse(int type, const UnixAddress& address, const FileOptions& options,
              const FinishStep& finish, SetupFailure& failure) {
    const std::string path = absolutePath(address.path());
    UniqueFd directory;
    for (int attempt = 0; attempt < kScratchAttempts; ++attempt) {
        UnixAddress scratch;
        switch (scratchAddress(path, directory, scratch, failure)) {
        case Scratch::Named:
            break;
        case Scratch::Unnameable:
            // A path within a few bytes of the limit of sun_path, on a
            // system without /proc: the replacement goes ahead unrehearsed.
            return true;
        case Scratch::Failed:
            return false;
        }
        UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (!fd) {
            failure = {errno, "creating the socket"};
            return false;
        }
        prepareBirth(fd.get(), options);
        SocketFile file;
        if (makeAt(fd.get(), scratch, options, finish, file, failure)) {
            file.removeIfOurs();
            return true;
        }
        // Only a clash of names is worth another name.
        if (failure.error != EADDRINUSE || !failure.detail.empty()) return false;
    }
    return false;
}

}  // namespace

bool bindSocket(int fd, int type, const UnixAddress& address, const FileOptions& options,
                const FinishStep& finish, SocketFile& file, SetupFailure& failure) {
    if (address.kind() != UnixAddress::Kind::Path) {
        if (::bind(fd, address.sockaddrPtr(), address.length()) != 0) {
            failure = {errno, ""};
            return false;
        }
        if (int error = finish(fd)) {
            failure = {error, ""};
            return false;
        }
        return true;
    }

    // Born no more open than asked; setMode then sets the mode exactly,
    // before finish lets anyone connect.
    const FileOptions effective = effectiveOptions(options);
    prepareBirth(fd, effective);

    const UnixAddress bound = bindAddress(address);
    Room room = Room::Free;
    if (!findRoom(bound, options.replace, type, room, failure)) return false;
    if (room == Room::Occupied) {
        if (!rehearse(type, bound, effective, finish, failure)) {
            if (!failure.detail.empty()) failure.detail += "; ";
            failure.detail += "the socket already there was left in place";
            return false;
        }
        if (::unlink(bound.path()) != 0 && errno != ENOENT) {
            failure = {errno, "removing the existing socket"};
            return false;
        }
    }
    return makeAt(fd, bound, effective, finish, file, failure);
}

}  // namespace unix_sockets
