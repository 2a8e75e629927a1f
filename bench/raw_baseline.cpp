// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The raw baseline of `make bench`: the same workloads as bench/run.tcl,
// with plain AF_UNIX sockets and blocking read/write (send/recv for
// datagrams, epoll for the fan-in server), no Tcl; and the fan-in client
// that run.tcl also points at its Tcl servers.
//
// Why it exists: comparing unix_sockets with Tcl's TCP sockets says whether
// the package is a better local transport for Tcl code; it does not say how
// much the package (and Tcl's channel layer above it) costs on top of what
// the kernel does. This program is that floor: unix_sockets/raw is the
// share of the kernel's speed that a Tcl script gets. Read with the other
// ratio, it says where time goes: a low unix/raw with unix/TCP near 1 is
// Tcl's channel layer, which both Tcl transports share; a unix/raw that
// drops while unix/TCP drops too is the extension.
//
// Each run forks its server. The listening socket (for datagrams, the bound
// sockets of both sides) exists before the fork and the server says it is
// running (a byte on a pipe) before the clock starts, so what is timed is
// the transport, as in the Tcl runs: the client process measures, the
// server process answers. The client also reads the server's CPU time
// (user + system, every thread of it) when it starts and stops the clock:
// what the server pays for the messages, whichever process waits for the
// other. bench/run.tcl reads its Tcl servers' the same way.
//
// Usage, one measurement per run. Each prints the elapsed microseconds and
// the server's CPU time over them in nanoseconds (see cpuNanos), "MICROS
// CPU", on standard output:
//   bench_raw throughput PATH MIB ?CPU?     send MIB MiB in 64 KiB writes,
//                                           then read the server's one-line
//                                           byte count
//   bench_raw roundtrips PATH COUNT ?CPU?   COUNT ping-pong round trips of
//                                           "ping\n"
//   bench_raw connections PATH COUNT ?CPU?  COUNT connect / accept+close /
//                                           end of file cycles
//   bench_raw seqpacket PATH COUNT ?CPU?    COUNT round trips of the message
//                                           "ping\n" over SOCK_SEQPACKET
//   bench_raw datagram PATH COUNT ?CPU?     COUNT round trips of the datagram
//                                           "ping\n": the client, bound to
//                                           PATH.client, sends to PATH; the
//                                           server answers to the sender
//   bench_raw concurrent PATH COUNT CLIENTS ?CPU?
//                                           COUNT round trips in all, shared
//                                           by CLIENTS connections doing
//                                           ping-pong at once against an
//                                           epoll echo server (see
//                                           concurrentClient)
//   bench_raw concurrent-client ADDRESS COUNT CLIENTS PID
//                                           the same clients against a
//                                           server already running as PID,
//                                           at ADDRESS: unix:PATH or
//                                           tcp:PORT (on 127.0.0.1)
//   bench_raw fanin PATH COUNT ?CPU?        COUNT clients at once against an
//                                           epoll echo server (see fanIn)
//   bench_raw fanin-client ADDRESS COUNT PID
//                                           the same clients against a
//                                           server already running as PID,
//                                           at ADDRESS as above
// The two fan-in runs print six numbers instead of two: the microseconds of
// the setup and of the echo round, the server's VmRSS in KiB before and
// after, and the server's CPU nanoseconds over the setup and over the echo
// round (see fanInClient). Both raise their soft descriptor limit to the
// hard one.
// CPU, if given, is the one CPU the server may run on (the client keeps the
// affinity it was started with), as bench/run.tcl -cpu two asks.
// Built by `cmake --build BUILD --target bench_raw` (make bench does it); not
// part of the default build, of the tests, or of make install.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sched.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "bench_raw: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

sockaddr_un addressOf(const char* path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof address.sun_path) {
        std::fprintf(stderr, "bench_raw: path too long: %s\n", path);
        std::exit(1);
    }
    std::strcpy(address.sun_path, path);
    return address;
}

// A socket of that type bound to path (replacing what is there).
int boundTo(const char* path, int type) {
    sockaddr_un address = addressOf(path);
    ::unlink(path);
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("bind");
    return fd;
}

