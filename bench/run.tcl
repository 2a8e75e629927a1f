# Benchmarks of unix_sockets against Tcl's own TCP sockets and a raw C
# baseline, in one run. `make bench` builds and runs it; by hand:
#
#   tclsh bench/run.tcl BUILD-DIR ?-mib N? ?-roundtrips N? ?-connections N?
#                                 ?-repeat N? ?-cpu one|two|any? ?-buffersize N?
#
# where BUILD-DIR is the build directory of that tclsh's Tcl version
# (build/tcl8.6, say) holding the package and bench/bench_raw; make bench
# passes BENCH_FLAGS on.
#
# What it measures. Five workloads: three over three transports, two (the
# message round trips) over unix_sockets and raw C only:
#   throughput    the client sends -mib MiB (default 256) in 64 KiB writes,
#                 binary translation, blocking, then closes its sending side;
#                 the server reads and discards up to end of file and answers
#                 with one line. Timed from connect to that answer: MiB/s.
#   round trips   -roundtrips (20000) ping-pong exchanges of one line, both
#                 sides with -buffering line. Round trips per second.
#   connections   -connections (5000) cycles of connect, accept (the server's
#                 accept handler closes at once) and end of file read by the
#                 client, which then closes. Connections per second.
#   seqpacket     -roundtrips ping-pong exchanges as above, over connect /
#                 listen -type seqpacket: each line is one message (one
#                 flush, one read). Round trips per second.
#   datagram      -roundtrips exchanges of one datagram each way: the client
#                 is a datagram socket bound to a path with -remote the
#                 server's; the server's, bound to its path, answers each
#                 message to its -peer. Round trips per second.
# The transports:
#   unix_sockets  unix_sockets::connect / unix_sockets::listen (-type
#                 seqpacket for seqpacket), unix_sockets::datagram
#   Tcl TCP       socket / socket -server on 127.0.0.1, an ephemeral port
#   raw C         bench/raw_baseline.cpp: plain AF_UNIX sockets, blocking
#                 read and write, no Tcl at all (the floor; see that file);
#                 SOCK_SEQPACKET and SOCK_DGRAM for the message workloads
# Tcl has no seqpacket or datagram socket to compare with, so those two rows
# show no TCP figure.
# The client is this tclsh; the server is another process: bench/server.tcl
# in a child tclsh for the two Tcl transports, a forked child of bench_raw
# for raw C. The Tcl server serves each connection with the same blocking
# loop for both transports, so the two Tcl columns differ only in the
# channel driver underneath. Times are read with [clock microseconds] on
# the client side only.
#
# Where the processes run (-cpu). With the default, one, client and server
# of every transport are pinned to the same CPU (taskset): each figure is
# then the CPU cost of the work, as a rule the same from run to run within
# a few percent. Unpinned (any), a ping-pong pair lands sometimes on one CPU and
# sometimes on two, and on a virtual machine a wake-up across CPUs costs
# tens of microseconds: round trips then jump between two levels (by 3-4x
# on the 2-core machine this was written on) according to where the
# scheduler put the pair, not according to the transport. With two, the
# client runs on CPU 0 and the server on CPU 1: every exchange pays that
# cross-CPU wake-up, and throughput gains from the second CPU. (The first
# and second CPU this process may use, that is; CPU 0 and 1 as a rule.)
# Round trips then measure the wake-up more than the transport: raw C can
# even come out behind Tcl, probably because a process with less to do lets
# its CPU go idle sooner, and waking an idle virtual CPU costs more.
#
# -buffersize N sets that -buffersize on the Tcl channels of the data
# workloads (all but connections), client and server side. Without it each
# transport keeps its default, which is what a script gets unless it asks:
# 65536 bytes for unix_sockets' stream channels, 1048576 for its message
# channels, Tcl's 4096 for TCP, where every 64 KiB write then leaves as
# sixteen 4 KiB sends. -buffersize 65536 compares the drivers alone.
#
# How to read it. Each figure is the median of -repeat (3) runs; the runs of
# the transports are interleaved, and each round starts with another
# transport, so drift in machine load spreads over all columns. Higher is
# better everywhere. The last two columns are what the benchmark claims:
#   unix/TCP  > 1 means unix_sockets beats Tcl's TCP sockets on loopback
#   unix/raw  the share of the raw kernel speed that a Tcl script gets;
#             below 1, far below for bulk data, because every byte also
#             goes through Tcl's channel layer and every call through the
#             interpreter
# Under the table, each message round trip is divided by the stream round
# trip of the same transport (unix_sockets, and raw C): the cost of message
# framing, and for datagrams of addressing each answer, against a stream.
# Absolute figures depend on the machine and on whatever else runs on it
# (on shared cores, a lot); compare ratios, and look at the spread printed
# under the table before trusting a difference of a few percent.
#
# Everything (sockets) lives in one mktemp -d directory, removed at the end;
# the server children exit when this script's pipe to them closes.

