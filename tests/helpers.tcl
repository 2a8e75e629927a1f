# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Shared setup for every tests/*.test file. Each file runs in a tclsh of its
# own (ctest starts one per file) and ends with [finish], which exits
# non-zero when a test failed or none ran.
#
# The package is loaded from the build tree: ctest puts it first on
# TCLLIBPATH and names the build directory in UNIX_SOCKETS_BUILD_DIR.

package require tcltest 2.5
namespace import ::tcltest::*
# "skip" prints "++++ NAME SKIPPED: CONSTRAINT" for every skipped test;
# scripts/test-summary lists those lines after the totals.
tcltest::configure -verbose {body error skip}
tcltest::configure {*}$argv

# Every test name is used once in a file: a second test of the same name
# would make the failure reports of both ambiguous.
namespace forget ::tcltest::test
proc test {name args} {
    if {[info exists ::testNames($name)]} {
        error "[info script]: the test name $name is used twice"
    }
    set ::testNames($name) 1
    uplevel 1 [list ::tcltest::test $name {*}$args]
}

# Says why a constraint is off, once per file; scripts/test-summary lists
# these notes beside the skipped tests.
proc constraintNote {name reason} {
    puts "++++ constraint $name is off: $reason"
}

# A constraint that tells what is under test (Linux, Tcl 8.6's notifier),
# not whether this machine was set up to run a test: a test it skips does
# not apply here, and so scripts/test-summary does not count it against
# UNIX_SOCKETS_TEST_ALL=1. Every other constraint (root, thread, ...) is
# something CI provides, and a test skipped for it fails that run.
proc platformConstraint {name value reason} {
    testConstraint $name $value
    if {!$value} {
        puts "++++ constraint $name does not apply: $reason"
    }
}

package require unix_sockets 1.0

# `make test NOTIFIER=epoll` runs every test file with the epoll notifier
# installed in its tclsh, first thing, as the man page asks (NOTIFIER);
# child processes the tests start keep Tcl's own, unless they ask.
if {[info exists ::env(UNIX_SOCKETS_NOTIFIER)] && $::env(UNIX_SOCKETS_NOTIFIER) ne ""} {
    unix_sockets::notifier $::env(UNIX_SOCKETS_NOTIFIER)
}

# Under `make asan` the sanitizer runtime is preloaded into every child
# process too; their leaks (mktemp's, python's) are not ours to report.
if {[info exists ::env(ASAN_OPTIONS)]} {
    set ::env(ASAN_OPTIONS) [string map {detect_leaks=1 detect_leaks=0} $::env(ASAN_OPTIONS)]
}

# Tests across threads need the Thread package. Debian packages it for its
# Tcl 8.6, where make test requires it; .ci/build-tcl9 installs it with Tcl
# 9. A Tcl built by hand may lack it: then only those tests are skipped
# (and, with UNIX_SOCKETS_TEST_ALL=1, make test fails).
testConstraint thread [expr {![catch {package require Thread} threadError]}]
if {![testConstraint thread]} {
    constraintNote thread $threadError
}

# Runs a Tcl script (given on standard input) in a child tclsh as user
# nobody, group nogroup, for the tests of who may connect; returns what it
# printed, errors included. The child loads the package from a copy that
# user nobody can read (see nobodyPackageDir), never from the build tree,
# which may lie where nobody cannot go (a checkout under /root), and it
# starts in /, for the same reason.
proc asNobody {script} {
    set here [pwd]
    cd /
    try {
        catch {exec {*}[nobodyCommand] [info nameofexecutable] << $script 2>@1} out
    } finally {
        cd $here
    }
    return $out
}

# The command line prefix, as a list, that runs a program as user nobody,
# group nogroup, with the package's copy on TCLLIBPATH (for a child that
# must run alongside the test, in a pipe of its own; start it from /).
proc nobodyCommand {} {
    if {[auto_execok setpriv] ne ""} {
        set command [list setpriv --reuid=nobody --regid=nogroup --clear-groups]
    } else {
        set command [list runuser -u nobody -g nogroup --]
    }
    return [list env TCLLIBPATH=[list [nobodyPackageDir]] {*}$command]
}

