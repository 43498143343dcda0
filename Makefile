# iommu-map: build, test, install.  See README.md.
PREFIX  ?= /usr/local
DESTDIR ?=
# The version: what version.sh prints (`git describe --tags --dirty` at the
# top of a git checkout, made by hand as 0.1-N-gHASH where the clone has no
# tag; else the first line of the VERSION file a release tarball or the
# packaging writes), else "unknown".  The first word only, a tag's leading
# "v" off, only [A-Za-z0-9.+~_-].  `make VERSION=...` wins.
ifneq ($(origin VERSION),command line)
VERSION := $(or $(shell ./version.sh | \
	sed -e 's/[[:space:]].*//' -e 's/^v\([0-9]\)/\1/' | tr -cd 'A-Za-z0-9.+~_-'),unknown)
endif
CC      ?= cc
PKGS    := libpci json-c libelf libunwind-ptrace
CFLAGS  ?= -O2 -g
WARN    := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -Isrc -Iinclude -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
B       ?= build

# the library part of the CLI: everything but main.  The layout (README.md,
# "Layout"): the model, correlate and the pipeline at the centre of src/;
# sources/ fill the model, checks/ compare them after correlate, views/
# print it, capture/ copies the inputs into a fixture, watch/ is the live
# tracer, lib/ the shared plumbing.  One include rule: every header by its path under src/
# ("sources/qmp.h"), with -Isrc only.
LIB_SRCS := src/version.c $(addprefix src/lib/,util.c parse.c paste.c paste-qp.c sysroot.c escape.c jsonw.c outdir.c pciids.c) \
	    src/model.c src/correlate.c src/traps.c src/pipeline.c \
	    $(addprefix src/sources/,proc.c pci.c memslots.c kchecks.c trace.c trace-fail.c maps-paste.c qtree.c qmp-client.c qmp.c qmp-windows.c mtree.c gdbexport.c kmod.c iommu-width.c cpuinfo.c physbits.c) \
	    $(addprefix src/views/,json.c report.c svg.c explain.c mtree-view.c mmio-view.c) \
	    $(addprefix src/capture/,capture.c capture-qmp.c) \
	    $(addprefix src/checks/,qmp.c widths.c pagetables.c mmio.c overlaps.c) \
	    $(addprefix src/watch/,elfsym.c uprobes.c unwind.c watch.c event.c output.c method-ptrace.c method-uprobe.c poll.c)
# the table of findings and the one way to add one (src/findings.def)
LIB_SRCS += src/findings.c
LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/%.o)
UNIT_SRCS := tests/unit/test-util.c tests/unit/test-parse.c tests/unit/test-paste.c tests/unit/test-maps-paste.c tests/unit/test-qtree.c tests/unit/test-proc.c tests/unit/test-memslots.c tests/unit/test-kchecks.c \
	     tests/unit/test-correlate.c tests/unit/test-traps.c tests/unit/test-trace.c tests/unit/test-mtree.c \
	     tests/unit/test-qmp.c tests/unit/test-gdbexport.c \
	     tests/unit/test-kmod.c tests/unit/test-elfsym.c tests/unit/test-watch.c \
	     tests/unit/test-watch-poll.c tests/unit/test-uprobes.c tests/unit/test-jsonw.c \
	     tests/unit/test-sysroot.c tests/unit/test-place.c tests/unit/test-pipeline.c tests/unit/test-outdir.c \
	     tests/unit/test-widths.c tests/unit/test-pagetables.c tests/unit/test-mmio.c tests/unit/test-pci.c
UNIT_SRCS += tests/unit/test-findings.c tests/unit/test-svg.c tests/unit/test-escape.c tests/unit/test-states.c tests/unit/test-pciids.c
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/%)

.PHONY: all deps demo check check-gdb check-watch check-kmod check-lab check-unit check-golden check-man check-hostile update-golden \
	check-asan fuzz fuzz-long fuzz-status bench clean install install-dkms uninstall kmod roots check-fresh check-gdb-here check-lab-here check-kmod-stacks deb deb-here check-deb version

