// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
)

// The demo object loaded into the running kernel with the plan that
// `mapsize plan examples/agent.rules.yaml --format json` wrote: every
// managed map, and an inner instance, reads back the plan's max_entries and
// flags. tests/go/test_go.sh sets the two paths.
func TestKernelDemo(t *testing.T) {
	planPath, objPath := os.Getenv("MAPSIZE_GO_PLAN"), os.Getenv("MAPSIZE_GO_OBJECT")
	if planPath == "" || objPath == "" {
		t.Skip("MAPSIZE_GO_PLAN and MAPSIZE_GO_OBJECT not set (tests/go/test_go.sh sets them)")
	}
	probe, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Skipf("bpf() refused here (%v): the kernel test needs CAP_BPF", err)
	}
	probe.Close()

	plan, err := ReadPlanFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ebpf.LoadCollectionSpec(objPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(spec, &ApplyOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("NewCollection: %v", err)
	}
	defer coll.Close()

	managed := 0
	for _, am := range res.Maps {
		if am.Status != Applied || am.Planned.InnerOf != "" {
			continue
		}
		m := coll.Maps[am.Name]
		if m == nil {
			t.Errorf("map '%s' applied but not loaded", am.Name)
			continue
		}
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		// the demo compiles no flag its plan does not set, so the kernel's
		// flags are the plan's map_flags exactly
		if info.MaxEntries != am.Planned.MaxEntries || info.Flags != am.Planned.MapFlags || info.Flags != am.Flags {
			t.Errorf("map '%s': kernel max_entries %d flags 0x%x, plan %d 0x%x", am.Name, info.MaxEntries, info.Flags,
				am.Planned.MaxEntries, am.Planned.MapFlags)
		}
		managed++
	}
	// every rule but the inner one names a map of the object
	if want := len(plan.Maps) - 1; managed != want {
		t.Errorf("%d managed maps checked, expected %d", managed, want)
	}
	if got := res.Unmanaged(); len(got) != 1 || got[0] != "mapsize_overflow" {
		t.Errorf("Unmanaged %v, expected [mapsize_overflow]", got)
	}
	if len(coll.Programs) != 7 {
		t.Errorf("%d programs loaded, expected 7", len(coll.Programs))
	}

	// An inner instance from the applied template: planned size, and the
	// kernel takes it into the outer map (it equals the template).
	const outer = "policy_filter_maps"
	rule := plan.Find(InnerName(outer))
	ms, err := InnerMapSpec(spec, outer)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := ebpf.NewMap(ms)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	info, err := inner.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxEntries != rule.MaxEntries || info.Flags != rule.MapFlags {
		t.Errorf("inner instance: kernel max_entries %d flags 0x%x, plan %d 0x%x", info.MaxEntries, info.Flags,
			rule.MaxEntries, rule.MapFlags)
	}
	if err := coll.Maps[outer].Put(uint32(1), inner); err != nil {
		t.Errorf("outer map refused the planned inner instance: %v", err)
	}
	// ... and refuses one with other flags: the template really has the plan's
	other := ms.Copy()
	other.Flags ^= FlagNoPrealloc
	wrong, err := ebpf.NewMap(other)
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	if err := coll.Maps[outer].Put(uint32(2), wrong); err == nil || !errors.Is(err, syscall.EINVAL) {
		t.Errorf("outer map took an inner map with flags 0x%x: %v", other.Flags, err)
	}
}