# A copy of the package directory this process loaded (pkgIndex.tcl and the
# libraries), in a temporary directory of its own that everyone may read,
# made on first use and removed by [finish]. Returns the directory that
# holds the copy, for TCLLIBPATH.
proc nobodyPackageDir {} {
    if {![info exists ::nobodyLib]} {
        set loaded [lindex [package ifneeded unix_sockets [package present unix_sockets]] 1]
        set packageDir [file dirname $loaded]
        set ::nobodyLib [exec mktemp -d /tmp/us-nobody.XXXXXX]
        file attributes $::nobodyLib -permissions 0o755
        set copy [file join $::nobodyLib [file tail $packageDir]]
        file copy $packageDir $copy
        file attributes $copy -permissions 0o755
        foreach file [glob -directory $copy *] {
            file attributes $file -permissions a+r
        }
    }
    return $::nobodyLib
}

# Those tests need root, the nobody and nogroup accounts, setpriv or
# runuser, and an interpreter that nobody may run (a Tcl built under a
# private prefix may not be: .ci/run makes its prefix readable).
testConstraint root [expr {[exec id -u] == 0}]
testConstraint nobody [expr {![catch {exec id -u nobody}] && ![catch {exec getent group nogroup}]}]
proc nobodyCanRun {} {
    if {![testConstraint root]} {
        return "the tests do not run as root"
    }
    if {![testConstraint nobody]} {
        return "there is no user nobody or no group nogroup"
    }
    if {[auto_execok setpriv] eq "" && [auto_execok runuser] eq ""} {
        return "neither setpriv nor runuser is installed"
    }
    set out [asNobody {puts [package require unix_sockets]}]
    if {$out ne [package present unix_sockets]} {
        return "user nobody cannot run [info nameofexecutable] with the package: $out"
    }
    return ""
}
set reason [nobodyCanRun]
testConstraint runAsNobody [expr {$reason eq ""}]
if {$reason ne ""} {
    constraintNote runAsNobody $reason
}
if {![testConstraint root]} {
    constraintNote root "the tests do not run as root"
}
if {![testConstraint nobody]} {
    constraintNote nobody "there is no user nobody or no group nogroup"
}
unset reason

# Every socket path lives under one private directory, removed by [finish].
# Kept short: a socket path must fit in 107 bytes.
set ::tmpdir [exec mktemp -d /tmp/us-test.XXXXXX]

# A path under the private directory.
proc tmppath {name} {
    return [file join $::tmpdir $name]
}

# Waits in the event loop until the global variable is set, at most ms
# milliseconds; returns its value, or "timeout" when the watchdog fired, so
# a broken test fails at once instead of hanging the suite.
proc wait {varName {ms 5000}} {
    upvar #0 $varName var
    set id [after $ms [list set ::$varName timeout]]
    vwait ::$varName
    after cancel $id
    return $var
}

# The path of the interpreter running the tests, for child processes.
proc tclsh {} {
    return [info nameofexecutable]
}

# The top of the source tree, and the project's version, which is written
# once, in its CMakeLists.txt (project(unix_sockets VERSION ...)).
proc sourceDir {} {
    return [file dirname [file dirname [file normalize [info script]]]]
}
proc projectVersion {} {
    set f [open [file join [sourceDir] CMakeLists.txt]]
    set text [read $f]
    close $f
    if {![regexp {project\(unix_sockets VERSION ([0-9.]+)} $text -> version]} {
        error "no project version in CMakeLists.txt"
    }
    return $version
}

# A command line, as a list, that runs a Tcl script file in a child tclsh
# with the package loadable.
proc childTcl {script args} {
    return [list [tclsh] $script {*}$args]
}

# Writes a script to a file in the private directory; returns the file name.
proc scriptFile {name body} {
    set file [tmppath $name]
    set f [open $file w]
    puts $f $body
    close $f
    return $file
}

# Descriptors this process holds open, from /proc.
proc openDescriptors {} {
    return [llength [glob -nocomplain /proc/[pid]/fd/*]]
}

# Fails the file at once, with a clear message, when a required program is
# missing: a test that cannot run must not pass by being skipped.
proc requirePrograms {args} {
    foreach program $args {
        if {[auto_execok $program] eq ""} {
            puts stderr "[info script]: $program is not installed (make test checks this: see README.md)"
            exit 1
        }
    }
}

proc finish {} {
    set total $::tcltest::numTests(Total)
    set failed $::tcltest::numTests(Failed)
    cleanupTests
    file delete -force $::tmpdir
    if {[info exists ::nobodyLib]} {
        file delete -force $::nobodyLib
    }
    if {$total == 0} {
        puts stderr "[info script]: no test ran"
        exit 1
    }
    exit [expr {$failed > 0}]
}
