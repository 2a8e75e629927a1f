# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Tells the service manager (systemd) how this service is doing, as
# sd_notify(3) does: one datagram of KEY=VALUE lines to $NOTIFY_SOCKET,
# sent by unix_sockets::systemd::notify.
#
# Usage: tclsh notify.tcl ?KEY=VALUE ...?     (default: READY=1)
#
# NOTIFY_SOCKET names a socket file, or an abstract name when it starts
# with "@" (the "@" stands for the leading NUL). Without NOTIFY_SOCKET the
# service is not run by systemd (or does not want notifications): nothing
# is sent, and that is not an error. Prints what it sent, or "not sent".
package require unix_sockets::systemd

foreach line $argv {
    if {![regexp {^[A-Z_]+=} $line]} {
        puts stderr "usage: tclsh notify.tcl ?KEY=VALUE ...?"
        exit 2
    }
}
set lines [expr {[llength $argv] ? $argv : {READY=1}}]
if {[unix_sockets::systemd::notify [join $lines \n]]} {
    puts "sent: [join $lines {, }]"
} else {
    puts "not sent"
}