package require Tcl 8.6-

proc usage {} {
    puts stderr "usage: [file tail [info script]] BUILD-DIR ?-mib N? ?-roundtrips N?\
                 ?-connections N? ?-repeat N? ?-cpu one|two|any? ?-buffersize N?"
    exit 2
}

if {[llength $argv] < 1 || [llength $argv] % 2 != 1} usage
set build [file normalize [lindex $argv 0]]
array set opt {-mib 256 -roundtrips 20000 -connections 5000 -repeat 3 -cpu one
               -buffersize {}}
foreach {name value} [lrange $argv 1 end] {
    if {![info exists opt($name)]} usage
    if {$name eq "-cpu"} {
        if {$value ni {one two any}} usage
    } elseif {![string is integer -strict $value] || $value < 1} usage
    set opt($name) $value
}

set here [file dirname [file normalize [info script]]]
set raw [file join $build bench bench_raw]
if {![file executable $raw]} {
    puts stderr "no $raw: build it with cmake --build $build --target bench_raw"
    exit 1
}
# This process is the client: on the first CPU it may use unless -cpu any.
# What it starts inherits that; with -cpu two the servers move to the
# second.
set serverCpu {}
if {$opt(-cpu) ne "any"} {
    if {[auto_execok taskset] eq ""} {
        puts stderr "no taskset to pin the processes with (Debian: util-linux); or pass -cpu any"
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

# What the data workloads configure on every Tcl channel, besides their
# translation or buffering.
set channelOptions {}
if {$opt(-buffersize) ne ""} {
    set channelOptions [list -buffersize $opt(-buffersize)]
}

# The package of this build tree, here and in the server child.
set env(TCLLIBPATH) [list $build]
set auto_path [linsert $auto_path 0 $build]
package require unix_sockets

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

proc measure {workload transport} {
    global opt raw dir servers serverCpu
    if {$transport eq "raw"} {
        set n [dict get {throughput -mib roundtrips -roundtrips connections -connections
                         seqpacket -roundtrips datagram -roundtrips} $workload]
        return [exec $raw $workload [file join $dir raw.sock] $opt($n) {*}$serverCpu 2>@stderr]
    }
    # In the order of server.tcl's ready line.
    set index [lsearch {throughput roundtrips connections seqpacket datagram} $workload]
    return [$workload $transport [lindex [dict get $servers $transport] $index]]
}

# The rate a run of that many microseconds stands for.
proc rate {workload micros} {
    global opt
    set amount [dict get [list throughput $opt(-mib) roundtrips $opt(-roundtrips) \
                              connections $opt(-connections) seqpacket $opt(-roundtrips) \
                              datagram $opt(-roundtrips)] $workload]
    return [expr {$amount * 1e6 / $micros}]
}

proc median {values} {
    set sorted [lsort -real $values]
    set n [llength $sorted]
    if {$n % 2} {return [lindex $sorted [expr {$n / 2}]]}
    return [expr {([lindex $sorted [expr {$n / 2 - 1}]] + [lindex $sorted [expr {$n / 2}]]) / 2.0}]
}

proc figure {value} {
    if {$value >= 100} {return [format %.0f $value]}
    return [format %.1f $value]
}

# ---- The run ----------------------------------------------------------------

set workloads {throughput roundtrips connections seqpacket datagram}
# The transports of each workload: Tcl has no message sockets.
set transportsOf {
    throughput  {unix tcp raw}
    roundtrips  {unix tcp raw}
    connections {unix tcp raw}
    seqpacket   {unix raw}
    datagram    {unix raw}
}
set dir [exec mktemp -d -t unix_sockets-bench.XXXXXX]
set pipes {}
set servers {}
set ok 0
try {
    foreach transport {unix tcp} {
        set command [list [info nameofexecutable] [file join $here server.tcl] \
                         $transport $dir $channelOptions]
        if {$serverCpu ne ""} {
            set command [list taskset -c $serverCpu {*}$command]
        }
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
        for {set round 0} {$round < $opt(-repeat)} {incr round} {
            # Each round starts with another transport.
            set shift [expr {$round % [llength $transports]}]
            set order [concat [lrange $transports $shift end] \
                              [lrange $transports 0 [expr {$shift - 1}]]]
            foreach transport $order {
                lappend results($workload,$transport) \
                    [rate $workload [measure $workload $transport]]
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

set labels {
    throughput  "throughput, MiB/s"
    roundtrips  "round trips/s"
    connections "connections/s"
    seqpacket   "seqpacket trips/s"
    datagram    "datagram trips/s"
}
set nproc [exec getconf _NPROCESSORS_ONLN]
puts ""
set settings "-cpu $opt(-cpu)"
if {$opt(-buffersize) ne ""} {
    append settings " -buffersize $opt(-buffersize)"
}
puts "unix_sockets [package present unix_sockets], Tcl [info patchlevel],\
      $nproc CPUs, [clock format [clock seconds] -format %Y-%m-%d];\
      median of $opt(-repeat) runs, $settings"
puts "throughput: $opt(-mib) MiB in 64 KiB writes; round trips: $opt(-roundtrips);\
      connections: $opt(-connections)"
puts ""
set format "%-18s %13s %10s %10s %9s %9s"
puts [format $format workload unix_sockets "Tcl TCP" "raw C" unix/TCP unix/raw]
foreach workload $workloads {
    # "-" where a transport does not take part.
    set m {unix - tcp - raw -}
    foreach transport [dict get $transportsOf $workload] {
        dict set m $transport [median $results($workload,$transport)]
        set median($workload,$transport) [dict get $m $transport]
    }
    set cells {}
    foreach transport {unix tcp raw} {
        set value [dict get $m $transport]
        if {$value ne "-"} {set value [figure $value]}
        lappend cells $value
    }
    foreach other {tcp raw} {
        set value [dict get $m $other]
        if {$value ne "-"} {set value [format %.2f [expr {[dict get $m unix] / $value}]]}
        lappend cells $value
    }
    puts [format $format [dict get $labels $workload] {*}$cells]
}
puts ""
puts "message round trips / stream round trips:"
puts [string trimright [format $format "" unix_sockets "" "raw C" "" ""]]
foreach workload {seqpacket datagram} {
    puts [string trimright [format $format [dict get $labels $workload] \
        [format %.2f [expr {$median($workload,unix) / $median(roundtrips,unix)}]] "" \
        [format %.2f [expr {$median($workload,raw) / $median(roundtrips,raw)}]] "" ""]]
}
puts ""
puts "spread (lowest-highest of the runs):"
foreach workload $workloads {
    set cells {}
    foreach transport {unix tcp raw} {
        if {![info exists results($workload,$transport)]} {
            lappend cells -
            continue
        }
        set values [lsort -real $results($workload,$transport)]
        lappend cells "[figure [lindex $values 0]]-[figure [lindex $values end]]"
    }
    puts [string trimright [format $format [dict get $labels $workload] {*}$cells "" ""]]
}
