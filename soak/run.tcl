# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# The soak: one event-driven server (soak/server.tcl) serving stream,
# seqpacket and datagram sockets at once, many client processes
# (soak/client.tcl, and soak/client.py for python3) talking to it for a
# bounded time, and then the proof that nothing was lost and nothing leaked.
# `make soak` runs it (SOAK_SECONDS=600 make soak for ten minutes); by hand,
# with TCLLIBPATH naming a build directory:
#
#   tclsh soak/run.tcl ?-seconds N? ?-seed N? ?-clients N? ?-connections N?
#                      ?-python N? ?-phases N? ?-rss-tolerance KiB?
#
#   -seconds      the whole run, in phases of equal length (default: the
#                 environment's SOAK_SECONDS, else 60)
#   -seed         the seed of every random choice (default: SOAK_SEED, else
#                 from the clock); printed first, so a failed run can be
#                 run again with the same choices. The timing of processes
#                 against each other is not repeatable, the choices are.
#   -clients      Tcl client processes per phase (default 3)
#   -connections  conversations each Tcl client keeps going at once, per
#                 socket type (default 8)
#   -python       python3 client processes per phase (default 1; 0 for
#                 none; without python3 there are none, and that fails the
#                 run where UNIX_SOCKETS_TEST_ALL is set, as in CI)
#   -phases       phases, at least 2 (default 2); -seconds is shared out
#   -rss-tolerance  KiB the server's resident memory may grow after phase 1
#                 (default 8192; see below)
#
# What passes:
#   - every echo a client completed is byte for byte what it sent, and the
#     server found every CRC right (no mismatch, counted per type);
#   - no client or server met an error other than those a departing peer
#     causes (reset, broken pipe, refused datagram), no conversation hung,
#     every process exited 0, each type had messages verified in each phase;
#   - the server's descriptors (/proc/PID/fd) and Tcl channels, once every
#     client has gone, are after each phase as many as at the start;
#   - its resident memory (VmRSS) after the last phase is within
#     -rss-tolerance of what it was after phase 1.
#
# Why memory is compared after the last phase with after phase 1 rather
# than with the start: Tcl's allocator keeps the memory it has freed for
# reuse, and glibc's malloc keeps freed heap too, so resident memory after
# a burst of connections stays near the burst's high-water mark and never
# returns to the start. Phase 1 (the same load as the others, other seeds)
# brings the server to that level; a leak then shows as growth in the
# phases after it. The tolerance, 8 MiB, absorbs a higher peak in a later
# phase: up to about 100 conversations are in flight, each holding up to a
# 64 KiB message in the server's buffers, and where the allocator puts the
# message channels' large buffers varies (on a 2-core virtual machine,
# two-phase runs of 20 to 60 s grew by 0.8 to 3.9 MiB, on Tcl 8.6 and 9
# alike; six phases of 10 s grew by 0.2 to 0.9 MiB each, while 20,000
# conversations of one kind at a time, small or large messages, grew it by
# nothing). In a one-minute run, phase 2 has some 10,000 to 20,000
# conversations: a leak of 1 KiB per conversation fails it, a smaller one
# needs a longer run (-seconds, -phases; the growth per thousand
# conversations is printed), and memory lost for good is what the
# AddressSanitizer build's leak check at exit finds, whatever its size.
# Under AddressSanitizer resident memory says nothing (freed memory waits
# in its quarantine) and is not checked.

set here [file dirname [file normalize [info script]]]

array set opt [list -seconds 60 -seed "" -clients 3 -connections 8 -python 1 \
        -phases 2 -rss-tolerance 8192]
