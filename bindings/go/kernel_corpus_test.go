// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

// The corpus objects (tools/fetch-corpus.sh; the standalone .o files of
// libxdp1 and opensnitch-ebpf-modules, each with the plan `mapsize rules
// init` + `mapsize plan --map-size=medium` made for it) loaded through
// cilium/ebpf 0.22 with Apply: every map the kernel created reads back the
// applied max_entries, flags and map_extra. tests/go/test_go.sh writes the
// list ("OBJECT PLAN" per line) to MAPSIZE_GO_CORPUS. Where the kernel
// refuses the object's programs (a program type or helper this kernel does
// not allow), the maps are created without them and the test says so.
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
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		obj, planPath := fields[0], fields[1]
		n++
		t.Run(filepath.Base(obj), func(t *testing.T) { corpusObject(t, obj, planPath) })
	}
	if n == 0 {
		t.Fatalf("%s lists no object", list)
	}
}

func corpusObject(t *testing.T, obj, planPath string) {
	plan, err := ReadPlanFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ebpf.LoadCollectionSpec(obj)
	if err != nil {
		t.Fatal(err)
	}
	// opensnitch's legacy "maps/NAME" sections: mapsize names the map after
	// the section (proc-events), cilium/ebpf after the symbol (events), so
	// that rule finds no map here and the map stays as compiled.
	renamed := map[string][2]string{"opensnitch-procs.o": {"proc-events", "events"}}[filepath.Base(obj)]
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
		if !errors.As(err, &ve) && !errors.Is(err, os.ErrPermission) && !errors.Is(err, ebpf.ErrNotSupported) {
			t.Fatalf("NewCollection: %v", err)
		}
		t.Logf("programs refused by this kernel (%v): maps only", firstLine(err))
		spec.Programs = nil
		if coll, err = ebpf.NewCollection(spec); err != nil {
			t.Fatalf("NewCollection, maps only: %v", err)
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
			// (libbpf does not): the plan's size is a ceiling there
			if n, err := ebpf.PossibleCPU(); err == nil && uint32(n) < want {
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