int listenOn(const char* path, int type) {
    int fd = boundTo(path, type);
    if (::listen(fd, SOMAXCONN) != 0) die("listen");
    return fd;
}

int connectTo(const char* path, int type = SOCK_STREAM) {
    sockaddr_un address = addressOf(path);
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("connect");
    return fd;
}

int acceptOn(int listener) {
    for (;;) {
        int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) return fd;
        if (errno != EINTR && errno != ECONNABORTED) die("accept");
    }
}

ssize_t readSome(int fd, char* buf, size_t size) {
    for (;;) {
        ssize_t got = ::read(fd, buf, size);
        if (got >= 0) return got;
        if (errno != EINTR) die("read");
    }
}

void writeAll(int fd, const char* buf, size_t size) {
    while (size > 0) {
        ssize_t sent = ::write(fd, buf, size);
        if (sent < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        buf += sent;
        size -= static_cast<size_t>(sent);
    }
}

// Reads one line, as a buffered reader would: whatever the socket has, until
// a newline arrives. The protocols here never send past the line the reader
// waits for (the peer waits for an answer first), so nothing read is lost.
std::string readLine(int fd) {
    std::string line;
    char buf[256];
    for (;;) {
        ssize_t got = readSome(fd, buf, sizeof buf);
        if (got == 0) return line;
        line.append(buf, static_cast<size_t>(got));
        if (line.back() == '\n') {
            line.pop_back();
            return line;
        }
    }
}

// ---- Servers, in the forked child ------------------------------------------

void serveThroughput(int listener) {
    int fd = acceptOn(listener);
    std::vector<char> buf(kChunk);
    unsigned long long total = 0;
    for (ssize_t got; (got = readSome(fd, buf.data(), buf.size())) > 0;) total += got;
    std::string reply = std::to_string(total) + "\n";
    writeAll(fd, reply.data(), reply.size());
    ::close(fd);
}

void serveRoundTrips(int listener) {
    int fd = acceptOn(listener);
    // One message is outstanding at a time, so whatever arrives is one whole
    // line or the start of one: echoing it back as it comes is line echo.
    // On a seqpacket socket one read is one message: message echo.
    char buf[256];
    for (ssize_t got; (got = readSome(fd, buf, sizeof buf)) > 0;) writeAll(fd, buf, got);
    ::close(fd);
}

void serveConnections(int listener, long count) {
    for (long i = 0; i < count; ++i) ::close(acceptOn(listener));
}

// Answers each of count datagrams to its sender, as a datagram server with
// more than one client must (no connect to one peer).
void serveDatagram(int fd, long count) {
    char buf[256];
    for (long i = 0; i < count; ++i) {
        sockaddr_un sender{};
        socklen_t senderLength = sizeof sender;
        ssize_t got = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&sender),
                                 &senderLength);
        if (got < 0) {
            if (errno == EINTR) {
                --i;
                continue;
            }
            die("recvfrom");
        }
        while (::sendto(fd, buf, static_cast<size_t>(got), 0,
                        reinterpret_cast<sockaddr*>(&sender), senderLength) < 0) {
            if (errno != EINTR) die("sendto");
        }
    }
    ::close(fd);
}

// The event-driven server that a program with many clients is: one epoll
// set, non-blocking sockets, each line echoed as it arrives (whole: a client
// has one line outstanding at a time, and 5 bytes fit any empty socket
// buffer). Ends when count connections have come and gone.
void serveFanIn(int listener, long count) {
    if (::fcntl(listener, F_SETFL, O_NONBLOCK) != 0) die("fcntl");
    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) die("epoll_create1");
    auto watch = [epoll](int fd) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl");
    };
    watch(listener);
    epoll_event events[256];
    char buf[256];
    for (long closed = 0; closed < count;) {
        int ready = ::epoll_wait(epoll, events, 256, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < ready; ++i) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                for (int client; (client = ::accept4(listener, nullptr, nullptr,
                                                     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                    watch(client);
                }
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) die("accept");
                continue;
            }
            ssize_t got = ::read(fd, buf, sizeof buf);
            if (got > 0) {
                writeAll(fd, buf, static_cast<size_t>(got));
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                ::close(fd);  // which also takes it out of the epoll set
                ++closed;
            }
        }
    }
    ::close(epoll);
}