if {[info exists env(SOAK_SECONDS)] && $env(SOAK_SECONDS) ne ""} {
    set opt(-seconds) $env(SOAK_SECONDS)
}
if {[info exists env(SOAK_SEED)] && $env(SOAK_SEED) ne ""} {
    set opt(-seed) $env(SOAK_SEED)
}
if {[llength $argv] % 2} {
    puts stderr "usage: tclsh run.tcl ?-option value ...?"
    exit 2
}
foreach {name value} $argv {
    if {![info exists opt($name)]} {
        puts stderr "unknown option \"$name\": must be [join [lsort [array names opt]] {, }]"
        exit 2
    }
    set opt($name) $value
}
foreach name [array names opt] {
    if {($name ne "-seed" || $opt($name) ne "") && ![string is double -strict $opt($name)]} {
        puts stderr "$name wants a number, not \"$opt($name)\""
        exit 2
    }
}
if {$opt(-seed) eq ""} {
    set opt(-seed) [expr {[clock microseconds] % 2147483647}]
}
set seed [expr {int($opt(-seed))}]
set phases {}
for {set phase 1} {$phase <= max(2, int($opt(-phases)))} {incr phase} {
    lappend phases $phase
}
set lastPhase [lindex $phases end]
set phaseSeconds [expr {$opt(-seconds) / double($lastPhase)}]
set underAsan [expr {[info exists env(LD_PRELOAD)] && [string match *asan* $env(LD_PRELOAD)]}]

set failures {}
proc fail {what} {
    lappend ::failures $what
    puts "FAIL: $what"
}

# The seed of client k in phase p: distinct, and all from the one seed.
proc clientSeed {phase k} {
    return [expr {($::seed + 7919 * (100 * $phase + $k)) % 2147483647}]
}

# ---- The server -------------------------------------------------------------

proc descriptors {pid} {
    return [llength [glob -nocomplain -directory /proc/$pid/fd *]]
}

proc residentKiB {pid} {
    set f [open /proc/$pid/status]
    set status [read $f]
    close $f
    regexp -line {^VmRSS:\s+(\d+)} $status -> kib
    return $kib
}

proc serverStats {} {
    puts $::server stats
    flush $::server
    if {[gets $::server line] < 0} {
        error "the server exited"
    }
    return $line
}

# Waits (at most 30 s) until the server holds no client and its descriptor
# count has been the same for a second: a non-blocking close finishes in
# the background. Returns the stats then.
proc quiesce {} {
    set last -1
    set same 0
    for {set i 0} {$i < 150} {incr i} {
        set stats [serverStats]
        set fds [descriptors $::serverPid]
        if {[dict get $stats open] == 0 && $fds == $last} {
            if {[incr same] >= 5} break
        } else {
            set same 0
        }
        set last $fds
        after 200
    }
    return $stats
}

# ---- The clients ------------------------------------------------------------

proc collect {channel name} {
    if {[gets $channel line] >= 0} {
        dict set ::reports $name $line
        return
    }
    if {![eof $channel]} return
    chan configure $channel -blocking 1
    if {[catch {close $channel} message]} {
        fail "client $name: $message"
    }
    if {![dict exists $::reports $name]} {
        fail "client $name reported nothing"
        dict set ::reports $name {}
    }
    if {[incr ::running -1] == 0} {
        set ::clientsDone 1
    }
}

proc runPhase {phase} {
    set ::reports {}
    set ::running 0
    set pids {}
    for {set k 0} {$k < $::opt(-clients)} {incr k} {
        set channel [open |[list [info nameofexecutable] [file join $::here client.tcl] \
                $::dir [clientSeed $phase $k] $::phaseSeconds $::opt(-connections) 2>@stderr] r]
        lappend pids {*}[pid $channel]
        chan configure $channel -blocking 0
        chan event $channel readable [list collect $channel tcl$k]
        incr ::running
    }
    if {$::python ne ""} {
        # python3 is not built with the sanitizer that a sanitizer build
        # preloads into the Tcl processes.
        set saved [array get ::env]
        unset -nocomplain ::env(LD_PRELOAD) ::env(ASAN_OPTIONS) ::env(UBSAN_OPTIONS)
        for {set k 0} {$k < $::opt(-python)} {incr k} {
            set channel [open |[list $::python [file join $::here client.py] \
                    $::dir [clientSeed $phase [expr {50 + $k}]] $::phaseSeconds 2>@stderr] r]
            lappend pids {*}[pid $channel]
            chan configure $channel -blocking 0
            chan event $channel readable [list collect $channel python$k]
            incr ::running
        }
        array set ::env $saved
    }
    # The clients stop starting conversations at the end of the phase and
    # finish the ones under way; each fails one that hangs after 60 s.
    set watchdog [after [expr {int(($::phaseSeconds + 120) * 1000)}] {set ::clientsDone 0}]
    vwait ::clientsDone
    after cancel $watchdog
    if {!$::clientsDone} {
        fail "phase $phase: clients still running 120 s after the end of the phase"
        foreach pid $pids {
            catch {exec kill -KILL $pid}
        }
    }
    return $::reports
}

