# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Benchmarks of unix_sockets against Tcl's own TCP sockets and a raw C
# baseline, in one run. `make bench` builds and runs it; by hand:
#
#   tclsh bench/run.tcl BUILD-DIR ?-mib N? ?-roundtrips N? ?-connections N?
#                                 ?-clients N? ?-repeat N? ?-faninrepeat N?
#                                 ?-cpu any|one|two?
#                                 ?-buffersize N? ?-workloads LIST?
#                                 ?-transports LIST?
#
# where BUILD-DIR is the build directory of that tclsh's Tcl version
# (build/tcl8.6, say) holding the package and bench/bench_raw; make bench
# passes BENCH_FLAGS on. Its first line of output says what it runs.
#
# What it measures. Six workloads (-workloads picks some of throughput
# roundtrips seqpacket datagram connections fanin, and -transports some of
# unix tcp raw, as to profile one), each over unix_sockets, Tcl's TCP sockets
# where Tcl has the kind of socket, and raw C:
#   throughput    the client sends -mib MiB (default 128) in 64 KiB writes,
#                 binary translation, blocking, then closes its sending side;
#                 the server reads and discards up to end of file and answers
#                 with one line. Timed from connect to that answer: MiB/s.
#   round trips   -roundtrips (30000) ping-pong exchanges of one line, both
#                 sides with -buffering line. Round trips per second.
#   seqpacket     -roundtrips ping-pong exchanges as above, over connect /
#                 listen -type seqpacket: each line is one message (one
#                 flush, one read). Round trips per second.
#   datagram      -roundtrips exchanges of one datagram each way: the client
#                 is a datagram socket bound to a path with -remote the
#                 server's; the server's, bound to its path, answers each
#                 message to its -peer. Round trips per second.
#   connections   -connections (5000) cycles of connect, accept (the server's
#                 accept handler closes at once) and end of file read by the
#                 client, which then closes. Connections per second.
#   fan-in        -clients (10000) connections open at once to one
#                 event-driven server (non-blocking channels, a readable
#                 handler echoing each line), in a fresh server process per
#                 run. The clients are one C program for all three servers
#                 (bench_raw fanin-client), so that only the server differs.
#                 Three figures: clients/s while they connect (in batches of
#                 500, each client's first line echoed before the next
#                 batch), echoes/s of one line on every connection with all
#                 of them open, and the server's VmRSS growth divided by the
#                 clients (KiB per connection; lower is better; RSS counts
#                 the process's memory, not the kernel's socket buffers).
# The transports:
#   unix_sockets  unix_sockets::connect / unix_sockets::listen (-type
#                 seqpacket for seqpacket), unix_sockets::datagram
#   Tcl TCP       socket / socket -server on 127.0.0.1, an ephemeral port
#   raw C         bench/raw_baseline.cpp: plain AF_UNIX sockets, blocking
#                 read and write, no Tcl at all (the floor; see that file);
#                 SOCK_SEQPACKET and SOCK_DGRAM for the message workloads,
#                 an epoll server for fan-in
# Tcl has no seqpacket or datagram socket, so those rows show no TCP figure.
# The client is this tclsh (bench_raw for fan-in); the server is another
# process: bench/server.tcl in a child tclsh for the two Tcl transports, a
# forked child of bench_raw for raw C. The Tcl server serves each
# connection of the first five workloads with the same blocking loop for
# both transports, so the two Tcl columns differ only in the channel driver
# underneath. Times are read on the client side only.
#
# Descriptors. Fan-in needs a descriptor per client in the server and in
# the client: both raise their soft limit (ulimit -n) to the hard one. If
# the hard limit is below what -clients needs, fewer clients run and the
# first line says so. Tcl 8.6's own notifier (select) aborts the process at
# a descriptor past 1023, so there Tcl's TCP server gets 1000 clients, marked
# in the table; unix_sockets watches its descriptors past 1023 itself (the
# server loads it first thing, as the README asks).
#
# Where the processes run (-cpu). By default (any) nowhere in particular:
# client and server run as a user's programs do, wherever the scheduler puts
# them. A ping-pong pair then lands sometimes on one CPU and sometimes on
# two, and on a virtual machine a wake-up across CPUs costs tens of
# microseconds, so single runs of the round trips jump between levels; that
# is what a user sees too, and why every figure is a median of many runs
# with their spread printed. Pinning is there for studying the package's
# CPU cost, and the first line then says "pinned": with one, client and
# server of every transport share one CPU (taskset; each figure is then
# the CPU cost of the work, repeatable within a few percent); with two, the
# client runs on the first CPU this process may use and the server on the
# second, and every exchange pays the cross-CPU wake-up.
#
# -buffersize N sets that -buffersize on the Tcl channels of the data
# workloads (not connections, not fan-in), client and server side. Without
# it each transport keeps its default, which is what a script gets unless it
# asks: 65536 bytes for unix_sockets' stream channels, 1048576 for its
# message channels, Tcl's 4096 for TCP, where every 64 KiB write then leaves
# as sixteen 4 KiB sends. -buffersize 65536 compares the drivers alone.
#
# How to read it. Each figure is the median of -repeat (9) runs, fan-in's
# of -faninrepeat (5: a run of it takes seconds, and its figures vary
# less), printed with the lowest and highest of them: "41230
# [36100-45010]". The runs of the
# transports are interleaved in rounds, each round starting with another
# transport, so drift in machine load spreads over all columns; the ratio
# columns are the median and range of the ratios within each round. Higher
# is better everywhere but in the memory row. The ratio columns are what the
# benchmark claims:
#   unix/TCP  > 1 means unix_sockets beats Tcl's TCP sockets on loopback
#   unix/raw  the share of the raw kernel speed that a Tcl script gets;
#             below 1, far below for bulk data, because every byte also
#             goes through Tcl's channel layer and every call through the
#             interpreter
# Under the table, each message round trip is divided by the stream round
# trip of the same transport (unix_sockets, and raw C), in the same round:
# the cost of message framing, and for datagrams of addressing each answer.
# Absolute figures depend on the machine and on whatever else runs on it
# (on shared cores, a lot): compare ratios, and trust no difference smaller
# than the spread.
#
# Everything (sockets) lives in one mktemp -d directory, removed at the end;
# the server children exit when this script's pipe to them closes.