// ---- Clients, in the parent, timed ------------------------------------------

void throughputClient(const char* path, long mib) {
    std::vector<char> chunk(kChunk, 'x');
    long writes = mib * (1024 * 1024 / static_cast<long>(kChunk));
    int fd = connectTo(path);
    for (long i = 0; i < writes; ++i) writeAll(fd, chunk.data(), chunk.size());
    if (::shutdown(fd, SHUT_WR) != 0) die("shutdown");
    std::string reply = readLine(fd);
    ::close(fd);
    if (reply != std::to_string(static_cast<unsigned long long>(writes) * kChunk)) {
        std::fprintf(stderr, "bench_raw: server counted %s bytes\n", reply.c_str());
        std::exit(1);
    }
}

void roundTripClient(const char* path, long count) {
    int fd = connectTo(path);
    static const char ping[] = "ping\n";
    for (long i = 0; i < count; ++i) {
        writeAll(fd, ping, sizeof ping - 1);
        if (readLine(fd) != "ping") {
            std::fprintf(stderr, "bench_raw: bad echo\n");
            std::exit(1);
        }
    }
    ::close(fd);
}

// The message read is the whole answer: one recv, no line assembly.
void checkEcho(int fd) {
    char buf[256];
    ssize_t got = readSome(fd, buf, sizeof buf);
    if (std::string(buf, static_cast<size_t>(got)) != "ping\n") {
        std::fprintf(stderr, "bench_raw: bad echo\n");
        std::exit(1);
    }
}

void seqpacketClient(const char* path, long count) {
    int fd = connectTo(path, SOCK_SEQPACKET);
    static const char ping[] = "ping\n";
    for (long i = 0; i < count; ++i) {
        writeAll(fd, ping, sizeof ping - 1);
        checkEcho(fd);
    }
    ::close(fd);
}

void datagramClient(int fd, const char* serverPath, long count) {
    sockaddr_un server = addressOf(serverPath);
    static const char ping[] = "ping\n";
    for (long i = 0; i < count; ++i) {
        while (::sendto(fd, ping, sizeof ping - 1, 0, reinterpret_cast<sockaddr*>(&server),
                        sizeof server) < 0) {
            if (errno != EINTR) die("sendto");
        }
        checkEcho(fd);
    }
}

void connectionClient(const char* path, long count) {
    char buf[16];
    for (long i = 0; i < count; ++i) {
        int fd = connectTo(path);
        // The server closes at once: wait for its end of file.
        while (readSome(fd, buf, sizeof buf) > 0) {
        }
        ::close(fd);
    }
}

// The soft descriptor limit raised to the hard one: fan-in holds a
// descriptor per client.
void raiseDescriptorLimit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
}

// VmRSS of /proc/PID/status, in KiB: the server's resident memory.
long residentKiB(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string field;
    while (status >> field) {
        if (field == "VmRSS:") {
            long kib = -1;
            status >> kib;
            return kib;
        }
    }
    std::fprintf(stderr, "bench_raw: no VmRSS for process %d\n", static_cast<int>(pid));
    std::exit(1);
}

