# Tells the service manager (systemd) how this service is doing, as
# sd_notify(3) does: one datagram of KEY=VALUE lines to $NOTIFY_SOCKET.
#
# Usage: tclsh notify.tcl ?KEY=VALUE ...?     (default: READY=1)
#
# NOTIFY_SOCKET names a socket file, or an abstract name when it starts
# with "@" (the "@" stands for the leading NUL). Without NOTIFY_SOCKET the
# service is not run by systemd (or does not want notifications): nothing
# is sent, and that is not an error. Prints what it sent, or "not sent".
package require unix_sockets

proc notify {lines} {
    if {![info exists ::env(NOTIFY_SOCKET)] || $::env(NOTIFY_SOCKET) eq ""} {
        return 0
    }
    set address $::env(NOTIFY_SOCKET)
    if {[string index $address 0] eq "@"} {
        set address \0[string range $address 1 end]
    }
    set d [unix_sockets::datagram -remote $address]
    chan configure $d -translation binary
    # One flush, one datagram.
    puts -nonewline $d [join $lines \n]
    flush $d
    close $d
    return 1
}

foreach line $argv {
    if {![regexp {^[A-Z_]+=} $line]} {
        puts stderr "usage: tclsh notify.tcl ?KEY=VALUE ...?"
        exit 2
    }
}
set lines [expr {[llength $argv] ? $argv : {READY=1}}]
if {[notify $lines]} {
    puts "sent: [join $lines {, }]"
} else {
    puts "not sent"
}
