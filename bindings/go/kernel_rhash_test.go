// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
)

// tests/kernel/bpf/rhash_apply.bpf.o (a hash compiled at 10 entries and a
// socket filter inserting key 1 = 7) with the plan `mapsize plan --kernel
// 7.2.0` writes for `resizable: auto` (cap 500, expected 40): cilium/ebpf
// creates an rhash the kernel reads back as type 35, max_entries 500,
// map_extra 40, NO_PREALLOC, and the program's insert lands in it.
// tests/go/test_go.sh sets the paths; rhash is Linux 7.2+, so on an older
// kernel it skips; tests/go/build-guest-test.sh compiles it for the qemu
// guests of tests/run.sh, where it runs on Debian's 7.2 and 7.3.
func TestKernelRhash(t *testing.T) {
	planPath, objPath := os.Getenv("MAPSIZE_GO_RHASH_PLAN"), os.Getenv("MAPSIZE_GO_RHASH_OBJECT")
	if planPath == "" || objPath == "" {
		t.Skip("MAPSIZE_GO_RHASH_PLAN and MAPSIZE_GO_RHASH_OBJECT not set (tests/go/test_go.sh sets them)")
	}
	probe, err := ebpf.NewMap(&ebpf.MapSpec{Type: rhashType, KeySize: 4, ValueSize: 8, MaxEntries: 1, Flags: FlagNoPrealloc})
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("this kernel has no rhash (create: %v); first in Linux 7.2", err)
	}
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
	if _, err := plan.Apply(spec, &ApplyOptions{Strict: true}); err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("NewCollection: %v", err)
	}
	defer coll.Close()
	info, err := coll.Maps["grow"].Info()
	if err != nil {
		t.Fatal(err)
	}
	extra, _ := info.MapExtra()
	if info.Type != rhashType || info.MaxEntries != 500 || extra != 40 || info.Flags != FlagNoPrealloc {
		t.Fatalf("the kernel's map: type %d, max_entries %d, map_extra %d, flags 0x%x; expected 35, 500, 40, 0x1",
			info.Type, info.MaxEntries, extra, info.Flags)
	}
	ret, err := coll.Programs["rh_insert"].Run(&ebpf.RunOptions{Data: make([]byte, 64)})
	var value uint64
	lookup := coll.Maps["grow"].Lookup(uint32(1), &value)
	if err != nil || ret != 0 || lookup != nil || value != 7 {
		t.Fatalf("the socket filter's insert: run %v, retval %d, lookup %v, value %d; expected retval 0 and 7", err, ret,
			lookup, value)
	}
	t.Logf("rhash loaded: type %d, max_entries %d, map_extra %d, flags 0x%x, key 1 = %d", info.Type, info.MaxEntries,
		extra, info.Flags, value)
}