package require Tcl 8.6-

proc usage {} {
    puts stderr "usage: [file tail [info script]] BUILD-DIR ?-mib N? ?-roundtrips N?\
                 ?-connections N? ?-clients N? ?-repeat N? ?-faninrepeat N?\
                 ?-cpu any|one|two?\
                 ?-buffersize N? ?-workloads LIST? ?-transports LIST?"
    exit 2
}

if {[llength $argv] < 1 || [llength $argv] % 2 != 1} usage
set build [file normalize [lindex $argv 0]]
set workloads {throughput roundtrips seqpacket datagram connections fanin}
set transports {unix tcp raw}
array set opt [list -mib 128 -roundtrips 30000 -connections 5000 -clients 10000 \
                   -repeat 9 -faninrepeat 5 -cpu any -buffersize {} -workloads $workloads \
                   -transports $transports]
foreach {name value} [lrange $argv 1 end] {
    if {![info exists opt($name)]} usage
    if {$name eq "-cpu"} {
        if {$value ni {one two any}} usage
    } elseif {$name in {-workloads -transports}} {
        # Names from the list of all of them.
        set all [set [string range $name 1 end]]
        if {![string is list $value] || [llength $value] == 0} usage
        foreach item $value {
            if {$item ni $all} usage
        }
    } elseif {![string is integer -strict $value] || $value < 1} usage
    set opt($name) $value
}

set here [file dirname [file normalize [info script]]]
set raw [file join $build bench bench_raw]
if {![file executable $raw]} {
    puts stderr "no $raw: build it with cmake --build $build --target bench_raw"
    exit 1
}
# Pinned, this process is the client: on the first CPU it may use. What it
# starts inherits that; with -cpu two the servers move to the second.
set serverCpu {}
if {$opt(-cpu) ne "any"} {
    if {[auto_execok taskset] eq ""} {
        puts stderr "no taskset to pin the processes with (Debian: util-linux); or leave out -cpu"
        exit 1
    }
    # "pid N's current affinity list: 0,2-3"
    set cpus {}
    foreach range [split [string trim [lindex [split [exec taskset -p -c [pid]] :] end]] ,] {
        lassign [split $range -] first last
        if {$last eq ""} {set last $first}
        for {set cpu $first} {$cpu <= $last} {incr cpu} {lappend cpus $cpu}
    }
    if {$opt(-cpu) eq "two" && [llength $cpus] < 2} {
        puts stderr "-cpu two needs two CPUs; this process may use only $cpus"
        exit 1
    }
    exec taskset -p -c [lindex $cpus 0] [pid] >/dev/null
    if {$opt(-cpu) eq "two"} {
        set serverCpu [lindex $cpus 1]
    }
}