// The CPU time, user + system in nanoseconds, that process pid has used in
// all its threads (Tcl 8.6's notifier is a thread of its own): the sum of
// the first field of each /proc/PID/task/TID/schedstat, the scheduler's
// nanosecond count. A thread that ends between two readings takes its time
// with it; the servers measured keep theirs. Without schedstat (a kernel
// without CONFIG_SCHED_INFO) utime + stime of /proc/PID/stat, in clock ticks
// of 10 ms: then only long runs give a figure.
long long cpuNanos(pid_t pid) {
    std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr) die(tasks.c_str());
    long long total = 0;
    bool found = true;
    while (dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream schedstat(tasks + "/" + entry->d_name + "/schedstat");
        long long nanos = 0;
        if (!(schedstat >> nanos)) {
            found = false;
            break;
        }
        total += nanos;
    }
    ::closedir(dir);
    if (found) return total;
    // "PID (COMM) STATE ..." where COMM may hold spaces: fields 14 and 15
    // are the 12th and 13th after the closing parenthesis.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) {
        std::fprintf(stderr, "bench_raw: no CPU time for process %d\n", static_cast<int>(pid));
        std::exit(1);
    }
    std::vector<std::string> fields;
    size_t at = paren + 1;
    while (fields.size() < 13) {
        size_t start = line.find_first_not_of(' ', at);
        if (start == std::string::npos) break;
        at = line.find(' ', start);
        fields.push_back(line.substr(start, at - start));
        if (at == std::string::npos) break;
    }
    if (fields.size() < 13) {
        std::fprintf(stderr, "bench_raw: no CPU time for process %d\n", static_cast<int>(pid));
        std::exit(1);
    }
    long long ticks = std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str());
    return ticks * (1000000000LL / ::sysconf(_SC_CLK_TCK));
}

// Where the fan-in clients connect: unix:PATH, or tcp:PORT on 127.0.0.1.
struct Target {
    sockaddr_storage address{};
    socklen_t length = 0;
};

Target targetOf(const std::string& spec) {
    Target target;
    if (spec.compare(0, 5, "unix:") == 0) {
        sockaddr_un address = addressOf(spec.c_str() + 5);
        std::memcpy(&target.address, &address, sizeof address);
        target.length = sizeof address;
    } else if (spec.compare(0, 4, "tcp:") == 0) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(std::atoi(spec.c_str() + 4)));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        std::memcpy(&target.address, &address, sizeof address);
        target.length = sizeof address;
    } else {
        std::fprintf(stderr, "bench_raw: bad address %s: must be unix:PATH or tcp:PORT\n",
                     spec.c_str());
        std::exit(2);
    }
    return target;
}

// count clients, all open at once, against the server running as process
// server. The setup: connections made in batches of 500 (below any listen
// backlog, so that no TCP client waits a second for its SYN to be sent
// again), each batch sending a line on every connection and reading its
// echo before the next batch connects. The echo round: with every client
// connected, a line on each, then each echo read: count readable
// connections at once for the server. Then its VmRSS, against the one read
// before the first connect; then every connection closed. Returns "SETUP
// ECHO BEFORE AFTER SETUPCPU ECHOCPU": microseconds, microseconds, KiB, KiB,
// and the server's CPU nanoseconds over the setup and over the echo round.
std::string fanInClient(const Target& target, long count, pid_t server) {
    constexpr long kBatch = 500;
    static const char ping[] = "ping\n";
    auto echo = [](int fd) { writeAll(fd, ping, sizeof ping - 1); };
    auto check = [](int fd) {
        if (readLine(fd) != "ping") {
            std::fprintf(stderr, "bench_raw: a fan-in client got no echo (did the server die?)\n");
            std::exit(1);
        }
    };
    std::vector<int> clients;
    clients.reserve(static_cast<size_t>(count));
    long before = residentKiB(server);
    long long cpuAtStart = cpuNanos(server);
    auto start = std::chrono::steady_clock::now();
    for (long first = 0; first < count; first += kBatch) {
        long last = std::min(count, first + kBatch);
        for (long i = first; i < last; ++i) {
            int fd = ::socket(target.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) die("socket");
            if (::connect(fd, reinterpret_cast<const sockaddr*>(&target.address),
                          target.length) != 0) {
                die("connect");
            }
            clients.push_back(fd);
        }
        for (long i = first; i < last; ++i) echo(clients[i]);
        for (long i = first; i < last; ++i) check(clients[i]);
    }
    auto connected = std::chrono::steady_clock::now();
    long long cpuAtConnected = cpuNanos(server);
    for (int fd : clients) echo(fd);
    for (int fd : clients) check(fd);
    auto done = std::chrono::steady_clock::now();
    long long cpuAtDone = cpuNanos(server);
    long after = residentKiB(server);
    for (int fd : clients) ::close(fd);
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    return std::to_string(duration_cast<microseconds>(connected - start).count()) + " " +
           std::to_string(duration_cast<microseconds>(done - connected).count()) + " " +
           std::to_string(before) + " " + std::to_string(after) + " " +
           std::to_string(cpuAtConnected - cpuAtStart) + " " +
           std::to_string(cpuAtDone - cpuAtConnected);
}

