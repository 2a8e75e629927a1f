# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# unix_sockets::systemd -- a Tcl service under systemd: the sockets systemd
# opened for it (socket activation) and the state it reports (notify).
#
# Both follow the C library's functions, so a service behaves the same
# whichever language it is written in:
#
#   listen   reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES as
#            sd_listen_fds_with_names(3) does and adopts each descriptor
#            with unix_sockets::adopt;
#   notify   sends KEY=VALUE lines to $NOTIFY_SOCKET as sd_notify(3) does,
#            one datagram from a unix_sockets::datagram channel.
#
# Neither needs a running systemd: systemd-socket-activate(1) starts a
# service with the same variables, and anything bound to a datagram socket
# can stand in for the service manager.

package require Tcl 8.6-
package require unix_sockets

namespace eval unix_sockets::systemd {
    # The first inherited descriptor (SD_LISTEN_FDS_START): 0, 1 and 2 stay
    # standard input, output and error.
    variable firstDescriptor 3
}

# Returns the value of the environment variable name if it is a decimal
# number from 1 to max; else an error with the errorCode TCL VALUE name.
# The check is by hand: [string is integer] would take octal, hex and
# surrounding blanks, none of which systemd writes.
proc unix_sockets::systemd::Positive {name max must} {
    set value $::env($name)
    if {![regexp {^[0-9]{1,10}$} $value] || [scan $value %lld] < 1 || [scan $value %lld] > $max} {
        return -code error -errorcode [list TCL VALUE $name] \
            "bad $name \"$value\": must be $must"
    }
    return [scan $value %lld]
}

# Reads the options of a helper, -unset and --, from the front of words;
# returns {unset rest}. Neither an accept handler nor a state starts with a
# dash, so one that does needs "--" before it.
proc unix_sockets::systemd::Options {words} {
    set unset 0
    while {[llength $words] && [string index [lindex $words 0] 0] eq "-"} {
        set words [lassign $words word]
        if {$word eq "--"} {
            break
        }
        tcl::prefix match -message option {-unset} $word
        set unset 1
    }
    return [list $unset $words]
}

proc unix_sockets::systemd::WrongArgs {usage} {
    return -code error -errorcode {TCL WRONGARGS} "wrong # args: should be \"$usage\""
}

# unix_sockets::systemd::listen ?-unset? ?--? ?accept_handler?
#
# The sockets systemd passed to this process, adopted, as a dict from name
# to the list of channels of that name, in descriptor order (two sockets of
# a unit may share a name). Empty when nothing was passed to this process.
# A listening socket needs accept_handler, which is called as
# {*}accept_handler name channel, so one handler can serve several named
# sockets; datagram sockets and connections (Accept=yes) take none.
proc unix_sockets::systemd::listen {args} {
    set usage "unix_sockets::systemd::listen ?-unset? ?--? ?accept_handler?"
    lassign [Options $args] unset rest
    if {[llength $rest] > 1} {
        WrongArgs $usage
    }
    set handler [lindex $rest 0]
    # Checked here as adopt checks it: the name is appended below, so adopt
    # would never see an empty prefix.
    if {[llength $rest] == 1 && [llength $handler] == 0} {
        return -code error -errorcode {TCL VALUE HANDLER} "the accept handler is empty"
    }
    try {
        return [Adopt [Descriptors] $rest]
    } finally {
        # As sd_listen_fds does, whether or not it succeeded: children of
        # this process must not take the variables for theirs.
        if {$unset} {
            unset -nocomplain ::env(LISTEN_PID) ::env(LISTEN_FDS) ::env(LISTEN_FDNAMES)
        }
    }
}

# The descriptors passed to this process, as {count names}: names is the
# list of their names, or empty when LISTEN_FDNAMES is not set. A count of
# 0 when the variables are missing or meant for another process.
proc unix_sockets::systemd::Descriptors {} {
    variable firstDescriptor
    if {![info exists ::env(LISTEN_PID)]} {
        return {0 {}}
    }
    # A malformed LISTEN_PID is an error even if it might have meant another
    # process: sd_listen_fds checks the form first too.
    set pid [Positive LISTEN_PID 2147483647 "a process id"]
    if {$pid != [pid] || ![info exists ::env(LISTEN_FDS)]} {
        return {0 {}}
    }
    set count [Positive LISTEN_FDS [expr {2147483647 - $firstDescriptor}] "a positive integer"]
    if {![info exists ::env(LISTEN_FDNAMES)]} {
        # No list of count names: the count may be absurd, and adopting
        # stops at the first descriptor that is not open.
        return [list $count {}]
    }
    # Empty names are names: "a::b" names three descriptors.
    set names [split $::env(LISTEN_FDNAMES) :]
    if {[llength $names] != $count} {
        return -code error -errorcode {TCL VALUE LISTEN_FDNAMES} \
            "bad LISTEN_FDNAMES \"$::env(LISTEN_FDNAMES)\": [llength $names] names, but LISTEN_FDS is $count"
    }
    return [list $count $names]
}