# Fan-in clients: what the hard descriptor limit allows, keeping 100 for
# everything else a process holds; on Tcl 8.6, Tcl's TCP server stops at
# 1000 (see the header).
set hardLimit [exec sh -c {ulimit -Hn}]
set clients $opt(-clients)
if {$hardLimit ne "unlimited" && $clients > $hardLimit - 100} {
    set clients [expr {max(1, $hardLimit - 100)}]
}
set clientsOf [dict create unix $clients tcp $clients raw $clients]
if {[package vsatisfies [info tclversion] 8]} {
    dict set clientsOf tcp [expr {min($clients, 1000)}]
}

# What the data workloads configure on every Tcl channel, besides their
# translation or buffering.
set channelOptions {}
if {$opt(-buffersize) ne ""} {
    set channelOptions [list -buffersize $opt(-buffersize)]
}

# The package of this build tree, here and in the server children.
set env(TCLLIBPATH) [list $build]
set auto_path [linsert $auto_path 0 $build]
package require unix_sockets

# ---- What this run is: the first line ----------------------------------------

set nproc [exec getconf _NPROCESSORS_ONLN]
set placement [dict get {
    any "unpinned (client and server where the scheduler puts them)"
    one "PINNED: client and server on one CPU (-cpu one)"
    two "PINNED: client on one CPU, server on another (-cpu two)"
} $opt(-cpu)]
set fanInNote "fan-in $clients clients"
if {$clients < $opt(-clients)} {
    append fanInNote " (not $opt(-clients): the hard descriptor limit, ulimit -Hn, is $hardLimit)"
}
if {[dict get $clientsOf tcp] < $clients && "tcp" in $opt(-transports)} {
    append fanInNote " (Tcl TCP: [dict get $clientsOf tcp], see *)"
}
set buffers ""
if {$opt(-buffersize) ne ""} {
    set buffers ", -buffersize $opt(-buffersize)"
}
puts "unix_sockets [package present unix_sockets] on Tcl [info patchlevel],\
      [clock format [clock seconds] -format %Y-%m-%d], $nproc CPUs, $placement;\
      median \[lowest-highest\] of $opt(-repeat) runs per figure ($opt(-faninrepeat) for\
      fan-in); throughput\
      $opt(-mib) MiB in 64 KiB writes, $opt(-roundtrips) round trips,\
      $opt(-connections) connections, $fanInNote$buffers"
flush stdout

# ---- Clients: each returns the elapsed microseconds -------------------------

proc connectTo {transport address} {
    if {$transport eq "unix"} {
        return [unix_sockets::connect $address]
    }
    return [socket 127.0.0.1 $address]
}

# -roundtrips exchanges of "ping" over a line-buffered channel: the stream
# and both message workloads.
proc pingpong {workload transport channel} {
    chan configure $channel -buffering line {*}$::channelOptions
    set count $::opt(-roundtrips)
    set start [clock microseconds]
    for {set i 0} {$i < $count} {incr i} {
        puts $channel ping
        gets $channel line
    }
    set elapsed [expr {[clock microseconds] - $start}]
    if {$line ne "ping"} {
        error "$transport $workload: the server echoed \"$line\""
    }
    return $elapsed
}

proc throughput {transport address} {
    set chunk [binary format x65536]
    set writes [expr {$::opt(-mib) * 16}]
    set start [clock microseconds]
    set channel [connectTo $transport $address]
    chan configure $channel -translation binary {*}$::channelOptions
    for {set i 0} {$i < $writes} {incr i} {
        puts -nonewline $channel $chunk
    }
    chan close $channel write
    set reply [gets $channel]
    close $channel
    set elapsed [expr {[clock microseconds] - $start}]
    if {$reply != $writes * 65536} {
        error "$transport throughput: the server counted \"$reply\" bytes"
    }
    return $elapsed
}

proc roundtrips {transport address} {
    set channel [connectTo $transport $address]
    try {
        return [pingpong "round trips" $transport $channel]
    } finally {
        close $channel
    }
}

proc seqpacket {transport address} {
    set channel [unix_sockets::connect -type seqpacket $address]
    try {
        return [pingpong seqpacket $transport $channel]
    } finally {
        close $channel
    }
}

# The server's loop ends with the message "done" (see bench/server.tcl).
proc datagram {transport address} {
    set channel [unix_sockets::datagram -remote $address \
                     [file join [file dirname $address] client.sock]]
    try {
        set elapsed [pingpong datagram $transport $channel]
        puts $channel done
        return $elapsed
    } finally {
        close $channel
    }
}

