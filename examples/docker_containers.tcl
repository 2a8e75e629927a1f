# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Lists the containers of a Docker daemon (or podman's Docker-compatible
# service) through the Docker Engine API, as "docker ps -a" does: HTTP with
# Tcl's own http package, over the daemon's Unix socket.
#
# Usage: tclsh docker_containers.tcl ?socket-path?
#                                   (default: /var/run/docker.sock)
#
# Prints one line per container: its short id, image, status and names.
# Exits 1 when the daemon cannot be reached or answers with an error,
# saying why (reading the socket usually takes membership of group docker).
package require unix_sockets::http

# API 1.41 (Docker 20.10) has what this needs; later daemons still serve it.
set request /v1.41/containers/json?all=1

# A JSON text as Tcl values: an object becomes a dict, an array a list,
# true/false/null become 1/0/{}, strings and numbers stay as they read.
proc jsonDecode {text} {
    set pos 0
    set value [jsonValue $text pos]
    if {![regexp -start $pos {\A\s*\Z} $text]} {
        error "JSON: text after the value at offset $pos"
    }
    return $value
}

proc jsonValue {text posVar} {
    upvar 1 $posVar pos
    regexp -start $pos -indices {\A\s*} $text space
    set pos [expr {[lindex $space 1] + 1}]
    switch -- [string index $text $pos] {
        "\{" {
            set object {}
            foreach {key value} [jsonItems $text pos "\}" 1] {
                dict set object $key $value
            }
            return $object
        }
        "\[" {
            return [jsonItems $text pos "\]" 0]
        }
        "\"" {
            if {![regexp -start $pos {\A"((?:[^"\\]|\\.)*)"} $text match string]} {
                error "JSON: unterminated string at offset $pos"
            }
            incr pos [string length $match]
            # JSON's escapes are Tcl's, \/ aside, which subst reads as /.
            return [subst -nocommands -novariables $string]
        }
        default {
            if {![regexp -start $pos {\A(?:true|false|null|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)} \
                      $text word]} {
                error "JSON: unexpected text at offset $pos"
            }
            incr pos [string length $word]
            return [string map {true 1 false 0 null {}} $word]
        }
    }
}

# The values of an array, or the keys and values of an object (pairs), up
# to the closing bracket.
proc jsonItems {text posVar close pairs} {
    upvar 1 $posVar pos
    incr pos
    set items {}
    if {[regexp -start $pos -indices "\\A\\s*\\$close" $text end]} {
        set pos [expr {[lindex $end 1] + 1}]
        return $items
    }
    while 1 {
        lappend items [jsonValue $text pos]
        if {$pairs} {
            if {![regexp -start $pos -indices {\A\s*:} $text colon]} {
                error "JSON: expected : at offset $pos"
            }
            set pos [expr {[lindex $colon 1] + 1}]
            lappend items [jsonValue $text pos]
        }
        if {![regexp -start $pos -indices "\\A\\s*(,|\\$close)" $text match separator]} {
            error "JSON: expected , or $close at offset $pos"
        }
        set pos [expr {[lindex $match 1] + 1}]
        if {[string index $text [lindex $separator 0]] eq $close} {
            return $items
        }
    }
}

if {[llength $argv] > 1} {
    puts stderr "usage: tclsh docker_containers.tcl ?socket-path?"
    exit 2
}
set socketPath [expr {[llength $argv] ? [lindex $argv 0] : "/var/run/docker.sock"}]

if {[catch {unix_sockets::http::geturl $socketPath $request -timeout 30000} token]} {
    puts stderr "docker_containers.tcl: $token"
    exit 1
}
if {[http::status $token] ne "ok"} {
    puts stderr "docker_containers.tcl: [http::status $token] [http::error $token]"
    exit 1
}
set body [http::data $token]
if {[http::ncode $token] != 200} {
    # The API says what went wrong in {"message": "..."}.
    if {[catch {dict get [jsonDecode $body] message} message]} {
        set message [http::code $token]
    }
    puts stderr "docker_containers.tcl: $message"
    exit 1
}
http::cleanup $token

set format {%-12s  %-20s  %-24s  %s}
puts [format $format "CONTAINER ID" IMAGE STATUS NAMES]
foreach container [jsonDecode $body] {
    set names [lmap name [dict get $container Names] {string trimleft $name /}]
    puts [format $format [string range [dict get $container Id] 0 11] \
              [dict get $container Image] [dict get $container Status] [join $names ,]]
}
