# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# A line server that systemd starts when its socket is first used (socket
# activation), and that tells systemd when it is ready, how it is doing,
# and when it stops. Each line a client sends comes back upper-cased after
# the name of the socket it came in on; the line "quit" stops the server.
#
# Usage: tclsh activated_server.tcl, started by systemd or by
#        systemd-socket-activate, which pass it the listening sockets.
#
# To try it without systemd:
#
#     systemd-socket-activate -l /tmp/upper.sock tclsh activated_server.tcl
#     echo hello | nc -U -N /tmp/upper.sock          ;# unknown HELLO
#
# Under systemd, with a socket unit and a service of Type=notify:
#
#     # upper.socket                    # upper.service
#     [Socket]                          [Service]
#     ListenStream=/run/upper.sock      Type=notify
#     FileDescriptorName=upper          ExecStart=/usr/bin/tclsh /usr/local/share/activated_server.tcl
package require unix_sockets::systemd

set served 0

proc accept {name chan} {
    chan configure $chan -blocking 0 -buffering line
    chan event $chan readable [list serve $name $chan]
}

proc serve {name chan} {
    while {[gets $chan line] >= 0} {
        if {$line eq "quit"} {
            puts $chan bye
            close $chan
            unix_sockets::systemd::notify STOPPING=1
            set ::done 1
            return
        }
        puts $chan "$name [string toupper $line]"
    }
    if {[eof $chan]} {
        close $chan
        incr ::served
        unix_sockets::systemd::notify "STATUS=connections served: $::served"
    }
}

# -unset: programs this server starts must not think the sockets are theirs.
set sockets [unix_sockets::systemd::listen -unset accept]
if {[dict size $sockets] == 0} {
    puts stderr "activated_server.tcl: no sockets passed (start it with systemd-socket-activate or a socket unit)"
    exit 1
}
chan configure stdout -buffering line
puts "serving [join [dict keys $sockets] {, }]"
# The sockets were listening before this process started; it is ready now.
unix_sockets::systemd::notify "READY=1\nSTATUS=serving [join [dict keys $sockets] {, }]"
vwait done