proc connections {transport address} {
    set count $::opt(-connections)
    set start [clock microseconds]
    for {set i 0} {$i < $count} {incr i} {
        set channel [connectTo $transport $address]
        read $channel
        close $channel
    }
    return [expr {[clock microseconds] - $start}]
}

# A command line that runs with the soft descriptor limit raised to the
# hard one, and with -cpu two on the server's CPU.
proc serverCommand {args} {
    set command [list sh -c {ulimit -n "$(ulimit -Hn)" && exec "$@"} sh {*}$args]
    if {$::serverCpu ne ""} {
        set command [list taskset -c $::serverCpu {*}$command]
    }
    return $command
}

# One fan-in run against a fresh server of that transport: "SETUP ECHO
# BEFORE AFTER" as bench_raw prints it.
proc fanIn {transport} {
    global raw dir here clientsOf serverCpu
    set count [dict get $clientsOf $transport]
    if {$transport eq "raw"} {
        return [exec $raw fanin [file join $dir raw.sock] $count {*}$serverCpu 2>@stderr]
    }
    set pipe [open |[list {*}[serverCommand [info nameofexecutable] \
                                  [file join $here server.tcl] fanin $transport $dir] \
                         2>@stderr] r+]
    try {
        if {[gets $pipe line] < 0 || [lindex $line 0] ne "ready"} {
            error "the $transport fan-in server did not start"
        }
        return [exec $raw fanin-client [lindex $line 1] $count [pid $pipe] 2>@stderr]
    } on error {message options} {
        catch {exec kill {*}[pid $pipe]}
        return -options $options $message
    } finally {
        catch {close $pipe}
    }
}

# The figures of one run of a workload over a transport: row, value, ...
proc measure {workload transport} {
    global opt raw dir servers serverCpu
    if {$workload eq "fanin"} {
        lassign [fanIn $transport] setup echo before after
        set count [dict get $::clientsOf $transport]
        return [list faninSetup [expr {$count * 1e6 / $setup}] \
                     faninEcho [expr {$count * 1e6 / $echo}] \
                     faninMemory [expr {double($after - $before) / $count}]]
    }
    set amount [dict get [list throughput $opt(-mib) roundtrips $opt(-roundtrips) \
                              connections $opt(-connections) seqpacket $opt(-roundtrips) \
                              datagram $opt(-roundtrips)] $workload]
    if {$transport eq "raw"} {
        set micros [exec $raw $workload [file join $dir raw.sock] $amount {*}$serverCpu \
                        2>@stderr]
    } else {
        # In the order of server.tcl's ready line.
        set index [lsearch {throughput roundtrips connections seqpacket datagram} $workload]
        set micros [$workload $transport [lindex [dict get $servers $transport] $index]]
    }
    return [list $workload [expr {$amount * 1e6 / $micros}]]
}

proc median {values} {
    set sorted [lsort -real $values]
    set n [llength $sorted]
    if {$n % 2} {return [lindex $sorted [expr {$n / 2}]]}
    return [expr {([lindex $sorted [expr {$n / 2 - 1}]] + [lindex $sorted [expr {$n / 2}]]) / 2.0}]
}

proc figure {value} {
    if {abs($value) >= 100} {return [format %.0f $value]}
    if {abs($value) >= 10} {return [format %.1f $value]}
    return [format %.2f $value]
}

# "median [lowest-highest]" of values, each formatted by format.
proc spread {values {format figure}} {
    set sorted [lsort -real $values]
    set range "[$format [lindex $sorted 0]]-[$format [lindex $sorted end]]"
    return "[$format [median $values]] \[$range\]"
}

proc ratio {value} {
    return [format %.2f $value]
}

# The ratios of two rows of figures taken in the same rounds.
proc ratios {numerators denominators} {
    set result {}
    foreach n $numerators d $denominators {
        if {$d == 0} {return {}}
        lappend result [expr {$n / double($d)}]
    }
    return $result
}

# ---- The run ----------------------------------------------------------------

