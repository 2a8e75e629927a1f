# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Prints what the build needs to know about the Tcl that runs this script,
# one "key value" line each: its version, its tclConfig.sh, its auto_path.
set version [info tclversion]
set libdir [tcl::pkgconfig get libdir,runtime]
set config {}
foreach candidate [list \
        [file join $libdir tcl$version tclConfig.sh] \
        [file join $libdir tclConfig.sh] \
        [file join [file dirname [info library]] tclConfig.sh]] {
    if {[file exists $candidate]} {
        set config $candidate
        break
    }
}
puts "version $version"
puts "config $config"
puts "library [info library]"
puts "auto_path [join $auto_path {;}]"
