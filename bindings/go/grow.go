// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Writers says who writes the entries of an inner map instance: Grow
// copies them while the old instance stays in the outer slot, so a write
// that lands in the old instance after its key was copied is lost
// (enum mapsize_inner_writers).
type Writers int

const (
	// WritersUnknown: not said. Grow proceeds only when the kernel
	// guarantees BPF programs cannot write the instance (BPF_F_RDONLY_PROG),
	// else it fails with EBUSY.
	WritersUnknown Writers = iota
	// WritersUser: user space (the caller) is the only writer, as for policy
	// maps; nothing is lost if it does not write the instance during Grow.
	WritersUser
	// WritersBPFLossy: BPF programs write too and the caller accepts losing
	// their updates and deletes made in the old instance between the copy of
	// that key and the swap. Inserts are not lost: after the swap (which
	// returns after an RCU grace period) the keys the copy had not read are
	// copied where the new instance lacks them (GrowOptions.Recovered); a key
	// the copy read that is gone from the new instance was deleted there and
	// stays deleted. When the new instance cannot take them the old one is
	// put back in the slot and Grow fails.
	WritersBPFLossy
)

// GrowOptions tune Grow and report what it did; nil is the defaults.
type GrowOptions struct {
	// Outer is the map-in-map's rule name; "" finds it from the outer
	// map's kernel name (its first 15 bytes).
	Outer   string
	Writers Writers

	// Out: what this call did.
	MaxEntries  uint32        // the size of the new instance
	PerInstance bool          // always true when Grow succeeds
	Copied      uint64        // entries copied into the new instance (Recovered included)
	Batched     bool          // copied with BPF_MAP_LOOKUP_BATCH / UPDATE_BATCH
	CopyTime    time.Duration // creating the new instance and copying
	SwapTime    time.Duration // the slot update (returns after an RCU grace period)
	Recovered   uint64        // WritersBPFLossy: BPF inserts made during the copy, copied after the swap
}

