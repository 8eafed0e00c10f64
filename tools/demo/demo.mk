# Demo agent: a Tetragon-like BPF program sized by mapsize.   Included by the
# top Makefile (variables O CC CLANG BPFTOOL CPPFLAGS CFLAGS LDFLAGS PKG_LIBS
# JSON_LIBS LIB_A COMMON_OBJS MAPSIZE msg Q come from there).
#
#   make demo          BPF object, skeleton, mapsize-demo-agent, static objects
#   make demo-verify   load every demo BPF object with bpftool (root, bpffs)
#
# Dynamic: $(O)/demo/agent.bpf.o ships Tetragon's sizes; mapsize-demo-agent
# resizes its maps between open and load from examples/agent.rules.yaml.  It
# includes $(O)/demo/mapsize-ids.h (gen-header, default profile) for the map
# ids and overflow slots of <mapsize/bpf_overflow.h>.
# Static: $(O)/demo/static-SIZE.bpf.o is compiled against the header that
# `mapsize gen-header` writes for profile SIZE.

DEMO_O          := $(O)/demo
DEMO_RULES      ?= $(CURDIR)/examples/agent.rules.yaml
DEMO_SIZES      := small medium large
DEMO_MULTIARCH  := $(shell gcc -print-multiarch 2>/dev/null)
DEMO_ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
                     -e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')
DEMO_BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(DEMO_ARCH) \
                   $(if $(DEMO_MULTIARCH),-I/usr/include/$(DEMO_MULTIARCH)) \
                   -Iinclude -Wall -Wno-unused-function

DEMO_BPF_OBJ    := $(DEMO_O)/agent.bpf.o
DEMO_SKEL       := $(DEMO_O)/agent.skel.h
DEMO_AGENT      := $(DEMO_O)/mapsize-demo-agent
DEMO_HEADERS    := $(foreach s,$(DEMO_SIZES),$(DEMO_O)/mapsize-$(s).h)
DEMO_STATIC     := $(foreach s,$(DEMO_SIZES),$(DEMO_O)/static-$(s).bpf.o)
DEMO_IDS        := $(DEMO_O)/mapsize-ids.h
DEMO_BPF_DEPS   := tools/demo/agent.bpf.c include/mapsize/bpf_overflow.h

demo: $(DEMO_BPF_OBJ) $(DEMO_SKEL) $(DEMO_AGENT) $(DEMO_STATIC)

demo-static: $(DEMO_STATIC)

# Only the map ids and the overflow slot list of this header are used, and
# they do not depend on the profile.
$(DEMO_IDS): examples/agent.rules.yaml $(MAPSIZE)
	$(call msg,GEN-HDR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MAPSIZE) gen-header examples/agent.rules.yaml -o $@

$(DEMO_BPF_OBJ): $(DEMO_BPF_DEPS) $(DEMO_IDS)
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(DEMO_BPF_CFLAGS) -I$(DEMO_O) -c $< -o $@

$(DEMO_SKEL): $(DEMO_BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name agent_bpf > $@.tmp && mv $@.tmp $@

$(DEMO_O)/agent.o: tools/demo/agent.c tools/demo/fill.h tools/demo/churn.h tools/demo/report.h $(DEMO_SKEL) $(wildcard include/mapsize/*.h tools/common/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(DEMO_O) -DDEMO_RULES='"$(DEMO_RULES)"' $(CFLAGS) -c $< -o $@

$(DEMO_O)/fill.o: tools/demo/fill.c tools/demo/fill.h $(wildcard include/mapsize/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DEMO_O)/churn.o: tools/demo/churn.c tools/demo/churn.h $(wildcard include/mapsize/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DEMO_O)/report.o: tools/demo/report.c tools/demo/report.h tools/demo/fill.h tools/demo/churn.h \
		    $(wildcard include/mapsize/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DEMO_AGENT): $(DEMO_O)/agent.o $(DEMO_O)/fill.o $(DEMO_O)/churn.o $(DEMO_O)/report.o $(COMMON_OBJS) $(LIB_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- static: sizes fixed at compile time from `mapsize gen-header` ---------
$(DEMO_O)/mapsize-%.h: examples/agent.rules.yaml $(MAPSIZE)
	$(call msg,GEN-HDR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(MAPSIZE) gen-header examples/agent.rules.yaml --map-size=$* -o $@

$(DEMO_O)/static-%.bpf.o: tools/demo/static.bpf.c $(DEMO_BPF_DEPS) $(DEMO_O)/mapsize-%.h
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(DEMO_BPF_CFLAGS) -Itools/demo -include $(DEMO_O)/mapsize-$*.h -c $< -o $@

# ---- load every demo object into the kernel and unload it (root, bpffs) ----
DEMO_PIN := /sys/fs/bpf/mapsize-demo-verify-$(shell echo $$PPID)

demo-verify: $(DEMO_BPF_OBJ) $(DEMO_STATIC)
	$(Q)set -e; for obj in $^; do \
		rm -rf $(DEMO_PIN); \
		if $(BPFTOOL) prog loadall $$obj $(DEMO_PIN); then \
			printf '  %-8s %s\n' "LOADED" "$$obj"; rm -rf $(DEMO_PIN); \
		else rm -rf $(DEMO_PIN); echo "demo-verify: $$obj failed to load" >&2; exit 1; fi; \
	done

.PHONY: demo demo-static demo-verify
