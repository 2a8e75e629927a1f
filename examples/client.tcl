# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# The seed's client, verbatim after the package require: it sends a line,
# waits for the response and prints it.
package require unix_sockets

proc readable {con} {
    set msg [gets $con]
    puts "got response: ($msg)"
    set ::done 1
}

set con     [unix_sockets::connect /tmp/example.socket]
puts $con "hello, world"
flush $con
chan event $con readable [list readable $con]
vwait ::done