# Adopts each descriptor; handlerWords is {} or {accept_handler}. First
# every descriptor is checked (adopt -check, which changes nothing): one
# that cannot be taken (an Internet datagram socket, for which Tcl has no
# channel type; a listener with no handler; a descriptor that is not open)
# fails the call with adopt's error after its name, and no descriptor has
# been taken or closed. Only then is each adopted. If one fails even so,
# the channels made so far are closed: the caller holds either all the
# sockets or none.
proc unix_sockets::systemd::Adopt {descriptors handlerWords} {
    variable firstDescriptor
    lassign $descriptors count names
    set plan {}
    for {set i 0} {$i < $count} {incr i} {
        set fd [expr {$firstDescriptor + $i}]
        # "unknown" is what sd_listen_fds_with_names calls a socket
        # without a name.
        set name unknown
        if {[llength $names]} {
            set name [lindex $names $i]
        }
        set handler {}
        if {[llength $handlerWords]} {
            # adopt takes a handler only for a listening socket, and refuses
            # any other with EINVAL: then it is a datagram socket or a
            # connection, taken without.
            set handler [list {*}[lindex $handlerWords 0] $name]
            try {
                unix_sockets::adopt -check $fd $handler
            } trap {POSIX EINVAL} {} {
                set handler {}
            } on error {message options} {
                Refuse $name $message $options
            }
        }
        if {$handler eq ""} {
            try {
                unix_sockets::adopt -check $fd
            } on error {message options} {
                Refuse $name $message $options
            }
        }
        lappend plan $fd $name $handler
    }
    set sockets {}
    set adopted {}
    try {
        foreach {fd name handler} $plan {
            if {$handler ne ""} {
                set chan [unix_sockets::adopt $fd $handler]
            } else {
                set chan [unix_sockets::adopt $fd]
            }
            lappend adopted $chan
            dict lappend sockets $name $chan
        }
    } on error {message options} {
        foreach chan $adopted {
            catch {close $chan}
        }
        return -options $options $message
    }
    return $sockets
}

# Fails the call for the socket named name, with adopt's message after the
# name and adopt's errorCode.
proc unix_sockets::systemd::Refuse {name message options} {
    return -code error -errorcode [dict get $options -errorcode] \
        "socket \"$name\" from systemd: $message"
}

# unix_sockets::systemd::notify ?-unset? ?--? state
#
# Sends state, KEY=VALUE lines separated by newlines (READY=1, STATUS=...,
# WATCHDOG=1, STOPPING=1, ...), in UTF-8, as one datagram to $NOTIFY_SOCKET.
# Returns 1 once sent, 0 when NOTIFY_SOCKET is not set (the service was not
# started by systemd, or its unit does not ask for notifications), as
# sd_notify returns 0 then.
#
# No credentials are attached by hand: Linux attaches this process's own
# (pid, uid, gid) to every datagram for a receiver that asks (SO_PASSCRED),
# as systemd's notify socket does; that is how systemd tells which process
# of the service is speaking.
proc unix_sockets::systemd::notify {args} {
    set usage "unix_sockets::systemd::notify ?-unset? ?--? state"
    lassign [Options $args] unset rest
    if {[llength $rest] != 1} {
        WrongArgs $usage
    }
    try {
        if {![info exists ::env(NOTIFY_SOCKET)]} {
            return 0
        }
        Send $::env(NOTIFY_SOCKET) [lindex $rest 0]
        return 1
    } finally {
        if {$unset} {
            unset -nocomplain ::env(NOTIFY_SOCKET)
        }
    }
}

# Sends state as one datagram to the address NOTIFY_SOCKET names: an
# absolute path, or "@" and an abstract name.
proc unix_sockets::systemd::Send {value state} {
    switch -glob -- $value {
        /* {
            set address $value
        }
        @* {
            set address \0[string range $value 1 end]
        }
        vsock:* - vsock-*:* {
            # systemd 253 and later may ask for AF_VSOCK (a service in a
            # virtual machine notifying its host); that is not a Unix socket.
            return -code error -errorcode {TCL VALUE NOTIFY_SOCKET} \
                "bad NOTIFY_SOCKET \"$value\": an AF_VSOCK address; only Unix sockets are supported"
        }
        default {
            return -code error -errorcode {TCL VALUE NOTIFY_SOCKET} \
                "bad NOTIFY_SOCKET \"$value\": must be an absolute path, or \"@\" and an abstract name"
        }
    }
    set d ""
    try {
        set d [unix_sockets::datagram -remote $address]
        chan configure $d -translation binary -buffering full
        # One flush, one datagram.
        puts -nonewline $d [encoding convertto utf-8 $state]
        flush $d
    } trap POSIX {message options} {
        # The datagram command or the flush names the channel or the
        # address in its own form; the user wants the variable's value.
        set code [dict get $options -errorcode]
        return -code error -errorcode $code \
            "couldn't notify \"$value\": [lindex $code 2]"
    } finally {
        if {$d ne ""} {
            catch {close $d}
        }
    }
}

# A helper of the package, of the package's version (see http.tcl).
package provide unix_sockets::systemd [package present unix_sockets]
