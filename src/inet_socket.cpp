// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
#include "inet_socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace unix_sockets {

namespace {

// The numeric address and port of an Internet socket address.
bool numeric(const sockaddr_storage& address, std::string* host, int* port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
        if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) == nullptr) return false;
        *port = ntohs(in->sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
        if (::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text) == nullptr) return false;
        *port = ntohs(in6->sin6_port);
    } else {
        return false;
    }
    *host = text;
    return true;
}

bool localInet(int fd, sockaddr_storage* address) {
    socklen_t length = sizeof(*address);
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(address), &length) == 0;
}

}  // namespace

Tcl_Channel makeTcpChannel(UniqueFd fd) {
    const int flags = ::fcntl(fd.get(), F_GETFL);
    Tcl_Channel channel = Tcl_MakeTcpClientChannel(
        reinterpret_cast<void*>(static_cast<intptr_t>(fd.release())));
    // A new channel thinks itself blocking; Tcl's TCP channel sets the open
    // socket's flag to match its mode, so it is told the mode the socket
    // is in rather than have it changed.
    if (flags >= 0 && (flags & O_NONBLOCK) != 0) {
        Tcl_SetChannelOption(nullptr, channel, "-blocking", "0");
    }
    return channel;
}

std::string inetSocketName(int fd) {
    sockaddr_storage address{};
    std::string host;
    int port = 0;
    if (!localInet(fd, &address) || !numeric(address, &host, &port)) return "";
    if (address.ss_family == AF_INET6) host = "[" + host + "]";
    return host + ":" + std::to_string(port);
}

int readInetSockname(const OptionSource& source, Tcl_Obj** value) {
    sockaddr_storage address{};
    if (!localInet(source.fd, &address)) return errno;
    std::string host;
    int port = 0;
    if (!numeric(address, &host, &port)) return EAFNOSUPPORT;
    Tcl_Obj* triple[] = {Tcl_NewStringObj(host.c_str(), -1), Tcl_NewStringObj(host.c_str(), -1),
                         Tcl_NewIntObj(port)};
    *value = Tcl_NewListObj(3, triple);
    return 0;
}

}  // namespace unix_sockets