# Sums the counters of the clients' reports; their failures fail the run.
proc summarize {phase reports} {
    set sums {}
    dict for {name report} $reports {
        if {[catch {dict size $report}]} {
            fail "phase $phase: client $name printed \"$report\""
            continue
        }
        set verified 0
        dict for {key value} $report {
            if {[string match *.verified $key]} {
                incr verified $value
            }
            if {$key eq "failures"} {
                foreach failure $value {
                    fail "phase $phase: client $name: $failure"
                }
            } else {
                dict incr sums $key $value
            }
        }
        lappend ::perClient($phase) "$name $verified"
        if {$verified == 0} {
            fail "phase $phase: client $name verified no echo"
        }
    }
    return $sums
}

# ---- The run ----------------------------------------------------------------

set python ""
if {$opt(-python) > 0} {
    set python [auto_execok python3]
    if {$python eq ""} {
        if {[info exists env(UNIX_SOCKETS_TEST_ALL)] && $env(UNIX_SOCKETS_TEST_ALL)} {
            fail "python3 not found (UNIX_SOCKETS_TEST_ALL is set)"
        } else {
            puts "note: python3 not found, so no python3 clients"
        }
    }
}

# A short directory: socket paths must fit in 107 bytes.
set base [expr {[info exists env(TMPDIR)] ? $env(TMPDIR) : "/tmp"}]
set dir [file join $base soak-[pid]]
file mkdir $dir

package require unix_sockets
puts "soak: unix_sockets [package present unix_sockets] on Tcl [info patchlevel],\
        seed $seed (SOAK_SEED=$seed replays the choices)"
puts "  $lastPhase phases of $phaseSeconds s, each: $opt(-clients) Tcl client processes\
        x $opt(-connections) conversations at once per socket type,\
        [expr {$python eq "" ? 0 : $opt(-python)}] python3 client processes;\
        one server[expr {$underAsan ? " (AddressSanitizer build)" : ""}]"

set server [open |[list [info nameofexecutable] [file join $here server.tcl] $dir 2>@stderr] r+]
set serverPid [pid $server]
if {[gets $server line] < 0 || $line ne "ready"} {
    fail "the server did not start: \"$line\""
    exit 1
}
# The server's first answer comes from its event loop: Tcl 8.6 starts its
# notifier thread, and opens that thread's pipe, at the first wait for an
# event, and the baseline must count them.
set figures(channels.start) [dict get [serverStats] channels]
set figures(fd.start) [descriptors $serverPid]
set figures(rss.start) [residentKiB $serverPid]

set types {stream seqpacket datagram}
foreach phase $phases {
    set clients [summarize $phase [runPhase $phase]]
    set stats [quiesce]
    set figures(fd.$phase) [descriptors $serverPid]
    set figures(rss.$phase) [residentKiB $serverPid]
    set figures(channels.$phase) [dict get $stats channels]
    foreach failure [dict get $stats failures] {
        fail "phase $phase: server: $failure"
    }
    # The server's counters are totals since the start.
    foreach {key value} $stats {
        if {$key ni {failures channels open}} {
            set figures(server.$phase.$key) $value
        }
    }
    foreach type $types {
        foreach counter {verified bytes conversations halfclose abrupt clean} {
            set figures(clients.$phase.$type.$counter) \
                    [expr {[dict exists $clients $type.$counter] ? [dict get $clients $type.$counter] : 0}]
        }
        if {$figures(clients.$phase.$type.verified) == 0} {
            fail "phase $phase: no $type message verified"
        }
    }
    set figures(mismatches.$phase) [expr {[dict exists $clients mismatches]
            ? [dict get $clients mismatches] : 0}]
    set figures(server.mismatches.$phase) [dict get $stats mismatches]
    if {[dict get $stats open] != 0} {
        fail "phase $phase: the server still holds [dict get $stats open] connections"
    }
}
puts $server exit
flush $server
chan configure $server -blocking 1
if {[catch {close $server} message]} {
    fail "server: $message"
}
file delete -force $dir

