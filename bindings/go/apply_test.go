// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

// demoSpec is the shape of the demo object's maps that planJSON covers,
// plus one map without a rule and a libbpf internal map.
func demoSpec() *ebpf.CollectionSpec {
	return &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{
		"execve_map": {Name: "execve_map", Type: ebpf.Hash, KeySize: 4, ValueSize: 896, MaxEntries: 1000,
			Flags: FlagRdonlyProg},
		"policy_filter_maps": {Name: "policy_filter_maps", Type: ebpf.HashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 8,
			InnerMap: &ebpf.MapSpec{Name: "policy_filter_inner", Type: ebpf.Hash, KeySize: 8, ValueSize: 1, MaxEntries: 32768}},
		"mapsize_overflow": {Name: "mapsize_overflow", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 512, MaxEntries: 1},
		".rodata":          {Name: ".rodata", Type: ebpf.Array, KeySize: 4, ValueSize: 64, MaxEntries: 1, Flags: FlagRdonlyProg},
	}}
}

func apply(t *testing.T, doc string, spec *ebpf.CollectionSpec, opts *ApplyOptions) (*Result, error) {
	t.Helper()
	return mustParse(t, doc).Apply(spec, opts)
}

func TestApply(t *testing.T) {
	spec := demoSpec()
	r, err := apply(t, planJSON, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := spec.Maps["execve_map"]
	// the object's rdonly_prog kept, no_prealloc from the plan
	if e.MaxEntries != 32768 || e.Flags != FlagRdonlyProg|FlagNoPrealloc {
		t.Fatalf("execve_map %v", e)
	}
	am := r.Find("execve_map")
	if am == nil || am.Status != Applied || am.CompiledMaxEntries != 1000 || am.CompiledFlags != FlagRdonlyProg ||
		am.MaxEntries != 32768 || am.Flags != 0x81 || am.Planned.Name != "execve_map" {
		t.Fatalf("result %+v", am)
	}
	if o := spec.Maps["policy_filter_maps"]; o.MaxEntries != 128 || o.Flags != 0 {
		t.Fatalf("outer %v", o)
	}
	in := spec.Maps["policy_filter_maps"].InnerMap
	if in.MaxEntries != 440 || in.Flags != FlagNoPrealloc {
		t.Fatalf("inner template %v", in)
	}
	if am := r.Find("policy_filter_maps.inner"); am == nil || am.Status != Applied || am.CompiledMaxEntries != 32768 ||
		am.MaxEntries != 440 {
		t.Fatalf("inner result %+v", am)
	}
	if u := spec.Maps["mapsize_overflow"]; u.MaxEntries != 1 || u.Flags != 0 {
		t.Fatalf("unmanaged map changed: %v", u)
	}
	if got := r.Unmanaged(); !reflect.DeepEqual(got, []string{"mapsize_overflow"}) {
		t.Fatalf("Unmanaged %v", got)
	}
	if got := r.Missing(); len(got) != 0 {
		t.Fatalf("Missing %v", got)
	}
	if want := []string{"map 'mapsize_overflow': no rule, left as compiled (max_entries 1)"}; !reflect.DeepEqual(r.Warnings, want) {
		t.Fatalf("Warnings %q", r.Warnings)
	}
	if r.Find(".rodata") != nil || spec.Maps[".rodata"].MaxEntries != 1 {
		t.Fatal("internal map reported or changed")
	}
	if len(r.Maps) != 4 {
		t.Fatalf("%d entries: %+v", len(r.Maps), r.Maps)
	}
	tmpl, err := InnerMapSpec(spec, "policy_filter_maps")
	if err != nil || tmpl.MaxEntries != 440 || tmpl.Flags != 1 || tmpl == in {
		t.Fatalf("InnerMapSpec %v %v", tmpl, err)
	}
	_, err = InnerMapSpec(spec, "execve_map")
	expectError(t, err, "map 'execve_map' has no inner map template; expected a map-in-map")
}

func TestApplyRuleWithoutMap(t *testing.T) {
	spec := demoSpec()
	delete(spec.Maps, "execve_map")
	r, err := apply(t, planJSON, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Missing(); !reflect.DeepEqual(got, []string{"execve_map"}) {
		t.Fatalf("Missing %v", got)
	}
	if got := r.Warnings[len(r.Warnings)-1]; got != "map 'execve_map': rule without a map in the object" {
		t.Fatalf("warning %q", got)
	}
	_, err = apply(t, planJSON, demoSpec2(func(s *ebpf.CollectionSpec) { delete(s.Maps, "execve_map") }), &ApplyOptions{Strict: true})
	expectError(t, err, "map 'execve_map' has a rule but is not in the object (strict mode); expected the object to define it: rule without a map")
	if !errors.Is(err, ErrRuleWithoutMap) {
		t.Fatal("errors.Is ErrRuleWithoutMap")
	}
}

func demoSpec2(edit func(*ebpf.CollectionSpec)) *ebpf.CollectionSpec {
	s := demoSpec()
	edit(s)
	return s
}

// An inner rule of a map-in-map without a rule of its own is not applied:
// the outer is unmanaged and the inner rule has no map (as in C).
func TestApplyInnerWithoutOuterRule(t *testing.T) {
	doc := strings.Replace(planJSON, `"name": "policy_filter_maps",`, `"name": "other_outer",`, 1)
	spec := demoSpec()
	r, err := apply(t, doc, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Missing(); !reflect.DeepEqual(got, []string{"other_outer", "policy_filter_maps.inner"}) {
		t.Fatalf("Missing %v", got)
	}
	if spec.Maps["policy_filter_maps"].InnerMap.MaxEntries != 32768 {
		t.Fatal("inner template changed without an outer rule")
	}
}

func TestApplyInnerTemplateFromRule(t *testing.T) {
	spec := demoSpec()
	spec.Maps["policy_filter_maps"].InnerMap = nil
	if _, err := apply(t, planJSON, spec, nil); err != nil {
		t.Fatal(err)
	}
	in := spec.Maps["policy_filter_maps"].InnerMap
	if in == nil || in.Type != ebpf.Hash || in.KeySize != 8 || in.ValueSize != 1 || in.MaxEntries != 440 || in.Flags != 1 {
		t.Fatalf("template %v", in)
	}
}

func TestApplyStaleRules(t *testing.T) {
	cases := []struct {
		name string
		edit func(*ebpf.CollectionSpec)
		want string
	}{
		{"type", func(s *ebpf.CollectionSpec) { s.Maps["execve_map"].Type = ebpf.LRUHash },
			"map 'execve_map': the object's map is a lru_hash (bpf map type 9) but the rule says hash; expected the rules to match the object"},
		{"unmodelled type", func(s *ebpf.CollectionSpec) { s.Maps["execve_map"].Type = ebpf.SockHash },
			"map 'execve_map': the object's map is a type mapsize does not model (bpf map type 18) but the rule says hash; " +
				"expected the rules to match the object"},
		{"key", func(s *ebpf.CollectionSpec) { s.Maps["execve_map"].KeySize = 8 },
			"map 'execve_map': the object's map has key_size 8 but the rule says 4; expected the rules to match the object (stale rules?)"},
		{"value", func(s *ebpf.CollectionSpec) { s.Maps["execve_map"].ValueSize = 900 },
			"map 'execve_map': the object's map has value_size 900 but the rule says 896; expected the rules to match the object (stale rules?)"},
		{"inner value", func(s *ebpf.CollectionSpec) { s.Maps["policy_filter_maps"].InnerMap.ValueSize = 2 },
			"map 'policy_filter_maps.inner': the inner map template has value_size 2 but the rule says 1; " +
				"expected the rules to match the object (stale rules?)"},
		{"merged flags", func(s *ebpf.CollectionSpec) { s.Maps["execve_map"].Flags = FlagWronlyProg | FlagRdonlyProg },
			"map 'execve_map': the object's map has flags 0x180 and the rule 0x1: flags 'rdonly_prog' and 'wronly_prog' together " +
				"are refused by the kernel (EINVAL: bpf_map_flags_access_ok()), expected at most one of them"},
		{"inner merged flags", func(s *ebpf.CollectionSpec) { s.Maps["policy_filter_maps"].InnerMap.Flags = FlagInnerMap },
			"map 'policy_filter_maps.inner': the inner map template has flags 0x1000 and the rule 0x1: flag 'inner_map' is not " +
				"accepted by a hash map (the kernel says EINVAL), expected it only on array maps"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := apply(t, planJSON, demoSpec2(c.edit), nil)
			expectError(t, err, c.want)
		})
	}
}

// A fixed-size type reads 0/0 in a spec before creation: not stale.
func TestApplyFixedSizeZero(t *testing.T) {
	doc := `{"schema_version": 1, "maps": [{"name": "events", "type": "perf_event_array", "key_size": 4, "value_size": 4,
	  "max_entries": 64, "map_flags": 0}]}`
	spec := &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{"events": {Name: "events", Type: ebpf.PerfEventArray}}}
	if _, err := apply(t, doc, spec, nil); err != nil {
		t.Fatal(err)
	}
	if spec.Maps["events"].MaxEntries != 64 {
		t.Fatalf("%v", spec.Maps["events"])
	}
}

// Maps named in a map-in-map's static slots (`.values = { &inner_a }`)
// are sized as its inner template, or refused when their rule disagrees.
func TestApplyStaticSlot(t *testing.T) {
	slotSpec := func() *ebpf.CollectionSpec {
		s := demoSpec()
		s.Maps["inner_a"] = &ebpf.MapSpec{Name: "inner_a", Type: ebpf.Hash, KeySize: 8, ValueSize: 1, MaxEntries: 32768}
		s.Maps["policy_filter_maps"].Contents = []ebpf.MapKV{{Key: uint32(0), Value: "inner_a"}}
		return s
	}
	spec := slotSpec()
	r, err := apply(t, planJSON, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := spec.Maps["inner_a"]; a.MaxEntries != 440 || a.Flags != 1 {
		t.Fatalf("inner_a %v", a)
	}
	if am := r.Find("inner_a"); am == nil || am.Status != Applied || am.Planned.Name != "policy_filter_maps.inner" {
		t.Fatalf("inner_a result %+v", am)
	}
	doc := strings.Replace(planJSON, `"maps": [`, `"maps": [{"name": "inner_a", "type": "hash", "key_size": 8,
	  "value_size": 1, "max_entries": 100, "map_flags": 0},`, 1)
	_, err = apply(t, doc, slotSpec(), nil)
	expectError(t, err, "map 'inner_a' may fill a statically initialised slot of 'policy_filter_maps' (.values = { ... }), "+
		"but its rule gives max_entries 100 flags 0x0 and the template 'policy_filter_maps.inner' max_entries 440 flags 0x1: "+
		"the kernel would refuse the slot at load (EINVAL); expected the rule of 'inner_a' to match "+
		"'policy_filter_maps.inner', or no rule for it (it is then sized as the template)")
}

func TestApplyMapExtra(t *testing.T) {
	doc := `{"schema_version": 1, "maps": [{"name": "seen", "type": "bloom_filter", "key_size": 0, "value_size": 8,
	  "max_entries": 1000, "map_flags": 0, "map_extra": 3}, {"name": "kept", "type": "bloom_filter", "key_size": 0,
	  "value_size": 4, "max_entries": 64, "map_flags": 0, "map_extra": 0}]}`
	spec := &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{
		"seen": {Name: "seen", Type: ebpf.BloomFilter, ValueSize: 8, MaxEntries: 10},
		"kept": {Name: "kept", Type: ebpf.BloomFilter, ValueSize: 4, MaxEntries: 10, MapExtra: 5}}}
	if _, err := apply(t, doc, spec, nil); err != nil {
		t.Fatal(err)
	}
	// the plan's hashes; a plan without map_extra keeps the object's
	if got := spec.Maps["seen"].MapExtra; got != 3 {
		t.Errorf("seen MapExtra %d, expected 3", got)
	}
	if got := spec.Maps["kept"].MapExtra; got != 5 {
		t.Errorf("kept MapExtra %d, expected 5", got)
	}
}

// rhashPlan is `mapsize plan --kernel 7.2.0 --format json` of a hash rule
// with `resizable: auto` used by a socket filter (max_entries 500, expected
// 40), cut to the map; rhashFallback the same rules planned for 6.18.
const rhashPlan = `{"schema_version": 1, "kernel": "7.2", "maps": [{"name": "grow", "type": "rhash", "key_size": 4,
  "value_size": 8, "max_entries": 500, "map_flags": 1, "prealloc": false, "expected_entries": 40, "map_extra": 40,
  "initial_entries": 40, "resizable": "rhash", "resizable_reason": "rhash: the kernel grows it from the expected entries up to the cap (Linux 7.2+, no tracing program uses it)",
  "used_by": ["networking"], "inner_of": null, "baseline_max_entries": null}]}`

const rhashFallback = `{"schema_version": 1, "kernel": "6.18", "maps": [{"name": "grow", "type": "hash", "key_size": 4,
  "value_size": 8, "max_entries": 500, "map_flags": 1, "prealloc": false, "expected_entries": 40, "map_extra": 0,
  "initial_entries": null, "resizable": "hash", "resizable_reason": "hash: the target kernel predates rhash (Linux 7.2), a no-prealloc hash of the cap instead",
  "used_by": ["networking"], "inner_of": null, "baseline_max_entries": null}]}`

// growSpec: the map compiled as a small preallocated hash, with a map_extra
// that must not be taken for the rhash's initial size.
func growSpec(typ ebpf.MapType, flags uint32) *ebpf.CollectionSpec {
	return &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{
		"grow": {Name: "grow", Type: typ, KeySize: 4, ValueSize: 8, MaxEntries: 10, Flags: flags, MapExtra: 3}}}
}

