# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Benchmarks of unix_sockets against Tcl's own TCP sockets and a raw C
# baseline, in one run. `make bench` builds and runs it; by hand:
#
#   tclsh bench/run.tcl BUILD-DIR ?-mib N? ?-roundtrips N? ?-connections N?
#                                 ?-clients N? ?-concurrency LIST?
#                                 ?-repeat N? ?-faninrepeat N?
#                                 ?-cpu any|one|two?
#                                 ?-buffersize N? ?-workloads LIST?
#                                 ?-transports LIST?
#
# where BUILD-DIR is the build directory of that tclsh's Tcl version
# (build/tcl8.6, say) holding the package and bench/bench_raw; make bench
# passes BENCH_FLAGS on. Its first line of output says what it runs.
#
# What it measures. Seven workloads (-workloads picks some of throughput
# roundtrips seqpacket datagram connections concurrent fanin, and
# -transports some of unix tcp raw, as to profile one), each over
# unix_sockets, Tcl's TCP sockets where Tcl has the kind of socket, and raw C:
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
#   concurrent    for each N of -concurrency (1 4 16), N connections doing
#                 -roundtrips ping-pong exchanges of one line in all (each
#                 its share), all at once, against one event-driven server
#                 (the fan-in server's: non-blocking channels, a readable
#                 handler echoing each line; raw C's, epoll). With several
#                 messages waiting the server's CPU bounds the rate, not the
#                 wake-up of an idle process. The clients are one C program
#                 (bench_raw concurrent-client, one thread, epoll) for all
#                 three servers, so that only the server differs. Timed
#                 from the first ping to the last echo, once every
#                 connection has made one untimed round trip: round trips
#                 per second, all connections together. N = 1 is the event-
#                 driven counterpart of "round trips", whose server is a
#                 blocking loop that never waits in Tcl's notifier.
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
# Beside each rate, the server's CPU time per message: the user + system
# time of the server process, all its threads (Tcl 8.6's notifier thread
# among them), read from /proc/PID/task/*/schedstat when the client starts
# its clock and when it stops it, divided by the messages: per MiB for
# throughput, per round trip, per connection, per client connected and per
# echo for fan-in. Whichever process waits, this is what the server pays;
# its ratio to raw C's says how much more a Tcl server burns per message.
#
# The transports:
#   unix_sockets  unix_sockets::connect / unix_sockets::listen (-type
#                 seqpacket for seqpacket), unix_sockets::datagram
#   Tcl TCP       socket / socket -server on 127.0.0.1, an ephemeral port
#   raw C         bench/raw_baseline.cpp: plain AF_UNIX sockets, blocking
#                 read and write, no Tcl at all (the floor; see that file);
#                 SOCK_SEQPACKET and SOCK_DGRAM for the message workloads,
#                 an epoll server for fan-in
# Tcl has no seqpacket or datagram socket, so those rows show no TCP figure.
# The client is this tclsh (bench_raw for concurrent and fan-in); the server
# is another process: bench/server.tcl in a child tclsh for the two Tcl
# transports, a forked child of bench_raw for raw C. The Tcl server serves
# each connection of the first five workloads with the same blocking loop
# for both transports, so the two Tcl rows differ only in the channel
# driver underneath. Times are read on the client side only.
#
# Notifiers. On Tcl 8.6, when the package has unix_sockets::notifier (its
# epoll notifier, in place of Tcl 8.6's select() thread), unix_sockets'
# servers run twice in every round: with Tcl's notifier ("unix_sockets")
# and with the package's ("unix_sockets+epoll", server.tcl -notifier
# epoll), and a last table divides the second by the first. Fan-in also
# runs Tcl's own TCP server under the package's notifier ("Tcl TCP+epoll"),
# which, unlike Tcl 8.6's select(), takes every client. Without that
# command the second line of output says so and only Tcl's notifier runs.
# Tcl 9's own notifier waits with epoll already: one unix_sockets row.
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
# transport, so drift in machine load spreads over all rows; the ratio
# columns are the median and range of the ratios within each round. Each
# workload has a row per server; higher rates are better, lower CPU and
# memory. The ratio columns are what the benchmark claims:
#   rate/TCP  > 1 means that server beats Tcl's TCP sockets on loopback
#   rate/raw  the share of the raw kernel speed that a Tcl script gets;
#             below 1, far below for bulk data, because every byte also
#             goes through Tcl's channel layer and every call through the
#             interpreter
#   CPU/raw   how many times raw C's CPU the server spends per message:
#             what a busy server pays for being written in Tcl. Unpinned,
#             it moves with the scheduler as the rates do: waking an idle
#             CPU for every message costs the woken process CPU time too
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
                 ?-connections N? ?-clients N? ?-concurrency LIST? ?-repeat N?\
                 ?-faninrepeat N? ?-cpu any|one|two?\
                 ?-buffersize N? ?-workloads LIST? ?-transports LIST?"
    exit 2
}