# The stacks (tests/stacks/): check-gdb, check-kmod and check-lab run in a
# Debian root of each, built by tests/stacks/root.sh; STACK=NAME picks one.
# PAR=N runs N stacks side by side (each in its own roots): by default
# check-fresh and check-deb run all three at once, check-gdb two, check-lab
# and check-kmod-stacks one (two labs side by side each ran 2.4 times slower:
# an L1 under TCG shares its cores badly).
STACKS  := bookworm trixie trixie-backports
STACK   ?=
PAR     ?=
# the stacks whose lab runs the watch-guest benchmark (lab-bench.sh, in
# pc-kvm): a figure, whose check is only that it was measured, so once per
# make check-lab is enough; with STACK=NAME, that stack
LAB_BENCH ?= $(if $(STACK),$(STACK),trixie-backports)
SCENARIO ?=
LAB_ARGS ?=
FIXTURE_TAG ?=
RUN_STACKS = $(if $(STACK),$(STACK),$(STACKS))

all: $(B)/iommu-map

deps:
	@tests/deps.sh

# -MMD -MP: each object (and unit test) depends on the headers it includes,
# listed in $(B)/*.d; and on this Makefile, whose flags it was built with
$(B)/%.o: src/%.c Makefile | $(B)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B):
	mkdir -p $(B)

# version.o is the one object built with the version in it; the stamp is
# looked at on every make (FORCE) and rewritten only when the version changed
$(B)/version.stamp: FORCE | $(B)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
$(B)/version.o: $(B)/version.stamp
$(B)/version.o: CPPFLAGS += -DIM_VERSION='"$(VERSION)"'
FORCE:

$(B)/libiommu-map.a: $(LIB_OBJS)
	ar rcs $@ $^

$(B)/iommu-map: $(B)/iommu-map.o $(B)/libiommu-map.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/test-%: tests/unit/test-%.c $(B)/libiommu-map.a Makefile | $(B)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(B)/libiommu-map.a $(PKG_LIBS)

# tests/live/run.sh's stand-in: a target whose maps and fds change while they are read
$(B)/churn: tests/live/churn.c Makefile | $(B)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $<

-include $(wildcard $(B)/*.d $(B)/*/*.d)

demo: deps all
	@echo '$$ iommu-map --sysroot tests/fixtures/seed-2021'
	@$(B)/iommu-map --sysroot tests/fixtures/seed-2021 -i tests/pci.ids; test $$? -le 1
	@echo
	@echo '$$ iommu-map --sysroot tests/fixtures/seed-2021 explain 0x56540d8c7c30'
	@$(B)/iommu-map --sysroot tests/fixtures/seed-2021 -i tests/pci.ids explain 0x56540d8c7c30; test $$? -le 1

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(B)/churn
	@B=$(B) BUILD_VERSION='$(VERSION)' tests/run.sh

update-golden: all $(UNIT_BINS) $(B)/churn
	@B=$(B) BUILD_VERSION='$(VERSION)' tests/run.sh --update

roots:
	@for s in $(RUN_STACKS); do tests/stacks/root.sh $$s || exit 1; done

# the README's commands on a fresh minbase root of each stack
check-fresh:
	@IM_PAR='$(PAR)' tests/stacks/check-fresh.sh $(RUN_STACKS)

check-gdb:
	@IM_PAR='$(or $(PAR),2)' tests/stacks/each.sh "$(RUN_STACKS)" make --no-print-directory check-gdb-here

check-gdb-here:
	@tests/gdb/run.sh

# watch on this machine, no KVM: a stand-in target (both methods), a busy
# target under a stream of signals, attach cycles on a TCG QEMU
check-watch:
	@tests/watch/run.sh

# the lab: a real QEMU + vfio-pci + nested KVM under TCG (tests/lab/README.md).
# The module is built first (its headers come from check-kmod's script) and
# loaded inside L1 only, never on this machine.
check-lab:
	@IM_PAR='$(or $(PAR),1)' tests/stacks/each.sh "$(RUN_STACKS)" make --no-print-directory check-lab-here SCENARIO='$(SCENARIO)' \
		LAB_ARGS='$(LAB_ARGS)' FIXTURE_TAG='$(FIXTURE_TAG)' LAB_BENCH='$(LAB_BENCH)'

