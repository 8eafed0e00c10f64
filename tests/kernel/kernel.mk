# Live-kernel tests: the BPF objects they load (tests/kernel/bpf/*.bpf.c) and
# their shared header.  Included at the end of the top Makefile (needs O,
# CLANG, CC, the flags, LIB_INT and msg/Q from it); `make tests` builds it all.
KTEST_BPF_SRCS   := $(wildcard tests/kernel/bpf/*.bpf.c)
KTEST_BPF_OBJS   := $(patsubst tests/kernel/bpf/%.bpf.c,$(O)/tests/bpf/%.bpf.o,$(KTEST_BPF_SRCS))
KTEST_MULTIARCH  := $(shell gcc -print-multiarch 2>/dev/null)
KTEST_BPF_CFLAGS := -g -O2 -target bpf $(if $(KTEST_MULTIARCH),-I/usr/include/$(KTEST_MULTIARCH)) \
                    -Wall -Wno-unused-function
KTEST_PROGS      := $(patsubst tests/kernel/%.c,$(O)/tests/%,$(wildcard tests/kernel/test_*.c))
KTEST_HELPERS    := $(patsubst %.c,$(O)/%.o,$(wildcard tests/lib/*.c))

$(O)/tests/bpf/%.bpf.o: tests/kernel/bpf/%.bpf.c
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(KTEST_BPF_CFLAGS) -c $< -o $@

# kptr fields need the `kptr` BTF type tag, which clang emits from 15 on.
KPTR_CLANG := $(or $(shell command -v clang-16 || command -v clang-15),$(CLANG))
$(O)/tests/bpf/mim_kptr.bpf.o: CLANG := $(KPTR_CLANG)

# As the top Makefile's rule for tests/kernel/%.c, plus the shared header.
$(KTEST_PROGS): $(O)/tests/%: tests/kernel/%.c tests/kernel/test_kernel.h $(KTEST_HELPERS) $(LIB_INT)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(PKG_LIBS) $(JSON_LIBS) $(TEST_LIBS)

tests: $(KTEST_BPF_OBJS)

# test_migrate*.c share test_migrate.h.
$(O)/tests/test_migrate $(O)/tests/test_migrate_window: tests/kernel/test_migrate.h
