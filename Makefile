# mapsize — size eBPF maps for the cluster an agent runs in.
#   make            library, mapsize tool, demo agent
#   make test       every test (unit, CLI, live kernel); SANITIZE=1 for ASan+UBSan
#   make bench      benchmarks, results in bench/results.md
#   make install    PREFIX=/usr/local DESTDIR=
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
BINDIR   ?= $(PREFIX)/bin
INCDIR   ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DESTDIR  ?=
SANITIZE ?=
V        ?=

VERSION  := $(shell sed -n 's/^\#define MAPSIZE_VERSION "\(.*\)"/\1/p' include/mapsize/mapsize.h)
O        := build
ifeq ($(SANITIZE),1)
O        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

PKG_CFLAGS := $(shell pkg-config --cflags libbpf yaml-0.1 jansson 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libbpf yaml-0.1 2>/dev/null) -lelf -lz -lm
JSON_LIBS  := $(shell pkg-config --libs jansson 2>/dev/null)
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)
# recommend --prometheus: libcurl, for the mapsize tool only (the static one goes without)
CURL_LIBS  := $(shell pkg-config --libs libcurl 2>/dev/null)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fPIC -fvisibility=hidden $(SANFLAGS)
CPPFLAGS += -Iinclude -Isrc/core -Itools/common -I$(O)/gen $(PKG_CFLAGS) -D_GNU_SOURCE
LDFLAGS  += $(SANFLAGS)

ifeq ($(V),)
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
else
Q =
msg =
endif

