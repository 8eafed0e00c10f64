// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

// The corpus objects (tools/fetch-corpus.sh: the standalone .o files of
// libxdp1 and opensnitch-ebpf-modules, and the objects embedded in
// libbpf-tools' executables and libbpftune0's shared libraries, each with
// the plan `mapsize rules init` + `mapsize plan --map-size=medium` made for
// it) loaded through cilium/ebpf 0.22 with Apply: every map the kernel
// created reads back the applied max_entries, flags and map_extra.
// tests/go/test_go.sh writes the list to MAPSIZE_GO_CORPUS, one object a
// line: "OBJECT PLAN", or "FILE PLAN NAME OFFSET SIZE" for the object NAME
// embedded in FILE (`mapsize objects`), whose bytes are read from FILE here.
// Where the kernel refuses the object's programs (a program type or helper
// this kernel does not allow), the maps are created without them and the
// test says so.
func TestKernelCorpus(t *testing.T) {
	list := os.Getenv("MAPSIZE_GO_CORPUS")
	if list == "" {
		t.Skip("MAPSIZE_GO_CORPUS not set (tests/go/test_go.sh sets it when build/corpus is there)")
	}
	requireBPF(t)
	f, err := os.Open(list)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	ran := map[string]bool{}
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch len(fields) {
		case 2:
			obj, planPath := fields[0], fields[1]
			n++
			ran[filepath.Base(obj)] = true
			t.Run(filepath.Base(obj), func(t *testing.T) {
				corpusObject(t, filepath.Base(obj), planPath, func() (*ebpf.CollectionSpec, error) {
					return ebpf.LoadCollectionSpec(obj)
				})
			})
		case 5:
			host, planPath, name := fields[0], fields[1], fields[2]
			off, err1 := strconv.ParseInt(fields[3], 10, 64)
			size, err2 := strconv.ParseInt(fields[4], 10, 64)
			if err := errors.Join(err1, err2); err != nil {
				t.Fatalf("%s: %q: %v", list, sc.Text(), err)
			}
			n++
			ran[filepath.Base(host)+":"+name] = true
			t.Run(filepath.Base(host)+":"+name, func(t *testing.T) {
				corpusObject(t, name, planPath, func() (*ebpf.CollectionSpec, error) {
					return loadEmbedded(host, off, size)
				})
			})
		default:
			t.Fatalf("%s: %q: expected OBJECT PLAN or FILE PLAN NAME OFFSET SIZE", list, sc.Text())
		}
	}
	if n == 0 {
		t.Fatalf("%s lists no object", list)
	}
	checkRefusalsSeen(t, ran)
}

// loadEmbedded parses the BPF ELF image of size bytes at off in host.
func loadEmbedded(host string, off, size int64) (*ebpf.CollectionSpec, error) {
	f, err := os.Open(host)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ebpf.LoadCollectionSpecFromReader(io.NewSectionReader(f, off, size))
}