# The workloads asked for, in this order.
set workloads [lmap workload $workloads {
    if {$workload ni $opt(-workloads)} continue
    set workload
}]
# The transports of each workload: Tcl has no message sockets.
set transportsOf {
    throughput  {unix tcp raw}
    roundtrips  {unix tcp raw}
    seqpacket   {unix raw}
    datagram    {unix raw}
    connections {unix tcp raw}
    fanin       {unix tcp raw}
}
dict for {workload transports} $transportsOf {
    dict set transportsOf $workload [lmap transport $transports {
        if {$transport ni $opt(-transports)} continue
        set transport
    }]
}
set dir [exec mktemp -d -t unix_sockets-bench.XXXXXX]
set pipes {}
set servers {}
set ok 0
try {
    foreach transport {unix tcp} {
        if {$transport ni $opt(-transports)} continue
        set command [serverCommand [info nameofexecutable] [file join $here server.tcl] \
                         $transport $dir $channelOptions]
        set pipe [open |[list {*}$command 2>@stderr] r+]
        lappend pipes $pipe
        if {[gets $pipe line] < 0 || [lindex $line 0] ne "ready"} {
            error "the $transport server did not start"
        }
        dict set servers $transport [lrange $line 1 end]
    }

    foreach workload $workloads {
        puts -nonewline stderr "$workload:"
        flush stderr
        set transports [dict get $transportsOf $workload]
        set repeat $opt([expr {$workload eq "fanin" ? "-faninrepeat" : "-repeat"}])
        for {set round 0} {$round < $repeat} {incr round} {
            # Each round starts with another transport.
            set shift [expr {$round % [llength $transports]}]
            set order [concat [lrange $transports $shift end] \
                              [lrange $transports 0 [expr {$shift - 1}]]]
            foreach transport $order {
                foreach {row value} [measure $workload $transport] {
                    lappend results($row,$transport) $value
                }
                puts -nonewline stderr .
                flush stderr
            }
        }
        puts stderr ""
    }
    set ok 1
} finally {
    foreach pipe $pipes {
        # A server stuck in a connection that an error left open would
        # never see its standard input close.
        if {!$ok} {catch {exec kill {*}[pid $pipe]}}
        catch {close $pipe}
    }
    file delete -force $dir
}

# ---- The table ----------------------------------------------------------------

set rows {
    throughput  "throughput, MiB/s"
    roundtrips  "stream round trips/s"
    seqpacket   "seqpacket trips/s"
    datagram    "datagram trips/s"
    connections "connections/s"
    faninSetup  "fan-in: clients/s"
    faninEcho   "fan-in: echoes/s"
    faninMemory "fan-in: KiB/client"
}
# Rows whose Tcl TCP figure comes from fewer fan-in clients.
set fewer {}
if {[dict get $clientsOf tcp] < $clients && "tcp" in $opt(-transports)} {
    set fewer {faninSetup faninEcho faninMemory}
}
set format "%-21s %-22s %-22s %-22s %-17s %-17s"
puts ""
puts [string trimright [format $format workload unix_sockets "Tcl TCP" "raw C" unix/TCP unix/raw]]
foreach {row label} $rows {
    if {[array names results $row,*] eq {}} continue
    set cells {}
    foreach transport {unix tcp raw} {
        if {![info exists results($row,$transport)]} {
            lappend cells -
            continue
        }
        set cell [spread $results($row,$transport)]
        if {$transport eq "tcp" && $row in $fewer} {append cell *}
        lappend cells $cell
    }
    foreach other {tcp raw} {
        set cell -
        if {[info exists results($row,unix)] && [info exists results($row,$other)]} {
            set r [ratios $results($row,unix) $results($row,$other)]
            # No ratio to raw C's memory, which hardly grows.
            if {$r ne {} && !($row eq "faninMemory" && $other eq "raw")} {
                set cell [spread $r ratio]
            }
        }
        lappend cells $cell
    }
    puts [string trimright [format $format $label {*}$cells]]
}
if {$fewer ne {} && "fanin" in $workloads} {
    puts "* [dict get $clientsOf tcp] clients: Tcl [info tclversion]'s notifier (select) aborts\
          the process at a descriptor past 1023"
}
if {"fanin" in $workloads} {
    puts "KiB/client is the server's VmRSS growth per client (lower is better;\
          kernel socket buffers are not in it)"
}
set messages [lmap row {seqpacket datagram} {
    if {$row ni $workloads || "roundtrips" ni $workloads
        || "unix" ni $opt(-transports) || "raw" ni $opt(-transports)} continue
    set row
}]
if {$messages eq {}} return
puts ""
puts "message round trips / stream round trips, in the same round:"
puts [string trimright [format $format "" unix_sockets "" "raw C" "" ""]]
foreach row $messages {
    puts [string trimright [format $format [dict get $rows $row] \
        [spread [ratios $results($row,unix) $results(roundtrips,unix)] ratio] "" \
        [spread [ratios $results($row,raw) $results(roundtrips,raw)] ratio] "" ""]]
}
