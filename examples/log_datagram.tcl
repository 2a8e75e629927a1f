# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Logs to a datagram socket the way programs log to syslog: one datagram per
# line, in the syslog format rsyslog and journald read on /dev/log.
#
# Usage: tclsh log_datagram.tcl socket-path message ?message ...?
#
# Each message is sent as "<PRIORITY>TAG[PID]: message" with facility user
# and severity info (priority 14). Against /dev/log it lands in the system
# log; any datagram socket bound at socket-path receives the same lines.
package require unix_sockets

if {[llength $argv] < 2} {
    puts stderr "usage: tclsh log_datagram.tcl socket-path message ?message ...?"
    exit 2
}
set messages [lassign $argv path]

set log [unix_sockets::datagram -remote $path]
chan configure $log -translation binary
set tag [file rootname [file tail [info script]]]
foreach message $messages {
    # No newline: a syslog datagram ends where the datagram ends. One
    # flush sends one datagram.
    puts -nonewline $log "<14>$tag\[[pid]\]: $message"
    flush $log
}
close $log
