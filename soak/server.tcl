# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# The server of the soak (soak/run.tcl): one event-driven process serving a
# stream listener, a seqpacket listener and a datagram socket at once, as a
# daemon would, with every channel non-blocking.
#
#   tclsh server.tcl DIR
#
# listens on DIR/stream.sock and DIR/seqpacket.sock, receives on
# DIR/datagram.sock, prints "ready", then answers one command per line on
# its standard input:
#   stats   one line: a dict of the counters below and of what it holds open
#   exit    closes everything and exits (so does end of file on stdin)
#
# What it answers (soak/client.tcl describes the formats):
#   stream     frames of a 4-byte length, a 4-byte CRC-32 and the message;
#              each frame whose CRC holds is echoed back whole
#   seqpacket  messages of a 4-byte CRC-32 and the payload, echoed whole
#   datagram   the same, echoed to the sender's -peer
# A message whose CRC is wrong is counted as a mismatch and not echoed, so
# the client, which waits for its echo, fails too. Errors a client can cause
# by going away (reset, broken pipe, a datagram peer that is gone) are
# counted; any other error is recorded as unexpected, and run.tcl fails.

package require unix_sockets

set dir [lindex $argv 0]

# Counters, reported by "stats".
array set stats {
    stream.connections 0 stream.verified 0 stream.bytes 0
    stream.halfclose 0 stream.truncated 0 stream.reset 0 stream.writefail 0
    seqpacket.connections 0 seqpacket.verified 0 seqpacket.bytes 0
    seqpacket.eof 0 seqpacket.reset 0 seqpacket.writefail 0
    datagram.verified 0 datagram.bytes 0 datagram.gone 0 datagram.retried 0
    mismatches 0 open 0
}
# Descriptions of mismatches and unexpected errors; any of them fails the run.
set failures {}

# What a vanished peer may make a read or a write fail with.
set peerGone {ECONNRESET EPIPE ECONNREFUSED ENOENT ENOTCONN}

proc fail {what} {
    if {[llength $::failures] < 20} {
        lappend ::failures $what
    }
}

interp bgerror {} {apply {{message options} {
    fail "background error: $message ([dict get $options -errorcode])"
}}}

# Runs script (an I/O operation on a channel of a client); returns 1 if it
# worked, 0 if it failed because the client went away (counted in
# stats(counter)). Any other failure is recorded.
proc io {counter script} {
    if {[catch {uplevel 1 $script} message options]} {
        set code [dict get $options -errorcode]
        if {[lindex $code 0] eq "POSIX" && [lindex $code 1] in $::peerGone} {
            incr ::stats($counter)
        } else {
            fail "$counter: $message ($code)"
        }
        return 0
    }
    return 1
}

proc crcOf {data} {
    return [binary format Iu [zlib crc32 $data]]
}

# ---- Stream -----------------------------------------------------------------

proc acceptStream {channel} {
    incr ::stats(stream.connections)
    incr ::stats(open)
    chan configure $channel -blocking 0 -translation binary -buffering full
    set ::pending($channel) ""
    chan event $channel readable [list readStream $channel]
}

proc closeClient {channel} {
    unset -nocomplain ::pending($channel)
    incr ::stats(open) -1
    # Non-blocking: Tcl writes the rest of the output in the background.
    catch {close $channel}
}

