# `make bench` build rules (issue 4, item 4).  Included by the top Makefile
# after tools/demo/demo.mk; it needs O CC CLANG BPFTOOL CPPFLAGS CFLAGS LDFLAGS
# PKG_LIBS JSON_LIBS LIB_A MAPSIZE DEMO_SKEL DEMO_BPF_CFLAGS msg Q from there.
# bench/run.sh builds through it on its own (make -f Makefile -f bench/bench.mk
# bench-build) when the top Makefile does not include it, hence the guard.
#
#   $(O)/bench/prealloc.bpf.o    hash map + XDP programs for BPF_PROG_TEST_RUN
#   $(O)/bench/prealloc.skel.h   its skeleton
#   $(O)/bench/mapsize-bench     memlock | prealloc | overhead | status  (markdown
#                                out), from bench/main.c bench_common.c bench_<name>.c;
#                                status runs the CLI $(O)/mapsize, built here too
ifndef BENCH_MK_INCLUDED
BENCH_MK_INCLUDED := 1

BENCH_O    := $(O)/bench
BENCH_BPF  := $(BENCH_O)/prealloc.bpf.o
BENCH_SKEL := $(BENCH_O)/prealloc.skel.h
BENCH_BIN  := $(BENCH_O)/mapsize-bench

$(BENCH_BPF): bench/prealloc.bpf.c
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(DEMO_BPF_CFLAGS) -c $< -o $@

$(BENCH_SKEL): $(BENCH_BPF)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name prealloc_bpf > $@.tmp && mv $@.tmp $@

# main.c (subcommand table), bench_common.c and one bench_<name>.c per
# subcommand; the *.bpf.c beside them are BPF programs, built above.
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_OBJS := $(patsubst bench/%.c,$(BENCH_O)/%.o,$(BENCH_SRCS))

# Every object gets all skeletons (ours, the demo's, the library's live-count
# iterator in $(O)/gen) and bench_common.h as prerequisites: cheap, and no
# file's list goes stale when a benchmark starts using another skeleton.
$(BENCH_OBJS): $(BENCH_O)/%.o: bench/%.c bench/bench_common.h $(BENCH_SKEL) $(DEMO_SKEL) \
		$(O)/gen/map_count.skel.h \
		$(wildcard include/mapsize/*.h tools/common/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(BENCH_O) -I$(O)/demo -DBENCH_RULES='"$(CURDIR)/examples/agent.rules.yaml"' \
		-DBENCH_MAPSIZE='"$(abspath $(MAPSIZE))"' \
		$(CFLAGS) -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(O)/tools/common/format.o $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(JSON_LIBS) -lm

bench-build: $(BENCH_BIN) $(MAPSIZE)

bench: bench-build

.PHONY: bench-build
endif
