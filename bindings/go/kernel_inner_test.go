// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// loadOuter applies innerPlanJSON to a collection of one outer map "pol"
// (the template of the object: a no-prealloc hash) and loads it.
func loadOuter(t *testing.T) (*Plan, *ebpf.Map) {
	t.Helper()
	requireBPF(t)
	p := mustParse(t, innerPlanJSON)
	spec := &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{
		"pol": {Name: "pol", Type: ebpf.HashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 8,
			InnerMap: &ebpf.MapSpec{Name: "pol_inner", Type: ebpf.Hash, KeySize: 4, ValueSize: 4, MaxEntries: 32768}}}}
	if _, err := p.Apply(spec, nil); err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatal(err)
	}
	outer := coll.DetachMap("pol")
	coll.Close()
	t.Cleanup(func() { outer.Close() })
	return p, outer
}

// lookupProg: a socket filter that, for each (slot, key, mult), looks the
// slot up in outer and key in that instance and adds mult x the value (or
// 1 when mult is 0: a hit count) to its return value.
type probe struct{ slot, key, mult int32 }

func lookupProg(t *testing.T, outer *ebpf.Map, probes []probe) *ebpf.Program {
	t.Helper()
	insns := asm.Instructions{asm.Mov.Imm(asm.R7, 0)}
	for i, pr := range probes {
		miss := fmt.Sprintf("miss%d", i)
		insns = append(insns,
			asm.StoreImm(asm.RFP, -4, int64(pr.slot), asm.Word),
			asm.LoadMapPtr(asm.R1, outer.FD()),
			asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -4),
			asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, miss),
			asm.StoreImm(asm.RFP, -8, int64(pr.key), asm.Word),
			asm.Mov.Reg(asm.R1, asm.R0),
			asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -8),
			asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, miss))
		if pr.mult == 0 {
			insns = append(insns, asm.Add.Imm(asm.R7, 1))
		} else {
			insns = append(insns, asm.LoadMem(asm.R1, asm.R0, 0, asm.Word), asm.Mul.Imm(asm.R1, pr.mult),
				asm.Add.Reg(asm.R7, asm.R1))
		}
		insns = append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol(miss))
	}
	insns = append(insns, asm.Mov.Reg(asm.R0, asm.R7), asm.Return())
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SocketFilter, License: "GPL", Instructions: insns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prog.Close() })
	return prog
}

func run(t *testing.T, prog *ebpf.Program) uint32 {
	ret, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
	if err != nil {
		t.Fatal(err)
	}
	return ret
}

func fill(t *testing.T, m *ebpf.Map, from, to, base uint32) {
	t.Helper()
	for k := from; k < to; k++ {
		if err := m.Put(k, base+k); err != nil {
			t.Fatalf("put %d: %v", k, err)
		}
	}
}

