# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# A control socket that only its own user may use, whatever the file's mode.
#
# Usage: tclsh control_socket.tcl path
#
# The socket file is open to everyone (-permissions 0666), so the decision
# is made per connection, from the credentials the kernel recorded when the
# client connected (-peercred), which a client cannot forge. A client of
# another user gets one line, "denied: uid N", and is disconnected. Ours may
# send "status" (answered with "ok pid N, M connections served") and
# "quit" (which stops the server).
package require unix_sockets

if {[llength $argv] != 1} {
    puts stderr "usage: tclsh control_socket.tcl path"
    exit 2
}
set path [lindex $argv 0]
set myUid [exec id -u]
set served 0

proc accept {chan} {
    set uid [dict get [chan configure $chan -peercred] uid]
    if {$uid != $::myUid} {
        puts $chan "denied: uid $uid"
        close $chan
        return
    }
    incr ::served
    chan configure $chan -blocking 0 -buffering line
    chan event $chan readable [list command $chan]
}

proc command {chan} {
    if {[gets $chan line] < 0} {
        if {[eof $chan]} { close $chan }
        return
    }
    switch -- $line {
        status  { puts $chan "ok pid [pid], $::served connections served" }
        quit    { puts $chan bye; close $chan; set ::done 1 }
        default { puts $chan "unknown command: $line" }
    }
}

set listener [unix_sockets::listen -permissions 0666 $path accept]
puts "listening on $path"
flush stdout
vwait done
close $listener