func corpusObject(t *testing.T, obj, planPath string, load func() (*ebpf.CollectionSpec, error)) {
	plan, err := ReadPlanFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := load()
	if err != nil {
		corpusRefused(t, obj, err)
	}
	// libbpf-tools' stack maps are compiled at value_size 0 and sized by
	// the tool before loading (bpf_map__set_value_size): done here from
	// the plan, as the tool would.
	for name, ms := range spec.Maps {
		if pm := plan.Find(name); pm != nil && ms.Type == ebpf.StackTrace && ms.ValueSize == 0 {
			ms.ValueSize = pm.ValueSize
			t.Logf("map '%s': value_size 0 in the object, %d from the plan (set at run time by the tool)", name, pm.ValueSize)
		}
	}
	// opensnitch's legacy "maps/NAME" sections: mapsize names the map after
	// the section (proc-events), cilium/ebpf after the symbol (events), so
	// that rule finds no map here and the map stays as compiled.
	renamed := map[string][2]string{"opensnitch-procs.o": {"proc-events", "events"}}[obj]
	res, err := plan.Apply(spec, &ApplyOptions{Strict: renamed[0] == ""})
	if err != nil {
		t.Fatal(err)
	}
	if renamed[0] != "" {
		if m, u := res.Missing(), res.Unmanaged(); len(m) != 1 || m[0] != renamed[0] || len(u) != 1 || u[0] != renamed[1] {
			t.Errorf("missing %v unmanaged %v, expected [%s] [%s]", m, u, renamed[0], renamed[1])
		}
	}
	// Maps pinned by name (libxdp's xdpfilt) would need a bpffs: created
	// unpinned here, sizes are the same.
	for _, ms := range spec.Maps {
		ms.Pinning = ebpf.PinNone
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		var ve *ebpf.VerifierError
		if r := expectedRefusal(t, err); r != nil && r.mapsOnly {
			t.Logf("programs refused by cilium/ebpf (%s: %s): maps only", r.cause, r.why)
		} else if !errors.As(err, &ve) && !errors.Is(err, os.ErrPermission) && !errors.Is(err, ebpf.ErrNotSupported) {
			corpusRefused(t, obj, err)
		} else {
			t.Logf("programs refused by this kernel (%v): maps only", firstLine(err))
			findExpectedRefusal(t, spec)
		}
		spec.Programs = nil
		if coll, err = ebpf.NewCollection(spec); err != nil {
			corpusRefused(t, obj, fmt.Errorf("NewCollection, maps only: %w", err))
		}
	}
	defer coll.Close()
	checked := 0
	for _, am := range res.Maps {
		if am.Status != Applied || am.Planned.InnerOf != "" {
			continue
		}
		m := coll.Maps[am.Name]
		if m == nil {
			t.Errorf("map '%s' applied but not created", am.Name)
			continue
		}
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		want := am.MaxEntries
		if am.Type == ebpf.PerfEventArray {
			// cilium/ebpf clamps a perf event array to the possible CPUs
			// (libbpf does not): the plan's size is a ceiling there; and
			// max_entries 0 means one per possible CPU (libbpf too)
			if n, err := ebpf.PossibleCPU(); err == nil && (want == 0 || uint32(n) < want) {
				want = uint32(n)
			}
		}
		if info.MaxEntries != want || info.Flags != am.Flags {
			t.Errorf("map '%s': kernel max_entries %d flags 0x%x, applied %d 0x%x", am.Name, info.MaxEntries,
				info.Flags, want, am.Flags)
		}
		if am.MaxEntries != am.Planned.MaxEntries || am.Flags&^am.CompiledFlags != am.Planned.MapFlags&^am.CompiledFlags {
			t.Errorf("map '%s': applied %d 0x%x, plan %d 0x%x", am.Name, am.MaxEntries, am.Flags,
				am.Planned.MaxEntries, am.Planned.MapFlags)
		}
		if extra, ok := info.MapExtra(); ok && am.Planned.MapExtra != 0 && extra != am.Planned.MapExtra {
			t.Errorf("map '%s': kernel map_extra %d, plan %d", am.Name, extra, am.Planned.MapExtra)
		}
		checked++
	}
	if want := len(plan.Maps) - len(res.Missing()); checked != want {
		t.Errorf("%d maps checked, the plan has %d", checked, want)
	}
	t.Logf("%d maps equal to the plan", checked)
}

// corpusRefusal is what cilium/ebpf 0.22 cannot load in the corpus: the
// cause, the objects it is expected on (subtest names) and why. On the
// listed objects it is a skip naming the cause, or with mapsOnly (only the
// programs are refused) the maps are created and checked without them.
// Any other error, or the same error on an object not listed, fails.
type corpusRefusal struct {
	cause, match, why string
	mapsOnly          bool
	objects           []string
}