func slotID(t *testing.T, outer *ebpf.Map, slot uint32) uint32 {
	var id uint32
	if err := outer.Lookup(slot, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Instances of different sizes in one outer map, read by a BPF program.
func TestKernelInnerInstances(t *testing.T) {
	p, outer := loadOuter(t)
	small, size, err := p.NewInnerMapSized("pol", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	big, err := p.NewInnerMap("pol", 100)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	if size != (InnerSize{MaxEntries: 16, PerInstance: true}) {
		t.Errorf("small instance %+v, expected 16 per instance", size)
	}
	for m, want := range map[*ebpf.Map]uint32{small: 16, big: 300} {
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		// the applied template's flags (the plan's no_prealloc), the instance's size
		if info.MaxEntries != want || info.Flags != FlagNoPrealloc {
			t.Errorf("instance: kernel max_entries %d flags 0x%x, expected %d 0x1", info.MaxEntries, info.Flags, want)
		}
	}
	fill(t, small, 0, 3, 100)
	fill(t, big, 0, 100, 200)
	if err := outer.Put(uint32(1), small); err != nil {
		t.Fatal(err)
	}
	if err := outer.Put(uint32(2), big); err != nil {
		t.Fatal(err)
	}
	prog := lookupProg(t, outer, []probe{{1, 2, 1}, {2, 99, 1000}, {2, 2, 1000000}})
	// 102 + 1000 x 299 + 1000000 x 202
	if got := run(t, prog); got != 102+299000+202000000 {
		t.Errorf("program read %d, expected %d", got, 102+299000+202000000)
	}
}

func TestKernelGrowErrors(t *testing.T) {
	p, outer := loadOuter(t)
	_, err := Grow(p, outer, uint32(5), 10, &GrowOptions{Writers: WritersUser})
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("empty slot: %v, expected ENOENT", err)
	}
	inst, err := p.NewInnerMap("pol", 40)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	fill(t, inst, 0, 40, 0)
	if err := outer.Put(uint32(1), inst); err != nil {
		t.Fatal(err)
	}
	before := slotID(t, outer, 1)
	if _, err := Grow(p, outer, uint32(1), 100, nil); !errors.Is(err, unix.EBUSY) {
		t.Errorf("writers not declared: %v, expected EBUSY", err)
	}
	// live 1 gives 16 entries: 40 do not fit
	if _, err := Grow(p, outer, uint32(1), 1, &GrowOptions{Writers: WritersUser}); !errors.Is(err, unix.E2BIG) {
		t.Errorf("shrink below the entries: %v, expected E2BIG", err)
	}
	if _, err := Grow(p, outer, uint32(1), 100, &GrowOptions{Writers: WritersUser, Outer: "arr"}); !errors.Is(err, unix.EOPNOTSUPP) {
		t.Errorf("template-sized rule: %v, expected EOPNOTSUPP", err)
	}
	if slotID(t, outer, 1) != before {
		t.Error("a failed Grow changed the slot")
	}
	opts := &GrowOptions{Writers: WritersBPFLossy}
	nm, err := Grow(p, outer, uint32(1), 100, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer nm.Close()
	if opts.MaxEntries != 300 || !opts.PerInstance || opts.Copied != 40 || opts.Recovered != 0 {
		t.Errorf("grow result %+v, expected 300 entries, 40 copied", opts)
	}
	info, _ := nm.Info()
	if id, _ := info.ID(); uint32(id) != slotID(t, outer, 1) || info.MaxEntries != 300 {
		t.Errorf("the slot does not hold the new 300-entry instance")
	}
	for k := uint32(0); k < 40; k++ {
		var v uint32
		if err := nm.Lookup(k, &v); err != nil || v != k {
			t.Fatalf("key %d: %d %v", k, v, err)
		}
	}
	t.Logf("batched %v, copy %v, swap %v", opts.Batched, opts.CopyTime, opts.SwapTime)
	// a shrink with BPF writers declared: the catch-up finds nothing new
	lossy := &GrowOptions{Writers: WritersBPFLossy}
	sm, err := Grow(p, outer, uint32(1), 20, lossy)
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	if lossy.MaxEntries != 60 || lossy.Copied != 40 || lossy.Recovered != 0 {
		t.Errorf("lossy shrink %+v, expected 60 entries, 40 copied, 0 recovered", lossy)
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// Grow under a goroutine whose BPF lookups (BPF_PROG_TEST_RUN) of 8 keys
// always present in the instance never miss one, over 1,000 grows and
// shrinks; no fd is left open.
func TestKernelGrowUnderLookups(t *testing.T) {
	p, outer := loadOuter(t)
	cycles := 1000
	if testing.Short() {
		cycles = 100
	}
	inst, err := p.NewInnerMap("pol", 8)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, inst, 0, 8, 0)
	if err := outer.Put(uint32(1), inst); err != nil {
		t.Fatal(err)
	}
	inst.Close()
	var probes []probe
	for k := int32(0); k < 8; k++ {
		probes = append(probes, probe{1, k, 0})
	}
	prog := lookupProg(t, outer, probes)
	if got := run(t, prog); got != 8 {
		t.Fatalf("before: %d hits, expected 8", got)
	}
	fds := openFDs(t)

	var stop atomic.Bool
	var runs, misses atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			ret, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
			if err != nil || ret != 8 {
				misses.Add(1)
			}
			runs.Add(1)
		}
	}()
	start := time.Now()
	var grows, shrinks int
	var failed error
	for i := 0; i < cycles && failed == nil; i++ {
		live := 8
		if i%2 == 0 {
			live = 120 // 360 entries, then back to 24
		}
		nm, err := Grow(p, outer, uint32(1), live, &GrowOptions{Writers: WritersUser})
		if err != nil {
			failed = fmt.Errorf("cycle %d: %w", i, err)
			break
		}
		if i%2 == 0 {
			// the agent adds entries past the old size, then removes them
			fill(t, nm, 8, 40, 0)
			for k := uint32(8); k < 40; k++ {
				if err := nm.Delete(k); err != nil {
					failed = err
				}
			}
			grows++
		} else {
			shrinks++
		}
		nm.Close()
	}
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if m := misses.Load(); m != 0 {
		t.Errorf("%d of %d BPF lookup runs missed a present key", m, runs.Load())
	}
	if runs.Load() < int64(cycles/10) {
		t.Errorf("only %d BPF runs during %d grows", runs.Load(), cycles)
	}
	if got := openFDs(t); got != fds {
		t.Errorf("%d fds open after %d grows, %d before", got, cycles, fds)
	}
	t.Logf("%d grows + %d shrinks in %v (%v each), %d BPF runs, 0 misses", grows, shrinks, elapsed,
		elapsed/time.Duration(cycles), runs.Load())
}

// The WritersBPFLossy catch-up after the swap: keys BPF inserted into the
// old instance during the copy (not read by it) are copied where the new
// instance lacks them; a key the copy read and that is gone from the new
// instance was deleted there since the swap and is not brought back.
func TestKernelGrowCatchUp(t *testing.T) {
	requireBPF(t)
	newHash := func(n uint32) *ebpf.Map {
		m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 4, MaxEntries: n})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	old, nm := newHash(64), newHash(64)
	fill(t, old, 0, 10, 100) // 0..4 copied before the swap, 5..9 inserted by BPF during the copy
	fill(t, nm, 0, 5, 100)
	if err := nm.Delete(uint32(2)); err != nil { // deleted in the new instance after the swap
		t.Fatal(err)
	}
	if err := nm.Put(uint32(7), uint32(7000)); err != nil { // written in the new one after the swap
		t.Fatal(err)
	}
	in := &instance{fd: old.FD(), typ: ebpf.Hash, keySize: 4, valueBytes: 4, newMax: 64, updateFlags: updateNoExist,
		skip: map[string]bool{}}
	for k := uint32(0); k < 5; k++ {
		in.skip[string([]byte{byte(k), 0, 0, 0})] = true
	}
	if err := in.copyIter(nm.FD()); err != nil {
		t.Fatal(err)
	}
	if in.copied != 4 {
		t.Errorf("%d recovered, expected 4 (5, 6, 8, 9)", in.copied)
	}
	for k, want := range map[uint32]uint32{0: 100, 1: 101, 3: 103, 4: 104, 5: 105, 6: 106, 7: 7000, 8: 108, 9: 109} {
		var v uint32
		if err := nm.Lookup(k, &v); err != nil || v != want {
			t.Errorf("key %d: %d %v, expected %d", k, v, err, want)
		}
	}
	var v uint32
	if err := nm.Lookup(uint32(2), &v); !errors.Is(err, ebpf.ErrKeyNotExist) {
		t.Errorf("key 2, deleted after the swap, is back: %d %v", v, err)
	}
}

// A static slot (`.values = { [0] = &inner_a }`, cilium/ebpf's Contents)
// with the plan applied: the kernel takes inner_a into the slot at load
// because Apply sized it as the applied template, and the slot holds it.
func TestKernelStaticSlot(t *testing.T) {
	requireBPF(t)
	spec := demoSpec()
	delete(spec.Maps, ".rodata")
	spec.Maps["inner_a"] = &ebpf.MapSpec{Name: "inner_a", Type: ebpf.Hash, KeySize: 8, ValueSize: 1, MaxEntries: 32768}
	spec.Maps["policy_filter_maps"].Contents = []ebpf.MapKV{{Key: uint32(0), Value: "inner_a"}}
	if _, err := mustParse(t, planJSON).Apply(spec, &ApplyOptions{Strict: true}); err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("NewCollection: %v", err)
	}
	defer coll.Close()
	info, err := coll.Maps["inner_a"].Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxEntries != 440 || info.Flags != FlagNoPrealloc {
		t.Errorf("inner_a: kernel max_entries %d flags 0x%x, expected the template's 440 0x1", info.MaxEntries, info.Flags)
	}
	id, _ := info.ID()
	if got := slotID(t, coll.Maps["policy_filter_maps"], 0); got != uint32(id) {
		t.Errorf("slot 0 holds map id %d, expected inner_a's %d", got, id)
	}
	// without Apply the compiled 32768-entry preallocated inner_a does not
	// match the 440-entry no-prealloc template the plan gives: refused
	spec2 := demoSpec()
	delete(spec2.Maps, ".rodata")
	spec2.Maps["inner_a"] = &ebpf.MapSpec{Name: "inner_a", Type: ebpf.Hash, KeySize: 8, ValueSize: 1, MaxEntries: 32768}
	spec2.Maps["policy_filter_maps"].Contents = []ebpf.MapKV{{Key: uint32(0), Value: "inner_a"}}
	spec2.Maps["policy_filter_maps"].InnerMap.Flags = FlagNoPrealloc
	if c, err := ebpf.NewCollection(spec2); err == nil {
		c.Close()
		t.Error("the kernel took a slot map whose flags differ from the template's")
	}
}

