# libFuzzer harnesses for every parser of libmapsize (tests/fuzz/README.md).
#   make fuzz                        build $(O)/fuzz/fuzz_{rules,profile,expr,set,plan}
#   make fuzz-run [FUZZ_SECONDS=30]  run each for FUZZ_SECONDS on a copy of its corpus
#   make fuzz-run FUZZ_TARGETS=expr  only some of them
# Needs clang with libFuzzer (Debian: clang + libclang-rt-dev).  The library
# sources are compiled again, with the same sanitizers as the harnesses;
# the libbpf edge (src/kernel/) is left out: the fuzzers link core and io only.
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_TARGETS  ?= rules profile expr set plan
FUZZ_FLAGS    ?=
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(FUZZ_SAN)
FUZZ_CPPFLAGS := -Iinclude -Isrc/core -D_GNU_SOURCE $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
FUZZ_LIBS     := $(shell pkg-config --libs yaml-0.1 2>/dev/null)
FUZZ_LIB_OBJS := $(patsubst %.c,$(O)/fuzz/obj/%.o,$(wildcard src/core/*.c src/io/*.c)) \
		 $(O)/fuzz/obj/gen/builtin_profiles.o
FUZZ_ALL      := rules profile expr set plan
FUZZ_BINS     := $(FUZZ_ALL:%=$(O)/fuzz/fuzz_%)

fuzz: $(FUZZ_BINS)

$(O)/fuzz/obj/src/%.o: src/%.c $(wildcard include/mapsize/*.h src/*/*.h)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(O)/fuzz/obj/gen/builtin_profiles.o: $(O)/gen/builtin_profiles.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(FUZZ_LIBS)

# Each fuzzer works on a temporary copy of its corpus (the committed one
# stays small); crashes, leaks and timeouts land in $(O)/fuzz/artifacts/.
fuzz-run: $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz_%)
	$(Q)set -e; mkdir -p $(O)/fuzz/artifacts; \
	for t in $(FUZZ_TARGETS); do \
		tmp=$$(mktemp -d); \
		cp -R tests/fuzz/corpus/$$t/. $$tmp/; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS)s"; \
		status=0; \
		$(O)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=5 \
			-dict=tests/fuzz/yaml.dict -print_final_stats=1 \
			-artifact_prefix=$(O)/fuzz/artifacts/$$t- $(FUZZ_FLAGS) $$tmp \
			> $(O)/fuzz/$$t.log 2>&1 || status=$$?; \
		rm -rf $$tmp; \
		grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' $(O)/fuzz/$$t.log | tail -2; \
		if [ $$status -ne 0 ]; then \
			tail -40 $(O)/fuzz/$$t.log; \
			echo "fuzz_$$t failed (log $(O)/fuzz/$$t.log)"; \
			exit $$status; \
		fi; \
	done

.PHONY: fuzz fuzz-run