// kernelName is what the kernel keeps of a map name: 15 bytes of
// [A-Za-z0-9_.], anything else as '_'.
func kernelName(name string) string {
	b := []byte(name)
	if len(b) > 15 {
		b = b[:15]
	}
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

func findOuter(plan *Plan, kname string) (string, error) {
	found := ""
	for _, m := range plan.Maps {
		if m.InnerOf == "" || kernelName(m.InnerOf) != kname {
			continue
		}
		if found != "" {
			return "", errnoErr(unix.ENOENT, "outer map '%s' matches rules '%s' and '%s'; set GrowOptions.Outer",
				kname, found, m.InnerOf)
		}
		found = m.InnerOf
	}
	if found == "" {
		return "", errnoErr(unix.ENOENT, "no inner map rule for the map-in-map '%s'; set GrowOptions.Outer", kname)
	}
	return found, nil
}

func isPerCPU(t ebpf.MapType) bool {
	return t == ebpf.PerCPUHash || t == ebpf.PerCPUArray || t == ebpf.LRUCPUHash
}

func isArray(t ebpf.MapType) bool { return t == ebpf.Array || t == ebpf.PerCPUArray }

// copyable: queue, stack and bloom_filter cannot be read without consuming.
func copyable(t ebpf.MapType) bool {
	switch t {
	case ebpf.Hash, ebpf.PerCPUHash, ebpf.LRUHash, ebpf.LRUCPUHash, ebpf.LPMTrie, ebpf.Array, ebpf.PerCPUArray:
		return true
	}
	return false
}

// instance is what a copy needs of the old map.
type instance struct {
	fd           int
	typ          ebpf.MapType
	keySize      int
	valueBytes   int // per-CPU maps: rounded value size x possible CPUs
	newMax       uint32
	seen         map[string]bool // keys the copy read (WritersBPFLossy), nil: not recorded
	skip         map[string]bool // catch-up: keys not to copy again
	updateFlags  uint64
	copied       uint64
	lookupFailed bool
}

// keep: arrays start zeroed, so only slots in use are copied, and shrink by
// dropping their last slots only when unused (array_keep in C).
func (in *instance) keep(key, val []byte) (bool, error) {
	if !isArray(in.typ) {
		return true, nil
	}
	if bytes.Count(val, []byte{0}) == len(val) {
		return false, nil
	}
	idx := uint32(key[0]) | uint32(key[1])<<8 | uint32(key[2])<<16 | uint32(key[3])<<24
	if idx >= in.newMax {
		return false, errnoErr(unix.E2BIG, "slot %d is in use but the new size is %d", idx, in.newMax)
	}
	return true, nil
}

// copyIter copies key by key (no batch ops; and the catch-up pass).
func (in *instance) copyIter(to int) error {
	key := make([]byte, in.keySize)
	next := make([]byte, in.keySize)
	val := make([]byte, in.valueBytes)
	first := true
	for {
		var cur []byte
		if !first {
			cur = key
		}
		err := nextKey(in.fd, cur, next)
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		if err != nil {
			return err
		}
		first = false
		copy(key, next)
		if in.skip[string(key)] {
			continue
		}
		if err := lookupElem(in.fd, key, val); errors.Is(err, unix.ENOENT) {
			continue // deleted since
		} else if err != nil {
			return err
		}
		if ok, err := in.keep(key, val); err != nil {
			return err
		} else if !ok {
			continue
		}
		if in.seen != nil {
			in.seen[string(key)] = true
		}
		err = updateElem(to, key, val, in.updateFlags)
		if errors.Is(err, unix.EEXIST) && in.updateFlags == updateNoExist {
			continue
		}
		if err != nil {
			return err
		}
		in.copied++
	}
}

// copyBatch copies with the batch commands; errNoBatch when the kernel
// has none for this map and nothing was copied.
var errNoBatch = errors.New("no batch ops")

// errnoENOTSUPP is the kernel-internal ENOTSUPP (524) some batch commands return.
const errnoENOTSUPP = unix.Errno(524)

func (in *instance) copyBatch(to int) error {
	const chunk = 256
	tok := make([]byte, max(in.keySize, 8))
	outTok := make([]byte, len(tok))
	keys := make([]byte, chunk*in.keySize)
	vals := make([]byte, chunk*in.valueBytes)
	var inTok []byte
	for {
		n, done, err := lookupBatch(in.fd, inTok, outTok, keys, vals, chunk)
		if err != nil {
			if (errors.Is(err, unix.EINVAL) || errors.Is(err, errnoENOTSUPP) || errors.Is(err, unix.EOPNOTSUPP)) && in.copied == 0 {
				return errNoBatch
			}
			return err
		}
		kept := 0
		for i := 0; i < int(n); i++ {
			k := keys[i*in.keySize : (i+1)*in.keySize]
			v := vals[i*in.valueBytes : (i+1)*in.valueBytes]
			ok, err := in.keep(k, v)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if in.seen != nil {
				in.seen[string(k)] = true
			}
			copy(keys[kept*in.keySize:], k)
			copy(vals[kept*in.valueBytes:], v)
			kept++
		}
		if kept > 0 {
			m, err := updateBatch(to, keys[:kept*in.keySize], vals[:kept*in.valueBytes], uint32(kept))
			in.copied += uint64(m)
			if err != nil {
				return err
			}
		}
		if done {
			return nil
		}
		copy(tok, outTok)
		inTok = tok
	}
}

// Grow replaces the instance in slot key of the loaded map-in-map outer by
// a copy sized for live entries (the rule's `instance:`; smaller when live
// is), as mapsize_inner__grow does: a map like the old one (type, key and
// value size, flags, map_extra) is created, every entry copied (batch
// commands where the kernel has them, else key by key), then the slot is
// updated, one atomic pointer swap: a BPF program's lookup of the slot gets
// the old or the new complete map, never a partial one. It returns the new
// instance (the caller closes it); the old one is freed by the kernel once
// no fd and no program holds it.
//
// Errors wrap unix.ENOENT (empty slot, or no inner rule), EOPNOTSUPP (the
// rule is not sized per instance, or the map type cannot be copied), E2BIG
// (the entries do not fit the new size), EBUSY (BPF programs may write the
// instance and opts.Writers does not accept it). On error the slot and the
// old instance are untouched (a failed WritersBPFLossy catch-up puts the old
// instance back). Not safe against another user-space writer of the
// instance or the slot during the call: serialize them with it.
func Grow(plan *Plan, outer *ebpf.Map, key any, live int, opts *GrowOptions) (*ebpf.Map, error) {
	if opts == nil {
		opts = &GrowOptions{}
	}
	writers := opts.Writers
	*opts = GrowOptions{Outer: opts.Outer, Writers: writers}
	if outer.Type() != ebpf.HashOfMaps && outer.Type() != ebpf.ArrayOfMaps {
		return nil, errnoErr(unix.EINVAL, "map %v is not a map-in-map", outer)
	}
	name := opts.Outer
	if name == "" {
		info, err := outer.Info()
		if err != nil {
			return nil, err
		}
		if name, err = findOuter(plan, info.Name); err != nil {
			return nil, err
		}
	}
	var id uint32
	if err := outer.Lookup(key, &id); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return nil, errnoErr(unix.ENOENT, "'%s': slot %v is empty", name, key)
		}
		return nil, err
	}
	old, err := ebpf.NewMapFromID(ebpf.MapID(id))
	if err != nil {
		return nil, fmt.Errorf("'%s': the instance in slot %v: %w", name, key, err)
	}
	defer old.Close()
	oinfo, err := old.Info()
	if err != nil {
		return nil, err
	}
	if oinfo.Flags&FlagRdonlyProg == 0 && writers == WritersUnknown {
		return nil, errnoErr(unix.EBUSY, "'%s' in '%s': BPF programs may write this instance (no BPF_F_RDONLY_PROG) "+
			"and what they write during the copy would be lost; say who writes it (GrowOptions.Writers)", oinfo.Name, name)
	}
	if !copyable(oinfo.Type) {
		return nil, errnoErr(unix.EOPNOTSUPP, "'%s' in '%s' is a %v, whose entries cannot be copied; expected a hash, "+
			"lpm_trie or array inner map", oinfo.Name, name, oinfo.Type)
	}
	size, err := plan.InnerEntries(name, live)
	if err != nil {
		return nil, err
	}
	if !size.PerInstance {
		why := "the rule has no 'instance:'"
		if s := plan.Find(InnerName(name)).Instance; s != nil && s.HasInstanceRule {
			why = s.Why
		}
		return nil, errnoErr(unix.EOPNOTSUPP, "'%s' is not sized per instance: %s", InnerName(name), why)
	}
	t0 := time.Now()
	extra, _ := oinfo.MapExtra()
	nm, err := ebpf.NewMap(&ebpf.MapSpec{Name: oinfo.Name, Type: oinfo.Type, KeySize: oinfo.KeySize,
		ValueSize: oinfo.ValueSize, MaxEntries: size.MaxEntries, Flags: oinfo.Flags, MapExtra: extra})
	if err != nil {
		return nil, fmt.Errorf("'%s': cannot create a %d-entry instance: %w", InnerName(name), size.MaxEntries, err)
	}
	fail := func(err error) (*ebpf.Map, error) {
		nm.Close()
		return nil, err
	}
	in := &instance{fd: old.FD(), typ: oinfo.Type, keySize: int(oinfo.KeySize), valueBytes: int(oinfo.ValueSize),
		newMax: size.MaxEntries, updateFlags: updateAny}
	if isPerCPU(oinfo.Type) {
		cpus, err := ebpf.PossibleCPU()
		if err != nil {
			return fail(err)
		}
		in.valueBytes = (in.valueBytes + 7) / 8 * 8 * cpus
	}
	catchUp := writers == WritersBPFLossy && !isArray(oinfo.Type)
	if catchUp {
		in.seen = map[string]bool{}
	}
	opts.Batched = true
	err = in.copyBatch(nm.FD())
	if err == errNoBatch {
		opts.Batched = false
		err = in.copyIter(nm.FD())
	}
	if err != nil {
		return fail(fmt.Errorf("'%s': copying %d entries into %d: %w", oinfo.Name, in.copied, size.MaxEntries, err))
	}
	t1 := time.Now()
	// hash slots take BPF_EXIST (the slot is there); fd arrays only BPF_ANY
	slotFlags := ebpf.UpdateAny
	if outer.Type() == ebpf.HashOfMaps {
		slotFlags = ebpf.UpdateExist
	}
	if err := outer.Update(key, nm, slotFlags); err != nil {
		return fail(fmt.Errorf("'%s': the outer map refused the new instance: %w", name, err))
	}
	t2 := time.Now()
	var recovered uint64
	if catchUp {
		// after the grace period no non-sleepable program writes the old
		// instance: copy what BPF inserted during the copy, never a key the
		// copy read (gone from the new one: deleted there since the swap)
		copied := in.copied
		in.skip, in.seen, in.updateFlags, in.copied = in.seen, nil, updateNoExist, 0
		if err := in.copyIter(nm.FD()); err != nil {
			back := outer.Update(key, old, slotFlags)
			where := "the old instance is back in the slot"
			if back != nil {
				where = "the old instance could not be put back, the slot keeps the new one"
			}
			return fail(fmt.Errorf("'%s': catching up BPF inserts made during the copy (%d recovered); %s: %w",
				oinfo.Name, in.copied, where, err))
		}
		recovered = in.copied
		in.copied += copied
	}
	opts.MaxEntries, opts.PerInstance, opts.Copied, opts.Recovered = size.MaxEntries, true, in.copied, recovered
	opts.CopyTime, opts.SwapTime = t1.Sub(t0), t2.Sub(t1)
	return nm, nil
}