// WritersBPFLossy under a BPF writer: a program (run with
// BPF_PROG_TEST_RUN) inserts keys into the instance in slot 1 while Grow
// replaces it again and again; every insert the program made is in the
// final instance (inserts during a copy are caught up after the swap).
func TestKernelGrowBPFWriter(t *testing.T) {
	p, outer := loadOuter(t)
	inst, err := p.NewInnerMap("pol", 8)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, inst, 0, 8, 0)
	if err := outer.Put(uint32(1), inst); err != nil {
		t.Fatal(err)
	}
	inst.Close()
	cfg, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	// r0 = 1 when instance(outer[1])[cfg[0]] = 1 was inserted
	insns := asm.Instructions{
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, cfg.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R7, asm.R0, 0, asm.Word),
		asm.StoreImm(asm.RFP, -4, 1, asm.Word),
		asm.LoadMapPtr(asm.R1, outer.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.StoreMem(asm.RFP, -8, asm.R7, asm.Word),
		asm.StoreImm(asm.RFP, -12, 1, asm.Word),
		asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -8),
		asm.Mov.Reg(asm.R3, asm.RFP), asm.Add.Imm(asm.R3, -12),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnMapUpdateElem.Call(),
		asm.JNE.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R0, 1),
		asm.Return(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SocketFilter, License: "GPL", Instructions: insns})
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()

	const first, last = 100, 400 // 300 keys: both sizes below hold them
	inserted := make(chan []uint32)
	go func() {
		var ok []uint32
		for k := uint32(first); k < last; k++ {
			if cfg.Put(uint32(0), k) != nil {
				break
			}
			if ret, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)}); err == nil && ret == 1 {
				ok = append(ok, k)
			}
			time.Sleep(100 * time.Microsecond)
		}
		inserted <- ok
	}()
	var ok []uint32
	var grows int
	var recovered uint64
	for ok == nil {
		live := 200 // 512 entries (clamped), then 150: 450
		if grows%2 == 1 {
			live = 150
		}
		opts := &GrowOptions{Writers: WritersBPFLossy}
		nm, err := Grow(p, outer, uint32(1), live, opts)
		if err != nil {
			t.Fatalf("grow %d: %v", grows, err)
		}
		nm.Close()
		grows++
		recovered += opts.Recovered
		select {
		case ok = <-inserted:
		default:
		}
	}
	if len(ok) != last-first {
		t.Fatalf("the program inserted %d of %d keys", len(ok), last-first)
	}
	var id uint32
	if err := outer.Lookup(uint32(1), &id); err != nil {
		t.Fatal(err)
	}
	final, err := ebpf.NewMapFromID(ebpf.MapID(id))
	if err != nil {
		t.Fatal(err)
	}
	defer final.Close()
	lost := 0
	for _, k := range append(ok, 0, 1, 2, 3, 4, 5, 6, 7) {
		var v uint32
		if final.Lookup(k, &v) != nil {
			lost++
		}
	}
	if lost != 0 {
		t.Errorf("%d of %d keys lost over %d grows", lost, len(ok)+8, grows)
	}
	t.Logf("%d grows while BPF inserted %d keys: %d recovered by the catch-up, %d lost", grows, len(ok), recovered, lost)
}