// clients connections doing count round trips in all against the server
// running as process server, each its share of count in ping-pong (one
// "ping\n" outstanding per connection), all at once: the server always has
// messages waiting, so its CPU per message bounds the rate rather than the
// wake-up of an idle process. One thread drives every connection with
// epoll, so the client costs little per message beside the server. Each
// connection first makes one round trip untimed (the server has accepted
// and set it up); then the clock and the server's CPU time run from the
// first ping to the last echo. Returns "MICROS CPU": microseconds, and the
// server's CPU nanoseconds over them.
std::string concurrentClient(const Target& target, long count, long clients, pid_t server) {
    static const char ping[] = "ping\n";
    std::vector<int> fds;
    for (long i = 0; i < clients; ++i) {
        int fd = ::socket(target.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&target.address), target.length) !=
            0) {
            die("connect");
        }
        fds.push_back(fd);
    }
    auto bad = []() {
        std::fprintf(stderr, "bench_raw: a concurrent client got a bad echo (did the server die?)\n");
        std::exit(1);
    };
    for (int fd : fds) writeAll(fd, ping, sizeof ping - 1);
    for (int fd : fds) {
        if (readLine(fd) != "ping") bad();
    }

    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) die("epoll_create1");
    // Per connection: the round trips it still owes, and what it has read of
    // the current echo (a stream may cut a line anywhere).
    std::vector<long> left(static_cast<size_t>(clients), count / clients);
    std::vector<std::string> partial(static_cast<size_t>(clients));
    for (long i = 0; i < clients; ++i) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = static_cast<uint64_t>(i);
        if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fds[i], &event) != 0) die("epoll_ctl");
    }
    long long cpuAtStart = cpuNanos(server);
    auto start = std::chrono::steady_clock::now();
    for (int fd : fds) writeAll(fd, ping, sizeof ping - 1);
    epoll_event events[256];
    char buf[256];
    for (long busy = clients; busy > 0;) {
        int ready = ::epoll_wait(epoll, events, 256, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int e = 0; e < ready; ++e) {
            size_t i = static_cast<size_t>(events[e].data.u64);
            ssize_t got = readSome(fds[i], buf, sizeof buf);
            if (got == 0) bad();
            partial[i].append(buf, static_cast<size_t>(got));
            if (partial[i].back() != '\n') continue;
            if (partial[i] != "ping\n") bad();
            partial[i].clear();
            if (--left[i] > 0) {
                writeAll(fds[i], ping, sizeof ping - 1);
            } else {
                --busy;
            }
        }
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    long long cpu = cpuNanos(server) - cpuAtStart;
    ::close(epoll);
    for (int fd : fds) ::close(fd);
    return std::to_string(
               std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()) +
           " " + std::to_string(cpu);
}

}  // namespace

int usage(const char* program) {
    std::fprintf(stderr,
                 "usage: %s throughput|roundtrips|connections|seqpacket|datagram|fanin PATH N "
                 "?CPU?\n       %s concurrent PATH N CLIENTS ?CPU?\n"
                 "       %s fanin-client unix:PATH|tcp:PORT N PID\n"
                 "       %s concurrent-client unix:PATH|tcp:PORT N CLIENTS PID\n",
                 program, program, program, program);
    return 2;
}

