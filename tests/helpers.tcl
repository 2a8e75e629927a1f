# Shared setup for every tests/*.test file. Each file runs in a tclsh of its
# own (ctest starts one per file) and ends with [finish], which exits
# non-zero when a test failed or none ran.
#
# The package is loaded from the build tree: ctest puts it first on
# TCLLIBPATH and names the library it built in UNIX_SOCKETS_LIBRARY.

package require tcltest 2.5
namespace import ::tcltest::*
tcltest::configure -verbose {body error}
tcltest::configure {*}$argv

package require unix_sockets 1.0

# Under `make asan` the sanitizer runtime is preloaded into every child
# process too; their leaks (mktemp's, python's) are not ours to report.
if {[info exists ::env(ASAN_OPTIONS)]} {
    set ::env(ASAN_OPTIONS) [string map {detect_leaks=1 detect_leaks=0} $::env(ASAN_OPTIONS)]
}

# Tests across threads need the Thread package. Debian packages it for its
# Tcl 8.6, where make test requires it; for a Tcl 9 built by hand it may be
# missing, and then only those tests are skipped.
testConstraint thread [expr {![catch {package require Thread}]}]

# Runs a Tcl script (given on standard input) in a child tclsh as user
# nobody, group nogroup, for the tests of who may connect; returns what it
# printed, errors included.
proc asNobody {script} {
    if {[auto_execok setpriv] ne ""} {
        set command [list setpriv --reuid=nobody --regid=nogroup --clear-groups]
    } else {
        set command [list runuser -u nobody -g nogroup --]
    }
    catch {exec {*}$command [info nameofexecutable] << $script 2>@1} out
    return $out
}

# Those tests need root, the nobody and nogroup accounts, setpriv or
# runuser, and an interpreter and build tree that nobody may read.
testConstraint root [expr {[exec id -u] == 0}]
testConstraint nobody [expr {![catch {exec id -u nobody}] && ![catch {exec getent group nogroup}]}]
testConstraint runAsNobody [expr {
    [testConstraint root] && [testConstraint nobody] &&
    ([auto_execok setpriv] ne "" || [auto_execok runuser] ne "") &&
    [asNobody {puts [package require unix_sockets]}] eq "1.0"
}]

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
    if {$total == 0} {
        puts stderr "[info script]: no test ran"
        exit 1
    }
    exit [expr {$failed > 0}]
}
