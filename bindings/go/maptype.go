// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
)

// What mapsize knows about a map type (src/core/maptype.c): the kernel's
// type id (numeric, so types newer than this cilium/ebpf still compare) and
// the sizes the type fixes (-1: free).
type mapTypeInfo struct {
	bpfType            ebpf.MapType
	fixedKey, fixedVal int
	mapInMap           bool
	bit                uint32 // position in the flag tables below
}

var mapTypes = map[string]mapTypeInfo{
	"hash":             {1, -1, -1, false, 1 << 0},
	"percpu_hash":      {5, -1, -1, false, 1 << 1},
	"lru_hash":         {9, -1, -1, false, 1 << 2},
	"lru_percpu_hash":  {10, -1, -1, false, 1 << 3},
	"array":            {2, 4, -1, false, 1 << 4},
	"percpu_array":     {6, 4, -1, false, 1 << 5},
	"prog_array":       {3, 4, 4, false, 1 << 6},
	"perf_event_array": {4, 4, 4, false, 1 << 7},
	"ringbuf":          {27, 0, 0, false, 1 << 8},
	"lpm_trie":         {11, -1, -1, false, 1 << 9},
	"hash_of_maps":     {13, -1, 4, true, 1 << 10},
	"array_of_maps":    {12, 4, 4, true, 1 << 11},
	"queue":            {22, 0, -1, false, 1 << 12},
	"stack":            {23, 0, -1, false, 1 << 13},
	"bloom_filter":     {30, 0, -1, false, 1 << 14},
	"stack_trace":      {7, 4, -1, false, 1 << 15},
	"task_storage":     {29, 4, -1, false, 1 << 16},
	"inode_storage":    {28, 4, -1, false, 1 << 17},
	"sk_storage":       {24, 4, -1, false, 1 << 18},
	"cgrp_storage":     {32, 4, -1, false, 1 << 19},
	"user_ringbuf":     {31, 0, 0, false, 1 << 20},
	// BPF_MAP_TYPE_RHASH (Linux 7.2+): cilium/ebpf 0.22 does not name it
	"rhash": {rhashType, -1, -1, false, 1 << 21},
}

// rhashType is BPF_MAP_TYPE_RHASH, the resizable hash (Linux 7.2+):
// max_entries is a cap, map_extra the initial size, BPF_F_NO_PREALLOC
// required.
const rhashType = ebpf.MapType(35)