int main(int argc, char** argv) {
    if (argc < 4) return usage(argv[0]);
    std::string workload = argv[1];
    const char* path = argv[2];
    long n = std::strtol(argv[3], nullptr, 10);
    if (n <= 0) return usage(argv[0]);
    // concurrent's CLIENTS comes before the optional CPU.
    long clients = 0;
    int optional = 4;
    if (workload == "concurrent" || workload == "concurrent-client") {
        if (argc < 5) return usage(argv[0]);
        clients = std::strtol(argv[4], nullptr, 10);
        if (clients <= 0 || n % clients != 0) {
            std::fprintf(stderr, "bench_raw: N must be a multiple of CLIENTS\n");
            return 2;
        }
        optional = 5;
    }
    if (argc != optional && argc != optional + 1) return usage(argv[0]);
    if (workload == "fanin" || workload == "fanin-client") raiseDescriptorLimit();
    if (workload == "fanin-client" || workload == "concurrent-client") {
        if (argc != optional + 1) return usage(argv[0]);
        pid_t pid = std::atoi(argv[optional]);
        std::printf("%s\n", workload == "fanin-client"
                                ? fanInClient(targetOf(path), n, pid).c_str()
                                : concurrentClient(targetOf(path), n, clients, pid).c_str());
        return 0;
    }
    int serverCpu = argc == optional + 1 ? std::atoi(argv[optional]) : -1;
    if (workload != "throughput" && workload != "roundtrips" && workload != "connections" &&
        workload != "seqpacket" && workload != "datagram" && workload != "fanin" &&
        workload != "concurrent") {
        return usage(argv[0]);
    }

    // The server's socket: listening, or for datagrams bound and receiving.
    // The client's datagram socket is bound before the clock starts too.
    std::string clientPath = std::string(path) + ".client";
    int listener = workload == "datagram"  ? boundTo(path, SOCK_DGRAM)
                   : workload == "seqpacket" ? listenOn(path, SOCK_SEQPACKET)
                                             : listenOn(path, SOCK_STREAM);
    int client = workload == "datagram" ? boundTo(clientPath.c_str(), SOCK_DGRAM) : -1;
    int started[2];
    if (::pipe2(started, O_CLOEXEC) != 0) die("pipe");
    pid_t server = ::fork();
    if (server < 0) die("fork");
    if (server == 0) {
        if (serverCpu >= 0) {
            cpu_set_t cpus;
            CPU_ZERO(&cpus);
            CPU_SET(serverCpu, &cpus);
            if (::sched_setaffinity(0, sizeof cpus, &cpus) != 0) die("sched_setaffinity");
        }
        ::close(started[0]);
        if (client >= 0) ::close(client);
        writeAll(started[1], "r", 1);
        ::close(started[1]);
        if (workload == "throughput") serveThroughput(listener);
        else if (workload == "roundtrips") serveRoundTrips(listener);
        else if (workload == "seqpacket") serveRoundTrips(listener);
        else if (workload == "datagram") serveDatagram(listener, n);
        else if (workload == "fanin") serveFanIn(listener, n);
        else if (workload == "concurrent") serveFanIn(listener, clients);
        else serveConnections(listener, n);
        ::_exit(0);
    }
    ::close(listener);
    ::close(started[1]);
    char ready;
    if (readSome(started[0], &ready, 1) != 1) {
        std::fprintf(stderr, "bench_raw: the server did not start\n");
        return 1;
    }
    ::close(started[0]);

    // The fan-in and concurrent clients time themselves and read the
    // server's CPU where their timed part starts and ends.
    std::string result;
    Target unixTarget = targetOf("unix:" + std::string(path));
    long long cpuAtStart = cpuNanos(server);
    auto start = std::chrono::steady_clock::now();
    if (workload == "throughput") throughputClient(path, n);
    else if (workload == "roundtrips") roundTripClient(path, n);
    else if (workload == "seqpacket") seqpacketClient(path, n);
    else if (workload == "datagram") datagramClient(client, path, n);
    else if (workload == "fanin") result = fanInClient(unixTarget, n, server);
    else if (workload == "concurrent") result = concurrentClient(unixTarget, n, clients, server);
    else connectionClient(path, n);
    auto elapsed = std::chrono::steady_clock::now() - start;
    long long cpu = cpuNanos(server) - cpuAtStart;
    if (client >= 0) {
        ::close(client);
        ::unlink(clientPath.c_str());
    }

    int status = 0;
    if (::waitpid(server, &status, 0) < 0) die("waitpid");
    ::unlink(path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "bench_raw: the server failed\n");
        return 1;
    }
    if (result.empty()) {
        result = std::to_string(
                     std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()) +
                 " " + std::to_string(cpu);
    }
    std::printf("%s\n", result.c_str());
    return 0;
}
