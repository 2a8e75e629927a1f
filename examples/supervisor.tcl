# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# A supervisor that accepts connections and hands each one to a worker
# process, which then talks to the client directly.
#
# Usage: tclsh supervisor.tcl path ?workers?
#
# The supervisor listens at path and starts `workers` (default 2) copies of
# this script as workers, which connect back to it over a private socket
# (path.workers). Each client connection goes, in turn, to the next worker
# with sendchannels; the supervisor then closes its own copy, and the
# worker's copy is the connection from then on. A worker greets the client
# with "worker PID", echoes one line back, and closes. Workers end when the
# supervisor does. The supervisor prints "ready" once every worker is there.
package require unix_sockets

proc usage {} {
    puts stderr "usage: tclsh supervisor.tcl path ?workers?"
    exit 2
}

# ---- Worker ---------------------------------------------------------------------

proc worker {control} {
    set link [unix_sockets::connect $control]
    chan configure $link -translation binary -blocking 0
    chan event $link readable [list takeClients $link]
    vwait forever
}

# Each client arrives with one byte on the link.
proc takeClients {link} {
    read $link
    if {[eof $link]} { exit 0 }
    foreach client [unix_sockets::recvchannels $link] {
        chan configure $client -buffering line -blocking 0
        puts $client "worker [pid]"
        chan event $client readable [list echo $client]
    }
}

proc echo {client} {
    if {[gets $client line] < 0} {
        if {[eof $client]} { close $client }
        return
    }
    puts $client $line
    close $client
}

# ---- Supervisor -----------------------------------------------------------------

proc supervise {path count} {
    set ::workers {}
    set ::next 0
    set control $path.workers
    set ::controlListener [unix_sockets::listen -permissions 0600 $control workerArrived]
    for {set i 0} {$i < $count} {incr i} {
        exec [info nameofexecutable] [info script] -worker $control &
    }
    while {[llength $::workers] < $count} {
        vwait ::workers
    }
    set ::clientListener [unix_sockets::listen $path handOver]
    puts ready
    flush stdout
    vwait forever
}

proc workerArrived {link} {
    chan configure $link -translation binary
    lappend ::workers $link
}

proc handOver {client} {
    set worker [lindex $::workers $::next]
    set ::next [expr {($::next + 1) % [llength $::workers]}]
    unix_sockets::sendchannels $worker x [list $client]
    # The worker has its own copy now.
    close $client
}

if {[lindex $argv 0] eq "-worker" && [llength $argv] == 2} {
    worker [lindex $argv 1]
} elseif {[llength $argv] in {1 2}} {
    lassign $argv path count
    if {$count eq ""} { set count 2 }
    if {![string is integer -strict $count] || $count < 1} usage
    supervise $path $count
} else {
    usage
}