proc readStream {channel} {
    if {![io stream.reset {set data [read $channel]}]} {
        closeClient $channel
        return
    }
    append ::pending($channel) $data
    set buffer $::pending($channel)
    set at 0
    set echo ""
    # Every whole frame in what has come so far.
    while {[string length $buffer] - $at >= 8} {
        binary scan $buffer @${at}IuIu length crc
        if {$length > 65536} {
            incr ::stats(mismatches)
            fail "stream: frame length $length"
            closeClient $channel
            return
        }
        set end [expr {$at + 8 + $length}]
        if {[string length $buffer] < $end} break
        set message [string range $buffer [expr {$at + 8}] [expr {$end - 1}]]
        if {[zlib crc32 $message] != $crc} {
            incr ::stats(mismatches)
            fail "stream: CRC mismatch in a frame of $length bytes"
        } else {
            incr ::stats(stream.verified)
            incr ::stats(stream.bytes) $length
            append echo [string range $buffer $at [expr {$end - 1}]]
        }
        set at $end
    }
    set ::pending($channel) [string range $buffer $at end]
    if {$echo ne "" && ![io stream.writefail {puts -nonewline $channel $echo; flush $channel}]} {
        closeClient $channel
        return
    }
    if {[eof $channel]} {
        # End of file after whole frames is the client's `close write`; in
        # the middle of one, a client that went away mid-message.
        if {$::pending($channel) eq ""} {
            incr ::stats(stream.halfclose)
        } else {
            incr ::stats(stream.truncated)
        }
        closeClient $channel
    }
}

# ---- Seqpacket --------------------------------------------------------------

proc acceptSeqpacket {channel} {
    incr ::stats(seqpacket.connections)
    incr ::stats(open)
    chan configure $channel -blocking 0 -translation binary -buffering none
    chan event $channel readable [list readSeqpacket $channel]
}

# One readable event per message; a message never shorter than its CRC.
proc readSeqpacket {channel} {
    if {![io seqpacket.reset {set message [read $channel]}]} {
        closeClient $channel
        return
    }
    if {[eof $channel]} {
        incr ::stats(seqpacket.eof)
        closeClient $channel
        return
    }
    if {$message eq "" && [chan blocked $channel]} return
    if {![verifyMessage seqpacket $message]} return
    if {![io seqpacket.writefail {puts -nonewline $channel $message}]} {
        closeClient $channel
    }
}

# Counts a message of CRC and payload; 1 if its CRC holds.
proc verifyMessage {type message} {
    if {[string length $message] < 4
            || [crcOf [string range $message 4 end]] ne [string range $message 0 3]} {
        incr ::stats(mismatches)
        fail "$type: CRC mismatch in a message of [string length $message] bytes"
        return 0
    }
    incr ::stats($type.verified)
    incr ::stats($type.bytes) [expr {[string length $message] - 4}]
    return 1
}

# ---- Datagram ---------------------------------------------------------------

proc readDatagram {channel} {
    if {[catch {set message [read $channel]} error options]} {
        fail "datagram read: $error ([dict get $options -errorcode])"
        return
    }
    if {$message eq "" && [chan blocked $channel]} return
    if {![verifyMessage datagram $message]} return
    set peer [chan configure $channel -peer]
    if {[catch {
        chan configure $channel -remote $peer
        puts -nonewline $channel $message
    } error options]} {
        # A reply that could not go in the background (its client had gone)
        # is reported by the next write, this one, which then sends nothing:
        # so one more try for this reply, whose own failure is final.
        incr ::stats(datagram.retried)
        io datagram.gone {puts -nonewline $channel $message}
    }
}

# ---- Control ----------------------------------------------------------------

proc command {} {
    if {[gets stdin line] < 0} {
        finish
        return
    }
    switch -- $line {
        stats {
            set report [array get ::stats]
            lappend report channels [llength [chan names]] failures $::failures
            puts $report
            flush stdout
        }
        exit {
            finish
        }
    }
}

proc finish {} {
    foreach channel [array names ::pending] {
        catch {close $channel}
    }
    foreach channel {streamListener seqpacketListener datagram} {
        catch {close [set ::$channel]}
    }
    set ::done 1
}

set streamListener [unix_sockets::listen [file join $dir stream.sock] acceptStream]
set seqpacketListener [unix_sockets::listen -type seqpacket \
        [file join $dir seqpacket.sock] acceptSeqpacket]
set datagram [unix_sockets::datagram [file join $dir datagram.sock]]
chan configure $datagram -blocking 0 -translation binary -buffering none
chan event $datagram readable [list readDatagram $datagram]

chan configure stdin -blocking 0
chan event stdin readable command
puts ready
flush stdout
vwait done
