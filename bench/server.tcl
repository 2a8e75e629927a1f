# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# The server side of bench/run.tcl, in a tclsh of its own so that client and
# server are two processes, as they are in real use.
#
#   tclsh server.tcl ?-notifier NAME? unix DIR ?OPTIONS?
#                               listens on DIR/throughput.sock,
#                               DIR/roundtrips.sock, DIR/connections.sock,
#                               DIR/concurrent.sock and (-type seqpacket)
#                               DIR/seqpacket.sock; receives on the datagram
#                               socket DIR/datagram.sock
#   tclsh server.tcl ?-notifier NAME? tcp DIR ?OPTIONS?
#                               listens on four ephemeral ports of 127.0.0.1
#                               (DIR unused)
#   tclsh server.tcl ?-notifier NAME? fanin unix|tcp DIR
#                               the event-driven echo server of the fan-in
#                               workload, alone in its process (so that its
#                               VmRSS is that of the connections), on
#                               DIR/fanin.sock or an ephemeral port of
#                               127.0.0.1
#
# OPTIONS is a list of channel options (-buffersize N) that the data
# workloads set on each connection besides their translation or buffering.
#
# -notifier epoll installs the package's epoll notifier first thing
# (unix_sockets::notifier epoll, Tcl 8.6 only), before any channel has a
# handler, as the README asks of scripts that use it; -notifier tcl, the
# default, keeps Tcl's own. A build whose package has no
# unix_sockets::notifier command refuses -notifier epoll.
#
# Prints "ready ADDRESS ..." (fan-in: "ready unix:PATH" or "ready tcp:PORT",
# as bench_raw fanin-client takes it; otherwise throughput, round trips,
# connections, concurrent, and for unix seqpacket and datagram: socket paths
# or port numbers) once all listen, serves one connection (or datagram
# client) at a time, but for the concurrent clients, and exits when its
# standard input closes, which happens when the driver finishes or dies.
#
# The same procs serve both transports: everything after the accept is plain
# Tcl channel code, so the only difference between the two runs is the
# channel driver underneath. The two data workloads are served by a
# blocking loop inside the accept handler, as the client is: that times the
# channel path, not the event loop (the client is sequential, so nothing
# waits for the handler to return). Seqpacket round trips are served by the
# same proc as stream ones: with -buffering line, one line is one message.
# The concurrent clients meet the fan-in server's event-driven echo instead:
# there several connections are served at once, so the server cannot block
# on one of them.

set usage "usage: server.tcl ?-notifier tcl|epoll? unix|tcp DIR ?OPTIONS?,\
           or server.tcl ?-notifier tcl|epoll? fanin unix|tcp DIR"
set notifier tcl
if {[lindex $argv 0] eq "-notifier"} {
    set notifier [lindex $argv 1]
    set argv [lrange $argv 2 end]
}
switch -- $notifier {
    tcl {}
    epoll {
        package require unix_sockets
        if {[info commands unix_sockets::notifier] eq ""} {
            puts stderr "server.tcl: -notifier epoll: this build of unix_sockets\
                         has no unix_sockets::notifier"
            exit 1
        }
        unix_sockets::notifier epoll
    }
    default {
        puts stderr $usage
        exit 2
    }
}

lassign $argv transport dir channelOptions

# The fan-in server, and the concurrent workload's: what a daemon with many
# clients is, every connection non-blocking with a readable handler that
# echoes each line as it comes.
# Both transports keep their default buffer sizes, as such a daemon would;
# lines end in LF (Tcl's TCP sockets would send CRLF by default).
proc fanInAccept {channel args} {
    chan configure $channel -blocking 0 -buffering line -translation lf
    chan event $channel readable [list fanInEcho $channel]
}

proc fanInEcho {channel} {
    if {[gets $channel line] >= 0} {
        puts $channel $line
    } elseif {[eof $channel]} {
        close $channel
    }
}

# Reads and discards everything up to end of file, then answers with the
# number of bytes read.
proc throughput {channel args} {
    chan configure $channel -translation binary {*}$::channelOptions
    set total 0
    while {1} {
        incr total [string length [read $channel 65536]]
        if {[eof $channel]} break
    }
    puts $channel $total
    close $channel
}

# Echoes every line back until end of file.
proc roundtrips {channel args} {
    chan configure $channel -buffering line {*}$::channelOptions
    while {[gets $channel line] >= 0} {
        puts $channel $line
    }
    close $channel
}

# Closes each connection at once; the client waits for that end of file.
proc connections {channel args} {
    close $channel
}

# Echoes every datagram to its sender, in a blocking loop as above, until a
# client says "done": a datagram socket has no end of file to end a run.
# The readable event starts each run. Answering is what the manual says:
# -remote set to the -peer of the message just read.
proc datagram {channel} {
    while {[gets $channel line] >= 0 && $line ne "done"} {
        chan configure $channel -remote [chan configure $channel -peer]
        puts $channel $line
    }
}

set workloads {throughput roundtrips connections}
set addresses {}
switch -- $transport {
    fanin {
        # argv: fanin unix|tcp DIR
        lassign $argv - transport dir
        if {$transport eq "unix"} {
            package require unix_sockets
            set path [file join $dir fanin.sock]
            unix_sockets::listen $path fanInAccept
            set addresses [list unix:$path]
        } else {
            set listener [socket -server fanInAccept -myaddr 127.0.0.1 0]
            set addresses [list tcp:[lindex [chan configure $listener -sockname] 2]]
        }
    }
    unix {
        package require unix_sockets
        foreach workload $workloads {
            set path [file join $dir $workload.sock]
            unix_sockets::listen $path $workload
            lappend addresses $path
        }
        set path [file join $dir concurrent.sock]
        unix_sockets::listen $path fanInAccept
        lappend addresses $path
        set path [file join $dir seqpacket.sock]
        unix_sockets::listen -type seqpacket $path roundtrips
        lappend addresses $path
        set path [file join $dir datagram.sock]
        set channel [unix_sockets::datagram $path]
        chan configure $channel -buffering line {*}$channelOptions
        chan event $channel readable [list datagram $channel]
        lappend addresses $path
    }
    tcp {
        foreach workload $workloads {
            set listener [socket -server $workload -myaddr 127.0.0.1 0]
            lappend addresses [lindex [chan configure $listener -sockname] 2]
        }
        set listener [socket -server fanInAccept -myaddr 127.0.0.1 0]
        lappend addresses [lindex [chan configure $listener -sockname] 2]
    }
    default {
        puts stderr $usage
        exit 2
    }
}

chan configure stdin -blocking 0
chan event stdin readable {
    read stdin
    if {[eof stdin]} {exit 0}
}
puts "ready $addresses"
flush stdout
vwait forever