# ---- The figures ------------------------------------------------------------

proc row {label values} {
    puts [format "  %-44s %12s %12s %12s" $label {*}$values]
}
proc perType {phase counter} {
    set values {}
    foreach type $::types {
        lappend values $::figures(clients.$phase.$type.$counter)
    }
    return $values
}
proc serverPerType {phase counter} {
    set values {}
    foreach type $::types {
        set key server.$phase.$type.$counter
        if {![info exists ::figures($key)]} {
            lappend values -
            continue
        }
        set before [expr {$phase == 1 ? 0 : $::figures(server.[expr {$phase - 1}].$type.$counter)}]
        lappend values [expr {$::figures($key) - $before}]
    }
    return $values
}

foreach phase $phases {
    set conversations($phase) 0
    puts ""
    puts "phase $phase"
    row "" $types
    row "echoes verified by the clients" [perType $phase verified]
    row "  their payload bytes" [perType $phase bytes]
    row "messages verified by the server" [serverPerType $phase verified]
    row "conversations (connections, datagram sockets)" [perType $phase conversations]
    row "  ended cleanly" [perType $phase clean]
    row "  half-closed (close write), all echoes read" [perType $phase halfclose]
    row "  abrupt (mid-message on stream)" [perType $phase abrupt]
    puts "  mismatches: $figures(mismatches.$phase) found by the clients,\
            [expr {$figures(server.mismatches.$phase) - ($phase == 1 ? 0 : $figures(server.mismatches.[expr {$phase - 1}]))}]\
            by the server"
    puts "  echoes verified per client process: [join $perClient($phase) {, }]"
    row "server: ends of file between frames" [serverPerType $phase halfclose]
    row "server: ends of file mid-frame" [serverPerType $phase truncated]
    row "server: ends of file" [serverPerType $phase eof]
    row "server: resets, or echoes to gone clients" [list \
            [expr {[lindex [serverPerType $phase reset] 0] + [lindex [serverPerType $phase writefail] 0]}] \
            [expr {[lindex [serverPerType $phase reset] 1] + [lindex [serverPerType $phase writefail] 1]}] \
            [lindex [serverPerType $phase gone] 2]]
    foreach type $types {
        incr conversations($phase) $figures(clients.$phase.$type.conversations)
        set verified [lindex [serverPerType $phase verified] [lsearch $types $type]]
        if {$verified < $figures(clients.$phase.$type.verified)} {
            fail "phase $phase: clients verified more $type echoes than the server answered"
        }
    }
}
puts ""
proc afterEach {what} {
    set values [list "$::figures($what.start) at the start"]
    foreach phase $::phases {
        lappend values "$::figures($what.$phase) after phase $phase"
    }
    return [join $values ", "]
}
puts "server descriptors: [afterEach fd]"
puts "server Tcl channels: [afterEach channels]"
puts "server VmRSS, KiB: [afterEach rss]"
set growth [expr {$figures(rss.$lastPhase) - $figures(rss.1)}]
set later 0
foreach phase [lrange $phases 1 end] {
    incr later $conversations($phase)
}
puts "  growth after phase 1 (the baseline): $growth KiB in $later conversations,\
        [format %.1f [expr {$growth * 1000.0 / max(1, $later)}]] KiB per thousand;\
        tolerance $opt(-rss-tolerance) KiB"

foreach what {fd channels} {
    foreach phase $phases {
        if {$figures($what.$phase) != $figures($what.start)} {
            fail "the server's [dict get {fd descriptors channels channels} $what]\
                    after phase $phase: $figures($what.$phase), not $figures($what.start)"
        }
    }
}
if {$underAsan} {
    puts "  (not checked under AddressSanitizer, whose quarantine holds freed memory)"
} elseif {$growth > $opt(-rss-tolerance)} {
    fail "the server's resident memory grew by $growth KiB after phase 1"
}
set total 0
set all 0
foreach phase $phases {
    incr all $conversations($phase)
    foreach type $types {
        incr total $figures(clients.$phase.$type.verified)
    }
}
if {[llength $failures]} {
    puts "\nsoak FAILED (seed $seed): [llength $failures] failures, listed above"
    exit 1
}
puts "\nsoak passed: $total echoes verified, $all conversations, seed $seed"