# the lab on this machine's own stack (each.sh runs it inside a root)
check-lab-here: deps
	@tests/lab/install-deps.sh
	@tests/kmod/install-headers.sh >/dev/null
	@$(MAKE) --no-print-directory all
	@tests/kmod/build.sh >/dev/null || { echo "check-lab: the kernel module does not build"; exit 1; }
	@bash tests/gdb/setup.sh >/dev/null || { echo "check-lab: the QEMU types object for the gdb hook does not build"; exit 1; }
	@FIXTURE_TAG='$(FIXTURE_TAG)' tests/lab/run.sh $(if $(IM_STACK),$(if $(filter $(IM_STACK),$(LAB_BENCH)),,--no-bench)) $(LAB_ARGS) $(SCENARIO)

check-asan: deps
	@tests/asan-deps.sh
	@sym=$$(clang -print-prog-name=llvm-symbolizer); \
	if [ -x "$$sym" ]; then export ASAN_SYMBOLIZER_PATH=$$sym; else export ASAN_OPTIONS=symbolize=0; fi; \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(MAKE) --no-print-directory B=build-asan CC=clang \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' check
	@$(MAKE) --no-print-directory B=build-tsan CC=clang CFLAGS='-O1 -g -fsanitize=thread' \
		LDFLAGS='-fsanitize=thread' build-tsan/iommu-map build-tsan/test-pci build-tsan/test-pipeline
	@$(MAKE) --no-print-directory all
	@BIN=$(B)/iommu-map tests/tsan.sh build-tsan

# the libFuzzer targets (tests/fuzz/run.sh): 60 s each, two at a time, in CI
# (issue 14); fuzz-long: 10M runs each (README's table says how long each
# takes), or FUZZ_LONG_MAX seconds first if given, resumed from the runs
# tests/fuzz/ledger holds on the same code; fuzz-status: that ledger, summed
FUZZ_SECS ?= 60
FUZZ_LONG_MAX ?=
fuzz: deps
	@tests/asan-deps.sh
	@tests/fuzz/run.sh $(FUZZ_SECS)

fuzz-long: deps
	@tests/asan-deps.sh
	@tests/fuzz/run.sh --runs 10000000 $(FUZZ_LONG_MAX)

fuzz-status:
	@tests/fuzz/run.sh --status

# the whole process at scales 0.1, 1 and 3 against a floor and lspci, then
# the in-process phases (bench/bench.py; SCALES=0.1,1,3,10 REPS=N to change)
bench: all
	@$(MAKE) --no-print-directory -C bench B=$(abspath $(B))

# check-asan: clang's llvm-symbolizer when it has one (Debian 13's clang 19
# ships none; then reports give module+offset), and tests/lsan.supp for
# libpci 3.13's own leak.
# the module needs the stack's kernel headers (tests/kmod/install-headers.sh installs them)
KDIR ?= $(shell tests/kmod/install-headers.sh --print 2>/dev/null)
kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

# CI: install the headers, build with W=1 and no warning, check the UAPI layout
check-kmod:
	@tests/kmod/install-headers.sh >/dev/null
	@tests/kmod/build.sh

# the module against each stack's headers, in its root
check-kmod-stacks:
	@IM_PAR='$(or $(PAR),1)' tests/stacks/each.sh "$(RUN_STACKS)" make --no-print-directory check-kmod

