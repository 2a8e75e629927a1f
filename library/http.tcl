# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# unix_sockets::http -- Tcl's own http package over Unix domain sockets.
#
# Most daemons with a Unix socket (Docker, podman, snapd, an nginx with
# "listen unix:") speak HTTP on it. Rather than a second HTTP client, this
# file gives Tcl's http package a URL scheme whose socket command connects
# to a Unix socket, so everything http does (keep-alive, chunked bodies,
# -command, -timeout, -channel, ...) works because http does it:
#
#     http::geturl httpunix://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/json
#
# The URL's host is the socket path, percent-encoded, as the requests-
# unixsocket convention has it. That convention's scheme name, http+unix,
# cannot be used: http's URL parser takes \w+ as the scheme, so "+" is out.
# "httpunix" is a valid scheme both for that parser and for RFC 3986. It
# is not "unix", which DOCKER_HOST and gRPC use for unix:///path, with the
# path after the slashes.
#
# The host is also what http sends as Host: (servers accept it: nginx, Go's
# net/http and python's http.server do). unix_sockets::http::geturl takes
# the socket path and an ordinary http:// URL instead, and sends that URL's
# host (or "localhost") as Host:.

package require Tcl 8.6-
package require unix_sockets
package require http 2.9-

namespace eval unix_sockets::http {
    # The scheme registered with http.
    variable scheme httpunix

    # The error of this interp's last failed socket command, as a list
    # {message options}. http 2.10 rethrows a socket command's error from a
    # synchronous geturl with its message only; geturl below restores the
    # errorCode from here. http 2.9 keeps it by itself.
    variable lastFailure {}
}

# unix_sockets::http::url path ?resource?
#
# The httpunix URL of resource (path and query, beginning with "/") on the
# socket at path: every byte of the path's UTF-8 form but the unreserved
# characters of RFC 3986 is percent-encoded, so "/" and ":" cannot end the
# host part and an abstract name's leading NUL becomes %00.
proc unix_sockets::http::url {path {resource /}} {
    variable scheme
    if {[string index $resource 0] ne "/"} {
        return -code error -errorcode {TCL VALUE RESOURCE} \
            "bad resource \"$resource\": must begin with \"/\""
    }
    set host ""
    foreach byte [split [encoding convertto utf-8 $path] ""] {
        if {[regexp {^[-A-Za-z0-9._~]$} $byte]} {
            append host $byte
        } else {
            append host [format %%%02X [scan $byte %c]]
        }
    }
    return $scheme://$host$resource
}

# The socket path a URL's host stands for: the percent-decoded host, read
# as UTF-8.
proc unix_sockets::http::Decode {host} {
    if {$host eq "" || [regexp {%(?![0-9A-Fa-f]{2})} $host]} {
        return -code error -errorcode {TCL VALUE HOST} \
            "bad host \"$host\": must be a socket path, percent-encoded"
    }
    set bytes ""
    foreach piece [regexp -all -inline {%[0-9A-Fa-f]{2}|[^%]+} $host] {
        if {[string index $piece 0] eq "%"} {
            append bytes [binary format H2 [string range $piece 1 2]]
        } else {
            append bytes [encoding convertto utf-8 $piece]
        }
    }
    return [encoding convertfrom utf-8 $bytes]
}

# unix_sockets::http::socket ?-async? host port
#
# The socket command of the httpunix scheme: http calls it as it calls
# ::socket, with host the URL's host. The port means nothing to a Unix
# socket and is ignored.
proc unix_sockets::http::socket {args} {
    variable lastFailure
    set usage {wrong # args: should be "unix_sockets::http::socket ?-async? host port"}
    set async 0
    while {[llength $args] > 2 && [string index [lindex $args 0] 0] eq "-"} {
        set args [lassign $args option]
        # Only -async: http passes -myaddr when the caller gives it, and a
        # Unix socket has no local address to choose.
        switch [tcl::prefix match -message option {-async} $option] {
            -async {set async 1}
        }
    }
    if {[llength $args] != 2} {
        return -code error -errorcode {TCL WRONGARGS} $usage
    }
    set host [lindex $args 0]
    if {[catch {
        set path [Decode $host]
        if {$async} {
            set chan [unix_sockets::connect -async -- $path]
            # A Unix socket's connect succeeds or fails at once; only a full
            # backlog leaves it in progress. So a failure is known here, and
            # the blocking connect says it in the package's words and
            # errorCode (http would report it later as "connect failed
            # <reason>", without an errorCode). Should the socket have
            # appeared meanwhile, that connect simply succeeds.
            if {![chan configure $chan -connecting]
                    && [chan configure $chan -error] ne ""} {
                close $chan
                set chan [unix_sockets::connect -- $path]
            }
        } else {
            set chan [unix_sockets::connect -- $path]
        }
        set chan
    } result options]} {
        set lastFailure [list $result $options]
        return -options $options $result
    }
    return $result
}

# unix_sockets::http::geturl path url ?option value ...?
#
# http::geturl of url over the socket at path. url is an http:// URL, whose
# host (and port, if given) is sent as Host: and says nothing about where
# to connect, or a resource beginning with "/", sent with Host: localhost.
# A Host in -headers wins over both. The options are http::geturl's; the
# result is its token. Requests with -keepalive 1 to one path share a
# connection, however their URLs name the host.
proc unix_sockets::http::geturl {path url args} {
    variable lastFailure
    if {[string index $url 0] eq "/"} {
        set authority localhost
        set resource $url
    } elseif {![regexp -nocase {^http://(?:[^@/?#]*@)?([^/?#]+)([/?][^#]*)?(?:#.*)?$} \
                    $url -> authority resource]} {
        return -code error -errorcode {TCL VALUE URL} \
            "bad url \"$url\": must be an http:// URL or a resource beginning with \"/\""
    }
    if {$resource eq ""} {
        set resource /
    } elseif {[string index $resource 0] eq "?"} {
        set resource /$resource
    }
    # http takes the last -headers given; the Host goes into that one.
    set headers {}
    foreach {option value} $args {
        if {$option eq "-headers"} {
            set headers $value
        }
    }
    set hasHost 0
    foreach {name value} $headers {
        if {[string equal -nocase $name Host]} {
            set hasHost 1
        }
    }
    if {!$hasHost} {
        lappend headers Host $authority
    }
    set lastFailure {}
    if {[catch {::http::geturl [url $path $resource] {*}$args -headers $headers} \
            token options]} {
        if {[lindex $lastFailure 0] eq $token} {
            set options [lindex $lastFailure 1]
        }
        set lastFailure {}
        dict set options -level 0
        return -options $options $token
    }
    return $token
}

::http::register $::unix_sockets::http::scheme 80 ::unix_sockets::http::socket

# A helper of the package, of the package's version: pkgIndex.tcl installs
# both together, so the version is written once, in the build.
package provide unix_sockets::http [package present unix_sockets]
