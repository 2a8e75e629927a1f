# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# A client of the soak (soak/run.tcl): one event-driven process keeping
# CONNECTIONS conversations of each type (stream, seqpacket, datagram) going
# at once against soak/server.tcl until SECONDS have passed, then finishing
# the ones under way and printing what it did.
#
#   tclsh client.tcl DIR SEED SECONDS CONNECTIONS
#
# Each conversation is a new socket that sends a random number of messages
# of random length (0 to 64 KiB of random bytes) one at a time, checks each
# echo against what it sent, byte for byte, and then ends in one of three
# ways, chosen at random:
#   clean      it closes after the last echo;
#   halfclose  stream and seqpacket: `chan close $c write` right after the
#              last message, then the echo and end of file must still come;
#   abrupt     it closes at a random point instead of sending its next
#              message: on a stream after writing a random part of the next
#              frame (mid-message), on a message socket right after sending
#              the message, before its echo, or before sending anything.
# Formats: a stream frame is a 4-byte length, the CRC-32 of the message and
# the message; a seqpacket message or datagram is the CRC-32 of the payload
# and the payload (integers big-endian).
#
# Prints one line, a dict: counters per type (verified echoes, their bytes,
# conversations, half-closes, abrupt closes) and `failures`, descriptions
# of whatever went wrong (a wrong echo, an error, an end of file too early,
# a conversation that made no progress for 60 seconds). The seed makes the
# choices repeatable; the interleaving with other processes is not.

package require unix_sockets

lassign $argv dir seed seconds connections
expr {srand($seed)}

set limit 65536
# A pool of random bytes; each message is a slice of it at a random offset.
set words {}
for {set i 0} {$i < 2 * $limit / 4} {incr i} {
    lappend words [expr {int(rand() * 4294967296)}]
}
set pool [binary format I* $words]
unset words

array set stats {}
foreach type {stream seqpacket datagram} {
    foreach counter {verified bytes conversations halfclose abrupt clean} {
        set stats($type.$counter) 0
    }
}
set stats(mismatches) 0
set failures {}
set active 0
set deadline [expr {[clock milliseconds] + int($seconds * 1000)}]
set serial 0

proc fail {what} {
    if {[llength $::failures] < 20} {
        lappend ::failures "[pid]: $what"
    }
}

interp bgerror {} {apply {{message options} {
    fail "background error: $message ([dict get $options -errorcode])"
}}}

# A size from 0 to limit: as many small messages as large ones (uniform in
# the logarithm), and each end of the range now and then.
proc randomSize {} {
    set r [expr {rand()}]
    if {$r < 0.05} {return 0}
    if {$r < 0.10} {return $::limit}
    return [expr {int(pow($::limit + 1, rand())) - 1}]
}

proc randomPayload {} {
    set size [randomSize]
    set at [expr {int(rand() * ([string length $::pool] - $size + 1))}]
    return [string range $::pool $at [expr {$at + $size - 1}]]
}

proc crcOf {data} {
    return [binary format I [zlib crc32 $data]]
}

# ---- A conversation ---------------------------------------------------------
# State in the array conv$id: type, channel, count (messages to send), sent,
# ending, abruptAt, expected (the echo awaited), received, shut (1 after
# close write), touched (time of the last progress).

proc start {type} {
    set id [incr ::serial]
    upvar #0 conv$id c
    set path [file join $::dir $type.sock]
    set count [expr {rand() < 0.1 ? 20 : int(rand() * 6)}]
    set r [expr {rand()}]
    if {$r < 0.4 || ($type eq "datagram" && $r < 0.7)} {
        set ending clean
    } elseif {$r < 0.7} {
        set ending halfclose
    } else {
        set ending abrupt
    }
    if {[catch {
        switch -- $type {
            stream    {set channel [unix_sockets::connect $path]}
            seqpacket {set channel [unix_sockets::connect -type seqpacket $path]}
            datagram  {set channel [unix_sockets::datagram -remote $path]}
        }
    } message options]} {
        fail "$type: $message ([dict get $options -errorcode])"
        after 100 [list start $type]
        return
    }
    array set c [list type $type channel $channel count $count sent 0 \
            ending $ending abruptAt [expr {int(rand() * ($count + 1))}] \
            expected "" received "" shut 0 touched [clock milliseconds]]
    incr ::active
    incr ::stats($type.conversations)
    chan configure $channel -blocking 0 -translation binary \
            -buffering [expr {$type eq "stream" ? "full" : "none"}]
    chan event $channel readable [list readable $id]
    sendNext $id
}