if {[llength $argv] < 1 || [llength $argv] % 2 != 1} usage
set build [file normalize [lindex $argv 0]]
set workloads {throughput roundtrips seqpacket datagram connections concurrent fanin}
set transports {unix tcp raw}
array set opt [list -mib 128 -roundtrips 30000 -connections 5000 -clients 10000 \
                   -concurrency {1 4 16} -repeat 9 -faninrepeat 5 -cpu any -buffersize {} \
                   -workloads $workloads -transports $transports]
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
    } elseif {$name eq "-concurrency"} {
        if {![string is list $value] || [llength $value] == 0} usage
        foreach item $value {
            if {![string is integer -strict $item] || $item < 1} usage
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

# The servers of unix_sockets: with Tcl's notifier ("unix"), and on Tcl 8.6
# with the package's epoll notifier too ("epoll") where this build has it.
set epollNote ""
if {"unix" in $opt(-transports) && [package vsatisfies [info tclversion] 8]} {
    if {[info commands unix_sockets::notifier] ne ""} {
        set idx [lsearch $opt(-transports) unix]
        set opt(-transports) [linsert $opt(-transports) [incr idx] epoll]
        dict set clientsOf epoll $clients
        set epollNote "unix_sockets' servers run with Tcl's notifier (unix_sockets) and with\
                       unix_sockets::notifier epoll (unix_sockets+epoll)"
        # Fan-in only: Tcl's own TCP server with every client, which only
        # the epoll notifier lets it hold on Tcl 8.6.
        if {"tcp" in $opt(-transports)} {
            set idx [lsearch $opt(-transports) tcp]
            set opt(-transports) [linsert $opt(-transports) [incr idx] tcpepoll]
            dict set clientsOf tcpepoll $clients
            append epollNote "; fan-in also with Tcl's TCP server under it (Tcl TCP+epoll)"
        }
    } else {
        set epollNote "the epoll notifier (unix_sockets::notifier) is not in this build:\
                       unix_sockets' servers run with Tcl's notifier only"
    }
}

# The round trips each concurrent run makes in all: -roundtrips, rounded
# down to a multiple of the connections (bench_raw shares them out evenly).
proc concurrentTrips {connections} {
    return [expr {max(1, $::opt(-roundtrips) / $connections) * $connections}]
}

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
      $opt(-connections) connections, [join $opt(-concurrency) ,] concurrent\
      clients, $fanInNote$buffers; server CPU is user + system time of the\
      server process over the timed part"
if {$epollNote ne ""} {
    puts $epollNote
}
flush stdout

# ---- Clients: each returns the elapsed microseconds and the server's CPU ----

# The CPU time, user + system in nanoseconds, that process pid has used in
# all its threads (as cpuNanos in bench/raw_baseline.cpp, which says why).
proc cpuNanos {pid} {
    set total 0
    set files [glob -nocomplain /proc/$pid/task/*/schedstat]
    foreach file $files {
        set channel [open $file]
        set fields [read $channel]
        close $channel
        incr total [lindex $fields 0]
    }
    if {$files ne {}} {
        return $total
    }
    # No schedstat: utime + stime in clock ticks, after the "(COMM)".
    set channel [open /proc/$pid/stat]
    set line [read $channel]
    close $channel
    set fields [string range $line [string last ) $line]+1 end]
    if {![info exists ::ticksPerSecond]} {
        set ::ticksPerSecond [exec getconf CLK_TCK]
    }
    return [expr {([lindex $fields 11] + [lindex $fields 12]) * 1000000000 / $::ticksPerSecond}]
}

# The server process the next client talks to, whose CPU it reads.
set serverPid 0

# Starts the clock (and the server's CPU count) of a timed part.
proc startTiming {} {
    set ::cpuAtStart [cpuNanos $::serverPid]
    set ::clockAtStart [clock microseconds]
}

# Stops them: "MICROS CPU", as bench_raw prints it.
proc stopTiming {} {
    set elapsed [expr {[clock microseconds] - $::clockAtStart}]
    return [list $elapsed [expr {[cpuNanos $::serverPid] - $::cpuAtStart}]]
}

proc connectTo {transport address} {
    if {$transport in {unix epoll}} {
        return [unix_sockets::connect $address]
    }
    return [socket 127.0.0.1 $address]
}

# -roundtrips exchanges of "ping" over a line-buffered channel: the stream
# and both message workloads.
proc pingpong {workload transport channel} {
    chan configure $channel -buffering line {*}$::channelOptions
    set count $::opt(-roundtrips)
    startTiming
    for {set i 0} {$i < $count} {incr i} {
        puts $channel ping
        gets $channel line
    }
    set timing [stopTiming]
    if {$line ne "ping"} {
        error "$transport $workload: the server echoed \"$line\""
    }
    return $timing
}

proc throughput {transport address} {
    set chunk [binary format x65536]
    set writes [expr {$::opt(-mib) * 16}]
    startTiming
    set channel [connectTo $transport $address]
    chan configure $channel -translation binary {*}$::channelOptions
    for {set i 0} {$i < $writes} {incr i} {
        puts -nonewline $channel $chunk
    }
    chan close $channel write
    set reply [gets $channel]
    set timing [stopTiming]
    close $channel
    if {$reply != $writes * 65536} {
        error "$transport throughput: the server counted \"$reply\" bytes"
    }
    return $timing
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
        set timing [pingpong datagram $transport $channel]
        puts $channel done
        return $timing
    } finally {
        close $channel
    }
}

proc connections {transport address} {
    set count $::opt(-connections)
    startTiming
    for {set i 0} {$i < $count} {incr i} {
        set channel [connectTo $transport $address]
        read $channel
        close $channel
    }
    return [stopTiming]
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

# bench/server.tcl's arguments before its mode: the notifier of the
# transport.
proc notifierOf {transport} {
    if {$transport in {epoll tcpepoll}} {
        return {-notifier epoll}
    }
    return {}
}

# One fan-in run against a fresh server of that transport: "SETUP ECHO
# BEFORE AFTER SETUPCPU ECHOCPU" as bench_raw prints it.
proc fanIn {transport} {
    global raw dir here clientsOf serverCpu
    set count [dict get $clientsOf $transport]
    if {$transport eq "raw"} {
        return [exec $raw fanin [file join $dir raw.sock] $count {*}$serverCpu 2>@stderr]
    }
    set kind [expr {$transport in {tcp tcpepoll} ? "tcp" : "unix"}]
    set pipe [open |[list {*}[serverCommand [info nameofexecutable] \
                                  [file join $here server.tcl] {*}[notifierOf $transport] \
                                  fanin $kind $dir] \
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

# One concurrent run of that many connections: "MICROS CPU" as bench_raw
# prints it.
proc concurrent {transport connections} {
    global raw dir servers serverCpu
    set trips [concurrentTrips $connections]
    if {$transport eq "raw"} {
        return [exec $raw concurrent [file join $dir raw.sock] $trips $connections \
                    {*}$serverCpu 2>@stderr]
    }
    set address [lindex [dict get $servers $transport] 3]
    set kind [expr {$transport eq "tcp" ? "tcp" : "unix"}]
    return [exec $raw concurrent-client $kind:$address $trips $connections \
                [dict get $::serverPids $transport] 2>@stderr]
}

# The figures of one run of a workload over a transport: row, rate, server
# CPU nanoseconds per message ({} where there is none), ...
proc measure {workload transport} {
    global opt raw dir servers serverCpu
    if {$workload eq "fanin"} {
        lassign [fanIn $transport] setup echo before after setupCpu echoCpu
        set count [dict get $::clientsOf $transport]
        return [list faninSetup [expr {$count * 1e6 / $setup}] [expr {double($setupCpu) / $count}] \
                     faninEcho [expr {$count * 1e6 / $echo}] [expr {double($echoCpu) / $count}] \
                     faninMemory [expr {double($after - $before) / $count}] {}]
    }
    if {$workload eq "concurrent"} {
        set figures {}
        foreach connections $opt(-concurrency) {
            set trips [concurrentTrips $connections]
            lassign [concurrent $transport $connections] micros cpu
            lappend figures concurrent$connections [expr {$trips * 1e6 / $micros}] \
                [expr {double($cpu) / $trips}]
        }
        return $figures
    }
    set amount [dict get [list throughput $opt(-mib) roundtrips $opt(-roundtrips) \
                              connections $opt(-connections) seqpacket $opt(-roundtrips) \
                              datagram $opt(-roundtrips)] $workload]
    if {$transport eq "raw"} {
        lassign [exec $raw $workload [file join $dir raw.sock] $amount {*}$serverCpu \
                     2>@stderr] micros cpu
    } else {
        # In the order of server.tcl's ready line.
        set index [lsearch {throughput roundtrips connections concurrent seqpacket datagram} \
                       $workload]
        set ::serverPid [dict get $::serverPids $transport]
        lassign [$workload $transport [lindex [dict get $servers $transport] $index]] micros cpu
    }
    return [list $workload [expr {$amount * 1e6 / $micros}] [expr {double($cpu) / $amount}]]
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

# Nanoseconds shown as microseconds.
proc micros {value} {
    return [figure [expr {$value / 1000.0}]]
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
    throughput  {unix epoll tcp raw}
    roundtrips  {unix epoll tcp raw}
    seqpacket   {unix epoll raw}
    datagram    {unix epoll raw}
    connections {unix epoll tcp raw}
    concurrent  {unix epoll tcp raw}
    fanin       {unix epoll tcp tcpepoll raw}
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
set serverPids {}
set ok 0
try {
    foreach transport {unix epoll tcp} {
        if {$transport ni $opt(-transports)} continue
        set kind [expr {$transport eq "tcp" ? "tcp" : "unix"}]
        # Each unix_sockets server in a directory of its own: the same
        # socket names.
        set serverDir [file join $dir $transport]
        file mkdir $serverDir
        set command [serverCommand [info nameofexecutable] [file join $here server.tcl] \
                         {*}[notifierOf $transport] $kind $serverDir $channelOptions]
        set pipe [open |[list {*}$command 2>@stderr] r+]
        lappend pipes $pipe
        if {[gets $pipe line] < 0 || [lindex $line 0] ne "ready"} {
            error "the $transport server did not start"
        }
        dict set servers $transport [lrange $line 1 end]
        # sh and taskset exec the tclsh: one process.
        dict set serverPids $transport [pid $pipe]
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
                foreach {row rate cpu} [measure $workload $transport] {
                    lappend results($row,$transport) $rate
                    if {$cpu ne {}} {
                        lappend cpus($row,$transport) $cpu
                    }
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
}
foreach connections $opt(-concurrency) {
    lappend rows concurrent$connections "concurrent $connections, trips/s"
}
lappend rows faninSetup "fan-in: clients/s" faninEcho "fan-in: echoes/s" \
    faninMemory "fan-in: KiB/client"
set servername {
    unix  unix_sockets
    epoll unix_sockets+epoll
    tcp   "Tcl TCP"
    tcpepoll "Tcl TCP+epoll"
    raw   "raw C"
}
# Rows whose Tcl TCP figure comes from fewer fan-in clients.
set fewer {}
if {[dict get $clientsOf tcp] < $clients && "tcp" in $opt(-transports)} {
    set fewer {faninSetup faninEcho faninMemory}
}

# The median [range] of the ratios of two transports' figures in a row, or
# "-" where either has none.
proc ratioCell {table row numerator denominator} {
    upvar 1 $table figures
    if {![info exists figures($row,$numerator)] || ![info exists figures($row,$denominator)]} {
        return -
    }
    set r [ratios $figures($row,$numerator) $figures($row,$denominator)]
    if {$r eq {}} {return -}
    return [spread $r ratio]
}

set format "%-22s %-19s %-22s %-17s %-17s %-20s %-17s"
puts ""
puts [string trimright [format $format workload server rate rate/TCP rate/raw \
                            "server CPU, us" CPU/raw]]
foreach {row label} $rows {
    if {[array names results $row,*] eq {}} continue
    foreach transport {unix epoll tcp tcpepoll raw} {
        if {![info exists results($row,$transport)]} continue
        set rate [spread $results($row,$transport)]
        if {$transport eq "tcp" && $row in $fewer} {append rate *}
        set cpu -
        if {[info exists cpus($row,$transport)]} {
            set cpu [spread $cpus($row,$transport) micros]
        }
        set vsTcp -
        set vsRaw -
        set cpuVsRaw -
        if {$transport ne "raw"} {
            set cpuVsRaw [ratioCell cpus $row $transport raw]
            # No ratio to raw C's memory, which hardly grows.
            if {$row ne "faninMemory"} {
                set vsRaw [ratioCell results $row $transport raw]
            }
            if {$transport ne "tcp"} {
                set vsTcp [ratioCell results $row $transport tcp]
            }
        }
        puts [string trimright [format $format $label [dict get $servername $transport] \
                                    $rate $vsTcp $vsRaw $cpu $cpuVsRaw]]
        set label ""
    }
}
puts "server CPU: microseconds of the server process's user + system time per\
      MiB, round trip, connection, client or echo"
if {$fewer ne {} && "fanin" in $workloads} {
    puts "* [dict get $clientsOf tcp] clients: Tcl [info tclversion]'s notifier (select) aborts\
          the process at a descriptor past 1023"
}
if {"fanin" in $workloads} {
    puts "KiB/client is the server's VmRSS growth per client (lower is better;\
          kernel socket buffers are not in it)"
}

set messageFormat "%-22s %-19s %-22s"
set messages [lmap row {seqpacket datagram} {
    if {$row ni $workloads || "roundtrips" ni $workloads} continue
    set row
}]
if {$messages ne {}} {
    puts ""
    puts "message round trips / stream round trips, in the same round:"
    foreach row $messages {
        set label [dict get $rows $row]
        foreach transport {unix epoll raw} {
            if {![info exists results($row,$transport)]} continue
            puts [string trimright [format $messageFormat $label \
                      [dict get $servername $transport] \
                      [spread [ratios $results($row,$transport) \
                                   $results(roundtrips,$transport)] ratio]]]
            set label ""
        }
    }
}

if {"epoll" in $opt(-transports)} {
    puts ""
    puts "unix_sockets+epoll / unix_sockets (Tcl's notifier), in the same round:"
    puts [string trimright [format "%-22s %-22s %-22s" "" rate "server CPU"]]
    foreach {row label} $rows {
        if {![info exists results($row,epoll)]} continue
        puts [string trimright [format "%-22s %-22s %-22s" $label \
                                    [ratioCell results $row epoll unix] \
                                    [ratioCell cpus $row epoll unix]]]
    }
}