var corpusRefusals = []corpusRefusal{
	{"typed-ksym", "load virtual .ksyms section",
		"cilium/ebpf 0.22 supports only untyped __ksym externs (expects *btf.Void); the object declares typed ones (extern struct net init_net __ksym)",
		false, tuners("ip_frag_tuner.so", "neigh_table_tuner.so", "netns_tuner.so", "route_table_tuner.so",
			"sysctl_tuner.so", "tcp_buffer_tuner.so", "net_buffer_tuner.so:obj0")},
	{"weak-map-symbol", "unsupported binding: STB_WEAK",
		"cilium/ebpf 0.22 refuses weak map symbols (libbpf's usdt.bpf.h __bpf_usdt_* maps)",
		false, []string{"javagc:javagc_bpf"}},
	{"kconfig-typedef", "must be a 32 bits integer, got Typedef",
		"cilium/ebpf 0.22 wants LINUX_KERNEL_VERSION in .kconfig as a plain 32-bit int, the object declares it __u32 (a typedef)",
		true, []string{"biosnoop:biosnoop_bpf", "bitesize:bitesize_bpf"}},
}

// tuners: bpftune's shared libraries each embed obj0..obj2; NAME:objN alone
// is that one object.
func tuners(names ...string) []string {
	var objs []string
	for _, n := range names {
		if strings.Contains(n, ":") {
			objs = append(objs, n)
			continue
		}
		for i := 0; i < 3; i++ {
			objs = append(objs, fmt.Sprintf("%s:obj%d", n, i))
		}
	}
	return objs
}

// expectedRefusal: the refusal err is, when it is expected on this object.
func expectedRefusal(t *testing.T, err error) *corpusRefusal {
	sub := t.Name()[strings.IndexByte(t.Name(), '/')+1:]
	for i := range corpusRefusals {
		r := &corpusRefusals[i]
		if strings.Contains(err.Error(), r.match) && slices.Contains(r.objects, sub) {
			refusalsSeen[sub] = r.cause
			return r
		}
	}
	return nil
}

// refusalsSeen: subtest name -> the expected refusal it met
var refusalsSeen = map[string]string{}

// checkRefusalsSeen: every expected refusal happened on each listed object
// that ran, or the expectation is stale (a newer cilium/ebpf, a fixed object).
func checkRefusalsSeen(t *testing.T, ran map[string]bool) {
	for _, r := range corpusRefusals {
		for _, o := range r.objects {
			if ran[o] && refusalsSeen[o] != r.cause {
				t.Errorf("%s: expected the %s refusal (%s), it did not happen", o, r.cause, r.why)
			}
		}
	}
}

// findExpectedRefusal: cilium/ebpf loads programs in map order, so this
// kernel's refusal of one program (EPERM for tracing programs here) may come
// before cilium/ebpf's own expected refusal of another.  When one is
// expected on this object, each program is loaded alone, in name order,
// until it shows: the same result whatever the order.
func findExpectedRefusal(t *testing.T, spec *ebpf.CollectionSpec) {
	sub := t.Name()[strings.IndexByte(t.Name(), '/')+1:]
	if !slices.ContainsFunc(corpusRefusals, func(r corpusRefusal) bool { return slices.Contains(r.objects, sub) }) {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Programs)) {
		one := spec.Copy()
		one.Programs = map[string]*ebpf.ProgramSpec{name: one.Programs[name]}
		coll, err := ebpf.NewCollection(one)
		if err == nil {
			coll.Close()
			continue
		}
		if expectedRefusal(t, err) != nil {
			return
		}
	}
}

func corpusRefused(t *testing.T, obj string, err error) {
	t.Helper()
	if r := expectedRefusal(t, err); r != nil && !r.mapsOnly {
		t.Skipf("cilium/ebpf refuses %s (%s): %s", obj, r.cause, r.why)
	}
	t.Fatal(err)
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// requireBPF skips when this process may not use bpf() (an ordinary user).
func requireBPF(t *testing.T) {
	t.Helper()
	probe, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Skipf("bpf() refused here (%v): the kernel test needs CAP_BPF", err)
	}
	probe.Close()
}