proc finish {id how} {
    upvar #0 conv$id c
    if {$how ne ""} {
        incr ::stats($c(type).$how)
    }
    catch {close $c(channel)}
    set type $c(type)
    unset c
    incr ::active -1
    if {[clock milliseconds] < $::deadline} {
        # From the event loop, not from inside this conversation's handler.
        after idle [list start $type]
    } elseif {$::active == 0} {
        set ::done 1
    }
}

proc failed {id what} {
    upvar #0 conv$id c
    fail "$c(type) conversation $id: $what"
    finish $id ""
}

proc sendNext {id} {
    upvar #0 conv$id c
    if {$c(ending) eq "abrupt" && $c(sent) == $c(abruptAt)} {
        abrupt $id
        return
    }
    if {$c(sent) == $c(count)} {
        # A half-closing conversation with nothing to send half-closes now.
        if {$c(ending) eq "halfclose" && !$c(shut)} {
            closeWrite $id
        } else {
            finish $id clean
        }
        return
    }
    set payload [randomPayload]
    if {$c(type) eq "stream"} {
        set message [binary format II [string length $payload] [zlib crc32 $payload]]$payload
    } else {
        set message [crcOf $payload]$payload
    }
    set c(expected) $message
    set c(received) ""
    set c(touched) [clock milliseconds]
    incr c(sent)
    if {[catch {
        puts -nonewline $c(channel) $message
        if {$c(type) eq "stream"} {flush $c(channel)}
    } error options]} {
        failed $id "write: $error ([dict get $options -errorcode])"
        return
    }
    if {$c(ending) eq "halfclose" && $c(sent) == $c(count)} {
        closeWrite $id
    }
}

# Datagram conversations never half-close: there is no connection to shut.
proc closeWrite {id} {
    upvar #0 conv$id c
    if {[catch {chan close $c(channel) write} error options]} {
        failed $id "close write: $error ([dict get $options -errorcode])"
        return
    }
    set c(shut) 1
}

# Goes away at a random point: on a stream mid-frame, else with the
# message just sent unanswered (or before any, at abruptAt 0).
proc abrupt {id} {
    upvar #0 conv$id c
    if {$c(type) eq "stream"} {
        set payload [randomPayload]
        set frame [binary format II [string length $payload] [zlib crc32 $payload]]$payload
        set cut [expr {1 + int(rand() * ([string length $frame] - 1))}]
        catch {
            puts -nonewline $c(channel) [string range $frame 0 $cut-1]
            flush $c(channel)
        }
    } elseif {rand() < 0.5} {
        catch {puts -nonewline $c(channel) [crcOf ""]}
    }
    finish $id abrupt
}

proc readable {id} {
    upvar #0 conv$id c
    if {[catch {read $c(channel)} data options]} {
        failed $id "read: $data ([dict get $options -errorcode])"
        return
    }
    if {$data ne ""} {
        set c(touched) [clock milliseconds]
    }
    append c(received) $data
    set want [string length $c(expected)]
    if {$want > 0 && [string length $c(received)] >= $want} {
        if {$c(received) ne $c(expected)} {
            incr ::stats(mismatches)
            failed $id "echo of $want bytes differs (got [string length $c(received)])"
            return
        }
        incr ::stats($c(type).verified)
        incr ::stats($c(type).bytes) [expr {$want - ($c(type) eq "stream" ? 8 : 4)}]
        set c(expected) ""
        set c(received) ""
        if {!$c(shut)} {
            sendNext $id
            return
        }
    } elseif {$c(type) ne "stream" && $data ne ""} {
        incr ::stats(mismatches)
        failed $id "message of [string length $data] bytes, $want expected"
        return
    }
    if {[eof $c(channel)]} {
        if {$c(shut) && $c(expected) eq "" && $c(received) eq ""} {
            finish $id halfclose
        } else {
            failed $id "end of file with [string length $c(received)] of $want bytes"
        }
    }
}

# Fails a conversation that has made no progress for a minute: a lost echo
# would otherwise hang the soak.
proc watchdog {} {
    set now [clock milliseconds]
    foreach name [info globals conv*] {
        upvar #0 $name c
        if {[info exists c(touched)] && $now - $c(touched) > 60000} {
            failed [string range $name 4 end] "no progress for 60 seconds"
        }
    }
    after 1000 watchdog
}

foreach type {stream seqpacket datagram} {
    for {set i 0} {$i < $connections} {incr i} {
        start $type
    }
}
after 1000 watchdog
vwait done
puts [list {*}[array get stats] failures $failures]