func mapTypeNames() []string {
	names := make([]string, 0, len(mapTypes))
	for n := range mapTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// typeName is mapsize's name of a kernel map type, "" when it has none.
func typeName(t ebpf.MapType) string {
	for n, ti := range mapTypes {
		if ti.bpfType == t {
			return n
		}
	}
	return ""
}

func typeMask(names ...string) uint32 {
	var m uint32
	for _, n := range names {
		m |= mapTypes[n].bit
	}
	return m
}

// Map flags (uapi BPF_F_*, MAPSIZE_F_* in <mapsize/mapsize.h>).
const (
	// FlagNoPrealloc is BPF_F_NO_PREALLOC: hash maps allocate entries on insert.
	FlagNoPrealloc = 1 << 0
	// FlagNoCommonLRU is BPF_F_NO_COMMON_LRU: one LRU list per CPU.
	FlagNoCommonLRU = 1 << 1
	// FlagNumaNode is BPF_F_NUMA_NODE: numa_node is set.
	FlagNumaNode = 1 << 2
	// FlagRdonly is BPF_F_RDONLY: user space may only read.
	FlagRdonly = 1 << 3
	// FlagWronly is BPF_F_WRONLY: user space may only write.
	FlagWronly = 1 << 4
	// FlagStackBuildID is BPF_F_STACK_BUILD_ID: stack traces as build id + offset.
	FlagStackBuildID = 1 << 5
	// FlagZeroSeed is BPF_F_ZERO_SEED: hash seed 0 (tests).
	FlagZeroSeed = 1 << 6
	// FlagRdonlyProg is BPF_F_RDONLY_PROG: BPF programs may only read.
	FlagRdonlyProg = 1 << 7
	// FlagWronlyProg is BPF_F_WRONLY_PROG: BPF programs may only write.
	FlagWronlyProg = 1 << 8
	// FlagClone is BPF_F_CLONE: local storage cloned on fork/clone.
	FlagClone = 1 << 9
	// FlagMmapable is BPF_F_MMAPABLE: an array user space can mmap.
	FlagMmapable = 1 << 10
	// FlagPreserveElem is BPF_F_PRESERVE_ELEMS: perf event array entries kept when its fd closes.
	FlagPreserveElem = 1 << 11
	// FlagInnerMap is BPF_F_INNER_MAP: an array template whose instances may differ in size.
	FlagInnerMap = 1 << 12
)

var (
	allTypes   = typeMask(mapTypeNames()...)
	hashes     = typeMask("hash", "percpu_hash", "lru_hash", "lru_percpu_hash")
	storages   = typeMask("task_storage", "inode_storage", "sk_storage", "cgrp_storage")
	progAccess = hashes | typeMask("hash_of_maps", "rhash", "array", "percpu_array", "lpm_trie", "queue", "stack", "bloom_filter")
)

// Which map types the kernel accepts each flag on (the table of
// src/core/maptype.c, from the kernel's map_alloc_check functions).
var flagTable = []struct {
	name  string
	flag  uint32
	types uint32
}{
	{"no_common_lru", FlagNoCommonLRU, typeMask("lru_hash", "lru_percpu_hash")},
	{"rdonly_prog", FlagRdonlyProg, progAccess},
	{"wronly_prog", FlagWronlyProg, progAccess},
	{"mmapable", FlagMmapable, typeMask("array")},
	{"inner_map", FlagInnerMap, typeMask("array")},
	{"numa_node", FlagNumaNode, allTypes &^ (typeMask("percpu_hash", "lru_percpu_hash", "percpu_array") | storages)},
	{"rdonly", FlagRdonly, allTypes &^ (typeMask("ringbuf", "user_ringbuf") | storages)},
	{"wronly", FlagWronly, allTypes &^ (typeMask("ringbuf", "user_ringbuf") | storages)},
	{"zero_seed", FlagZeroSeed, hashes | typeMask("hash_of_maps", "bloom_filter")},
	{"stack_build_id", FlagStackBuildID, typeMask("stack_trace")},
	{"clone", FlagClone, storages},
	{"preserve_elems", FlagPreserveElem, typeMask("perf_event_array")},
}

// Pairs no type accepts together.
var flagPairs = []struct {
	a, b    string
	whyNote string
}{
	{"rdonly_prog", "wronly_prog", "bpf_map_flags_access_ok()"},
	{"rdonly", "wronly", "bpf_get_file_flag()"},
	{"numa_node", "no_common_lru", "per-CPU LRU lists have no NUMA node"},
}

func flagByName(name string) uint32 {
	for _, f := range flagTable {
		if f.name == name {
			return f.flag
		}
	}
	return 0
}

func article(name string) string {
	if (strings.ContainsRune("aeiou", rune(name[0])) && !strings.HasPrefix(name, "us")) || strings.HasPrefix(name, "lru") || strings.HasPrefix(name, "lpm") {
		return "an"
	}
	return "a"
}

// typeList is "x, y or z" of the types in mask, in mapsize's table order.
func typeList(mask uint32) string {
	var names []string
	for b := 0; b < 32; b++ {
		for n, ti := range mapTypes {
			if ti.bit == 1<<b && mask&ti.bit != 0 {
				names = append(names, n)
			}
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// flagsRefused says why the kernel would refuse these flags on a map of
// the type, "" when it accepts them (map_flags_refused() in C).
func flagsRefused(typ string, flags uint32) string {
	ti, ok := mapTypes[typ]
	if !ok {
		return ""
	}
	for _, f := range flagTable {
		if flags&f.flag == 0 || f.types&ti.bit != 0 {
			continue
		}
		// name what accepts it, or what refuses it when that is shorter
		if bits.OnesCount32(f.types) <= bits.OnesCount32(allTypes&^f.types) {
			return fmt.Sprintf("flag '%s' is not accepted by %s %s map (the kernel says EINVAL), expected it only on %s maps",
				f.name, article(typ), typ, typeList(f.types))
		}
		return fmt.Sprintf("flag '%s' is not accepted by %s %s map (the kernel says EINVAL), expected it on any map type but %s",
			f.name, article(typ), typ, typeList(allTypes&^f.types))
	}
	for _, p := range flagPairs {
		both := flagByName(p.a) | flagByName(p.b)
		if flags&both == both {
			return fmt.Sprintf("flags '%s' and '%s' together are refused by the kernel (EINVAL: %s), expected at most one of them",
				p.a, p.b, p.whyNote)
		}
	}
	return ""
}
