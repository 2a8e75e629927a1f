# Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
# Thin wrapper around CMake and CTest. Every target takes TCLSH=/path/to/tclsh
# to build for another Tcl (default: the tclsh on PATH); each Tcl version
# builds in a directory of its own under build/.
#
#   make demo      build, then run the seed's echo server and client
#   make test      build, then run every test (exits non-zero on any failure);
#                  prints each skipped test and why it was, then the totals.
#                  UNIX_SOCKETS_TEST_ALL=1 makes a skipped test fail the run
#                  (CI sets it: there every test is expected to run).
#                  NOTIFIER=epoll installs the epoll notifier first thing in
#                  every test file's tclsh (Tcl 8.6 only: unix_sockets::notifier)
#   make install   install library, pkgIndex.tcl and man page (PREFIX, DESTDIR)
#   make asan      run the tests with AddressSanitizer and UBSan
#   make valgrind  run the tests under valgrind
#   make fuzz      build the libFuzzer targets (fuzz/) with clang++ and run
#                  each for FUZZ_SECONDS (default 15); fails on any finding
#   make bench     build, then compare unix_sockets with Tcl's TCP sockets and
#                  raw AF_UNIX sockets: rates and the server's CPU time per
#                  message, unpinned, each figure the median of 9 runs
#                  (fan-in: 5) with their spread; a few minutes
#                  (bench/run.tcl; BENCH_FLAGS="-repeat 5 -cpu one" and so on)
#   make soak      build, then run soak/run.tcl: one server, many clients, for
#                  SOAK_SECONDS (default 60; SOAK_SEED=N replays a run's choices)
#   make dist      write unix_sockets-VERSION.tar.gz and its .sha256 (DISTDIR,
#                  default the top of the tree) from the committed tree
#   make distcheck make dist twice (the same bytes), unpack it in a temporary
#                  directory, run make demo and make test there, build the
#                  Debian package from it
#
# The version is written once, in CMakeLists.txt's project().

TCLSH ?= tclsh
TCL_VERSION := $(shell echo 'puts [info tclversion]' | $(TCLSH) 2>/dev/null)
BUILD ?= build/tcl$(TCL_VERSION)
PREFIX ?=
CMAKE_FLAGS ?=
BENCH_FLAGS ?=
FUZZ_SECONDS ?= 15
NOTIFIER ?=
VERSION := $(shell awk '/^project.unix_sockets VERSION / {print $$3}' CMakeLists.txt)
DISTDIR ?= $(CURDIR)

configure_flags = -DTCLSH=$(shell command -v $(TCLSH)) $(if $(PREFIX),-DCMAKE_INSTALL_PREFIX=$(PREFIX)) $(CMAKE_FLAGS)

.PHONY: all build demo test install asan valgrind fuzz bench clean

all: build

build:
	@scripts/check-deps build $(TCLSH)
	cmake -S . -B $(BUILD) $(configure_flags)
	cmake --build $(BUILD) -j2

demo: build
	@scripts/demo $(BUILD)

test:
	@scripts/check-deps test $(TCLSH)
	@$(MAKE) --no-print-directory build
	@cd $(BUILD) && status=0 && \
	    { UNIX_SOCKETS_NOTIFIER=$(NOTIFIER) ctest --output-on-failure --no-tests=error -j2 || status=$$?; } && \
	    { $(CURDIR)/scripts/test-summary Testing/Temporary/LastTest.log || status=1; } && \
	    exit $$status

install: build
	cmake --install $(BUILD)

asan:
	$(MAKE) test BUILD=$(BUILD)-asan CMAKE_FLAGS="-DUNIX_SOCKETS_SANITIZE=ON"

valgrind:
	$(MAKE) test BUILD=$(BUILD)-valgrind CMAKE_FLAGS="-DUNIX_SOCKETS_VALGRIND=ON"

fuzz:
	@scripts/check-deps fuzz $(TCLSH)
	cmake -S . -B $(BUILD)-fuzz $(configure_flags) -DCMAKE_CXX_COMPILER=clang++ -DUNIX_SOCKETS_FUZZ=ON
	cmake --build $(BUILD)-fuzz -j2 --target fuzz_targets
	@scripts/fuzz $(BUILD)-fuzz $(FUZZ_SECONDS)

.PHONY: soak
soak: build
	cmake --build $(BUILD) --target soak

bench: build
	cmake --build $(BUILD) --target bench_raw
	@$(TCLSH) bench/run.tcl $(BUILD) $(BENCH_FLAGS)

.PHONY: dist distcheck
dist:
	@scripts/dist $(VERSION) $(DISTDIR)

distcheck:
	@scripts/distcheck $(VERSION) $(TCLSH)

clean:
	rm -rf build
