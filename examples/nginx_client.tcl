# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# An HTTP client for a web server that listens on a Unix socket, such as
# nginx with "listen unix:/run/nginx/app.sock;": it fetches each resource
# in turn over one kept-alive connection, with Tcl's own http package, and
# prints its status line and body.
#
# Usage: tclsh nginx_client.tcl socket-path resource ?resource ...?
#
# A resource is what follows the host in a URL: /index.html, /api/v1?x=1.
# The requests carry "Host: localhost", so nginx picks the server block
# whose server_name is localhost, or its default server. Exits 1 when a
# request fails or a status is not 2xx.
package require unix_sockets::http

if {[llength $argv] < 2 || ![string match /* [lindex $argv 1]]} {
    puts stderr "usage: tclsh nginx_client.tcl socket-path resource ?resource ...?"
    exit 2
}
set resources [lassign $argv socketPath]

set status 0
foreach resource $resources {
    if {[catch {
        unix_sockets::http::geturl $socketPath $resource -keepalive 1 -timeout 10000
    } token]} {
        puts stderr "nginx_client.tcl: $token"
        exit 1
    }
    if {[http::status $token] ne "ok"} {
        puts stderr "nginx_client.tcl: $resource: [http::status $token] [http::error $token]"
        exit 1
    }
    puts "$resource: [http::code $token]"
    set body [http::data $token]
    puts -nonewline $body
    if {$body ne "" && [string index $body end] ne "\n"} {
        puts ""
    }
    if {[http::ncode $token] / 100 != 2} {
        set status 1
    }
    http::cleanup $token
}
exit $status