# ---- library -------------------------------------------------------------
# src/core: pure computation; src/io: files and the default printer; src/kernel: libbpf and the running kernel
LIB_SRCS  := $(wildcard src/core/*.c src/io/*.c src/kernel/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(O)/%.o) $(O)/gen/builtin_profiles.o
LIB_A     := $(O)/libmapsize.a
# Every object as built, internals global: for the mapsize tool and the
# unit and kernel tests, which call internal helpers.  Not installed.
LIB_INT   := $(O)/libmapsize-internal.a
LIB_SO    := $(O)/libmapsize.so.$(VERSION)
PROFILES  := $(sort $(wildcard profiles/*.yaml))

# ---- tools ---------------------------------------------------------------
COMMON_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard tools/common/*.c))
MAPSIZE_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard tools/mapsize/*.c))
MAPSIZE   := $(O)/mapsize

all: $(LIB_A) $(LIB_SO) $(O)/libmapsize.pc $(MAPSIZE) demo

$(O)/%.o: %.c $(wildcard include/mapsize/*.h src/*/*.h tools/*/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(O)/embed: tools/embed/embed.c
	$(call msg,HOSTCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -o $@ $<

$(O)/gen/builtin_profiles.c: $(O)/embed $(PROFILES)
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(O)/embed $(PROFILES) > $@.tmp && mv $@.tmp $@

$(O)/gen/builtin_profiles.o: $(O)/gen/builtin_profiles.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The live-count iterator (src/kernel/bpf/): BPF C built with clang at build
# time and embedded in the library through a bpftool skeleton.
$(O)/gen/map_count.bpf.o: src/kernel/bpf/map_count.bpf.c
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(DEMO_BPF_CFLAGS) -c $< -o $@

$(O)/gen/map_count.skel.h: $(O)/gen/map_count.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name map_count_bpf > $@.tmp && mv $@.tmp $@

$(O)/src/kernel/status_kfunc.o: $(O)/gen/map_count.skel.h

# The kernel-side counters (issue 18): tracing programs, the same way.
$(O)/gen/counters.bpf.o: src/kernel/bpf/counters.bpf.c
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(DEMO_BPF_CFLAGS) -c $< -o $@

$(O)/gen/counters.skel.h: $(O)/gen/counters.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name counters_bpf > $@.tmp && mv $@.tmp $@

$(O)/src/kernel/counters.o: $(O)/gen/counters.skel.h

# The installed archive is one object, partially linked, with every hidden
# symbol made local: a program may define its own read_file or strbuf_addf,
# and nm -g lists only the MAPSIZE_API functions.
$(LIB_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)ld -r -o $(O)/libmapsize.o $^ && objcopy --localize-hidden $(O)/libmapsize.o
	$(Q)rm -f $@ && ar rcs $@ $(O)/libmapsize.o

$(LIB_INT): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) src/libmapsize.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libmapsize.so.0 -Wl,--version-script=src/libmapsize.map \
		-o $@ $(LIB_OBJS) $(PKG_LIBS)

$(O)/libmapsize.pc: doc/libmapsize.pc.in include/mapsize/mapsize.h
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $< > $@

# A static mapsize for nodes without the shared libraries.  The static
# libraries' own dependencies come from pkg-config --static; -lm for round().
# No sanitizers with -static.
STATIC_LIBS := $(shell pkg-config --static --libs libbpf yaml-0.1 2>/dev/null) -lm
static: $(O)/mapsize-static
$(O)/mapsize-static: $(filter-out $(O)/tools/mapsize/prom_http.o,$(MAPSIZE_OBJS)) \
		     $(O)/tools/mapsize/prom_http-nocurl.o $(COMMON_OBJS) $(LIB_INT)
	$(call msg,STATIC,$@)
	$(Q)$(CC) -static -o $@ $^ $(STATIC_LIBS)

$(O)/tools/mapsize/prom_http-nocurl.o: tools/mapsize/prom_http.c tools/mapsize/prom_http.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DMAPSIZE_NO_CURL -c $< -o $@

# The tool also uses src/core/kube.h's helpers: it links the internal archive.
$(MAPSIZE): $(MAPSIZE_OBJS) $(COMMON_OBJS) $(LIB_INT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CURL_LIBS)

# ---- demo agent (BPF object, skeleton, user space) ----------------------
-include tools/demo/demo.mk
-include tests/kernel/kernel.mk
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

# ---- tests ---------------------------------------------------------------
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_*.c))
KERNEL_TESTS := $(patsubst tests/kernel/%.c,$(O)/tests/%,$(wildcard tests/kernel/test_*.c))
TEST_HELPERS := $(patsubst %.c,$(O)/%.o,$(wildcard tests/lib/*.c))

$(O)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(TEST_HELPERS) $(LIB_INT)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(PKG_LIBS) $(JSON_LIBS) $(TEST_LIBS)

$(O)/tests/%: tests/kernel/%.c $(TEST_HELPERS) $(LIB_INT)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(PKG_LIBS) $(JSON_LIBS) $(TEST_LIBS)

# The tools' JSON reader and writer (tools/common/json.c).
$(O)/tests/test_json: $(O)/tools/common/json.o

tests: $(UNIT_TESTS) $(KERNEL_TESTS) $(MAPSIZE) $(LIB_SO) demo fuzz
ifneq ($(SANITIZE),1)
tests: $(O)/mapsize-static
endif

test: tests
	$(Q)O=$(O) tests/run.sh

# ---- availability table against a kernel: static, for the live kernel and
# Debian's kernels under qemu (tests/cli/test_kernel_avail.sh) ------------
AVAILPROBE_SRCS := tests/kernel/availprobe.c src/core/maptype.c src/core/map_limits.c

$(O)/tests/availprobe-static: $(AVAILPROBE_SRCS) $(wildcard include/mapsize/*.h) src/core/internal.h
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -static $(CPPFLAGS) -o $@ $(AVAILPROBE_SRCS) -lbpf -lelf -lz

tests: $(O)/tests/availprobe-static

# src/core pure (no libbpf, kernel headers or I/O), no source file over ~800 lines.
check-layout:
	$(Q)tools/check-layout.sh && echo "layout ok"

bench: all
	$(Q)O=$(O) bench/run.sh

install: $(LIB_A) $(LIB_SO) $(MAPSIZE)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)/mapsize \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(MAPSIZE) $(DESTDIR)$(BINDIR)/mapsize
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libmapsize.a
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libmapsize.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmapsize.so.0
	ln -sf libmapsize.so.0 $(DESTDIR)$(LIBDIR)/libmapsize.so
	install -m 0644 include/mapsize/*.h $(DESTDIR)$(INCDIR)/mapsize/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' doc/libmapsize.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libmapsize.pc
	install -m 0644 doc/mapsize.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 tools/completion/mapsize.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mapsize

clean:
	rm -rf build build-san

.PHONY: all demo tests test check-layout bench clean install static
.SECONDARY:

# ---- memory matrix: the model against the live kernel, and a static build
# of it for Linux 6.1 under qemu (tests/qemu/run-kernel.sh) ---------------
MEMMATRIX_SRCS := tests/kernel/memmatrix.c src/core/memory.c src/core/maptype.c src/kernel/kernel_consts.c \
		  src/core/kernel_consts_table.c src/core/memory_rlimit.c

$(O)/tests/memmatrix: $(MEMMATRIX_SRCS) $(wildcard include/mapsize/*.h)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(MEMMATRIX_SRCS) $(PKG_LIBS)

# No sanitizers with -static; libelf.a links without zstd on Debian 12.
$(O)/tests/memmatrix-static: $(MEMMATRIX_SRCS) $(wildcard include/mapsize/*.h)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -static $(CPPFLAGS) -o $@ $(MEMMATRIX_SRCS) -lbpf -lelf -lz

tests: $(O)/tests/memmatrix $(O)/tests/memmatrix-static

# rhash (7.2+) filled from a socket filter and from user space, for the
# 7.2/7.3 guests (tests/qemu/guest-checks.sh); skips on older kernels.  It
# also applies a plan to its own object (embedded by the skeleton), so it
# links the whole library like counters-static (no sanitizers with -static).
$(O)/gen/rhash_apply.skel.h: $(O)/tests/bpf/rhash_apply.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name rhash_apply > $@.tmp && mv $@.tmp $@

# rhash_bench: the three maps and programs of rhashfill --bench (make bench)
$(O)/gen/rhash_bench.skel.h: $(O)/tests/bpf/rhash_bench.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name rhash_bench > $@.tmp && mv $@.tmp $@

$(O)/tests/rhashfill-static: tests/kernel/rhashfill.c tests/kernel/bench_ns.h $(O)/gen/rhash_apply.skel.h \
		$(O)/gen/rhash_bench.skel.h $(LIB_INT)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -static $(CPPFLAGS) -o $@ tests/kernel/rhashfill.c $(LIB_INT) $(STATIC_LIBS)

ifneq ($(SANITIZE),1)
tests: $(O)/tests/rhashfill-static
endif

# kernel_consts_table.c generator's BTF reader (tools/gen-kernel-consts.sh)
$(O)/tools/kconsts-dump: tools/kconsts-dump/kconsts-dump.c $(MEMMATRIX_SRCS:tests/kernel/memmatrix.c=) $(wildcard include/mapsize/*.h)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(PKG_LIBS)

# ---- kernel-side counters (issue 18) under qemu: a static test binary with
# its BPF writer's skeleton (tests/qemu/guest-checks.sh runs it) ----------
$(O)/gen/counters_writer.skel.h: $(O)/tests/bpf/counters_writer.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name counters_writer > $@.tmp && mv $@.tmp $@

COUNTERS_GUEST_SRCS := tests/kernel/counters_guest.c tests/kernel/counters_cli_maps.c tests/kernel/counters_bench.c
$(O)/tests/counters-static: $(COUNTERS_GUEST_SRCS) tests/kernel/counters_guest.h tests/kernel/bench_ns.h \
		$(O)/gen/counters_writer.skel.h $(LIB_INT)
	$(call msg,STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -static $(CPPFLAGS) -o $@ $(COUNTERS_GUEST_SRCS) $(LIB_INT) $(STATIC_LIBS)

ifneq ($(SANITIZE),1)
tests: $(O)/tests/counters-static
endif