func TestApplyRhash(t *testing.T) {
	p := mustParse(t, rhashPlan)
	if pm := p.Find("grow"); pm.InitialEntries != 40 || pm.Resizable != "rhash" || pm.MapExtra != 40 {
		t.Fatalf("plan map %+v", pm)
	}
	spec := growSpec(ebpf.Hash, FlagRdonlyProg)
	r, err := p.Apply(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// BPF_MAP_TYPE_RHASH, the cap, the initial size, NO_PREALLOC with the object's rdonly_prog
	if g := spec.Maps["grow"]; g.Type != ebpf.MapType(35) || g.MaxEntries != 500 || g.MapExtra != 40 ||
		g.Flags != FlagNoPrealloc|FlagRdonlyProg {
		t.Fatalf("grow %+v, expected type 35, max_entries 500, map_extra 40, flags 0x81", g)
	}
	if am := r.Find("grow"); am == nil || am.Status != Applied || am.Type != ebpf.MapType(35) ||
		am.CompiledMaxEntries != 10 || am.MaxEntries != 500 || am.Flags != 0x81 {
		t.Fatalf("result %+v", am)
	}
	// an rhash without NO_PREALLOC in the plan (edited by hand) still gets it
	doc := strings.Replace(rhashPlan, `"map_flags": 1`, `"map_flags": 0`, 1)
	spec = growSpec(ebpf.Hash, 0)
	if _, err := apply(t, doc, spec, nil); err != nil || spec.Maps["grow"].Flags != FlagNoPrealloc {
		t.Fatalf("err %v, flags 0x%x, expected 0x1", err, spec.Maps["grow"].Flags)
	}
	// an object already declaring type 35 is taken as it is
	spec = growSpec(ebpf.MapType(35), FlagNoPrealloc)
	if _, err := apply(t, rhashPlan, spec, nil); err != nil || spec.Maps["grow"].Type != ebpf.MapType(35) ||
		spec.Maps["grow"].MapExtra != 40 {
		t.Fatalf("err %v, spec %+v", err, spec.Maps["grow"])
	}
}

func TestApplyRhashRefused(t *testing.T) {
	// only a plain hash converts: a percpu hash is a stale rule
	_, err := apply(t, rhashPlan, growSpec(ebpf.PerCPUHash, 0), nil)
	expectError(t, err, "map 'grow': the object's map is a percpu_hash (bpf map type 5) but the rule says rhash; "+
		"expected the rules to match the object")
	// a flag the hash took and the rhash does not
	_, err = apply(t, rhashPlan, growSpec(ebpf.Hash, FlagZeroSeed), nil)
	expectError(t, err, "map 'grow': the object's map has flags 0x40 and the rule 0x1: flag 'zero_seed' is not accepted "+
		"by a rhash map (the kernel says EINVAL), expected it only on hash, percpu_hash, lru_hash, lru_percpu_hash, "+
		"hash_of_maps or bloom_filter maps")
}

func TestApplyRhashFallback(t *testing.T) {
	// before 7.2: a no-prealloc hash of the cap, the object's map_extra kept
	spec := growSpec(ebpf.Hash, 0)
	if _, err := apply(t, rhashFallback, spec, nil); err != nil {
		t.Fatal(err)
	}
	if g := spec.Maps["grow"]; g.Type != ebpf.Hash || g.MaxEntries != 500 || g.Flags != FlagNoPrealloc || g.MapExtra != 3 {
		t.Fatalf("grow %+v, expected a hash of 500, flags 0x1, map_extra 3", g)
	}
}