# make install [PREFIX=/usr/local] [DESTDIR=]: the CLI, both man pages, the
# gdb package, the JSON Schema, the UAPI header, the module's DKMS tree and
# the bash completion (tests/install/expected lists every file, for PREFIX=/usr).
# make uninstall removes those files (same PREFIX and VERSION) and the
# directories only iommu-map uses, when empty.
SHAREDIR := $(PREFIX)/share/iommu-map
INCDIR   := $(PREFIX)/include/iommu-map
DKMSDIR  := $(PREFIX)/src/iommu-map-$(VERSION)
COMPDIR  := $(PREFIX)/share/bash-completion/completions
GDB_PY   := $(wildcard gdb/iommu_map/*.py)
KMOD_SRC := kmod/Kbuild kmod/Makefile $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h))
INSTALLED = $(PREFIX)/sbin/iommu-map $(PREFIX)/share/man/man8/iommu-map.8 \
	$(PREFIX)/share/man/man8/iommu-map-gdb.8 $(SHAREDIR)/gdb/iommu-map-gdb.py \
	$(addprefix $(SHAREDIR)/,$(GDB_PY)) $(SHAREDIR)/schema/iommu-map-1.schema.json \
	$(INCDIR)/iommu_map.h $(DKMSDIR)/dkms.conf \
	$(addprefix $(DKMSDIR)/,$(KMOD_SRC)) $(DKMSDIR)/include/uapi/iommu_map.h $(COMPDIR)/iommu-map

install: all install-dkms
	install -D -m 0755 $(B)/iommu-map $(DESTDIR)$(PREFIX)/sbin/iommu-map
	@# the man pages name the installed files under PREFIX, not /usr/local
	for m in iommu-map iommu-map-gdb; do \
		install -d $(DESTDIR)$(PREFIX)/share/man/man8 && \
		sed 's|/usr/local/|$(PREFIX)/|g' man/$$m.8 >$(DESTDIR)$(PREFIX)/share/man/man8/$$m.8 && \
		chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man8/$$m.8 || exit 1; \
	done
	install -D -m 0644 -t $(DESTDIR)$(SHAREDIR)/gdb gdb/iommu-map-gdb.py
	install -D -m 0644 -t $(DESTDIR)$(SHAREDIR)/gdb/iommu_map $(GDB_PY)
	install -D -m 0644 -t $(DESTDIR)$(SHAREDIR)/schema schema/iommu-map-1.schema.json
	install -D -m 0644 include/uapi/iommu_map.h $(DESTDIR)$(INCDIR)/iommu_map.h
	install -D -m 0644 completion/iommu-map.bash $(DESTDIR)$(COMPDIR)/iommu-map

# the module's source for DKMS alone (needs no build; check-kmod builds it with dkms)
install-dkms:
	install -D -m 0644 -t $(DESTDIR)$(DKMSDIR)/kmod $(KMOD_SRC)
	install -D -m 0644 -t $(DESTDIR)$(DKMSDIR)/include/uapi include/uapi/iommu_map.h
	sed 's/@VERSION@/$(VERSION)/' kmod/dkms.conf >$(DESTDIR)$(DKMSDIR)/dkms.conf
	chmod 0644 $(DESTDIR)$(DKMSDIR)/dkms.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir --ignore-fail-on-non-empty $(addprefix $(DESTDIR),$(SHAREDIR)/gdb/iommu_map \
		$(SHAREDIR)/gdb $(SHAREDIR)/schema $(SHAREDIR) $(INCDIR) $(DKMSDIR)/kmod $(DKMSDIR)/include/uapi \
		$(DKMSDIR)/include $(DKMSDIR)) 2>/dev/null || true

# The Debian packages (debian/): the version from git as a Debian version
# (0.1-227-gf980727 -> 0.1+git227.gf980727; a bare hash gets "0~" before it).
# make deb builds them in a fresh minbase root of each stack (STACK=NAME
# one) into build/deb/STACK/, with lintian; make deb-here on this system
# into build/deb/.  make check-deb installs them in another fresh root of
# each stack and tries them (tests/deb/run.sh).  All as root.
DEB_VERSION = $(shell echo '$(VERSION)' | sed -e 's/-\([0-9][0-9]*\)-g/+git\1.g/' -e 's/[-_]/./g' -e 's/^[^0-9]/0~&/')
# make version: the version this tree builds, and the Debian version of it
version:
	@echo 'VERSION=$(VERSION)'; echo 'DEB_VERSION=$(DEB_VERSION)'
deb:
	@IM_PAR='$(PAR)' tests/deb/run.sh build '$(VERSION)' '$(DEB_VERSION)' $(RUN_STACKS)

deb-here:
	@tests/deb/build.sh $(B)/deb '$(VERSION)' '$(DEB_VERSION)'

check-deb:
	@IM_PAR='$(PAR)' tests/deb/run.sh check '$(VERSION)' '$(DEB_VERSION)' $(RUN_STACKS)

clean:
	rm -rf build build-asan build-tsan build-fuzz
