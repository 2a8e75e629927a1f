# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# The seed's echo server, verbatim after the package require: it echoes the
# first line each client sends, then closes the connection.
package require unix_sockets

proc readable {con} {
    set msg [gets $con]
    puts $con $msg
    close $con
}

proc accept {con} {
    chan event $con readable [list readable $con]
}

set listen   [unix_sockets::listen /tmp/example.socket accept]

vwait ::forever
