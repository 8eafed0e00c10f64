// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
)

// MapStatus says what Apply did with one map.
type MapStatus int

const (
	// Applied: the map had a rule; MaxEntries and Flags are the plan's.
	Applied MapStatus = iota
	// Unmanaged: the object's map has no rule and is left as compiled.
	Unmanaged
	// Missing: the rule names no map of the object (stale, or compiled out).
	Missing
)

// String is the status as mapsize-load prints it: applied, unmanaged, missing.
func (s MapStatus) String() string {
	switch s {
	case Applied:
		return "applied"
	case Unmanaged:
		return "unmanaged"
	case Missing:
		return "missing"
	}
	return fmt.Sprintf("MapStatus(%d)", int(s))
}

// AppliedMap is one map of the object or one rule of the plan after Apply.
type AppliedMap struct {
	Name    string // the rule's name (OUTER.inner for an inner template)
	Status  MapStatus
	Planned *PlanMap // nil when Unmanaged
	// The object's map as compiled (zero when Missing); Type as created:
	// rhash (35) when the plan makes the compiled hash one.
	Type                              ebpf.MapType
	KeySize, ValueSize                uint32
	CompiledMaxEntries, CompiledFlags uint32
	// What the map is created with.
	MaxEntries, Flags uint32
}

// Result is what Apply did, map by map, and one warning per unmanaged map
// and per rule without a map.
type Result struct {
	Maps     []AppliedMap
	Warnings []string
}

func (r *Result) names(s MapStatus) []string {
	var out []string
	for _, m := range r.Maps {
		if m.Status == s {
			out = append(out, m.Name)
		}
	}
	return out
}

// Unmanaged lists the object's maps that have no rule.
func (r *Result) Unmanaged() []string { return r.names(Unmanaged) }

// Missing lists the rules that name no map of the object.
func (r *Result) Missing() []string { return r.names(Missing) }

// Find returns the entry named name (a map or a rule), nil when none.
func (r *Result) Find(name string) *AppliedMap {
	for i := range r.Maps {
		if r.Maps[i].Name == name {
			return &r.Maps[i]
		}
	}
	return nil
}

// ApplyOptions tune Apply; a nil *ApplyOptions is the defaults.
type ApplyOptions struct {
	// Strict makes a rule without a map an error (mapsize_apply_opts.strict).
	Strict bool
}

// ErrRuleWithoutMap is wrapped by the error of a strict Apply that found a
// rule naming no map of the object.
var ErrRuleWithoutMap = errors.New("rule without a map")

// InnerName is the rule name of the inner map of outer.
func InnerName(outer string) string { return outer + ".inner" }

// Libbpf's internal maps (.rodata, .data, .bss, .kconfig and their
// suffixed forms) hold globals, not entries: never sized, never reported.
func isInternal(name string) bool { return strings.HasPrefix(name, ".") }

// plannedFlags keeps what the object asks for and sets what the plan
// decides: BPF_F_NO_PREALLOC follows the plan (an rhash always has it: the
// kernel refuses one without).
func plannedFlags(pm *PlanMap, compiled uint32) uint32 {
	flags := compiled&^FlagNoPrealloc | pm.MapFlags
	if pm.Type == "rhash" {
		flags |= FlagNoPrealloc
	}
	return flags
}

func sizeMatches(object, rule uint32, fixed int) bool {
	// a size the type fixes may be 0 in the spec: filled in at creation
	return object == rule || (fixed >= 0 && object == 0)
}

// checkShape catches stale rules: type, key and value size must match.
func checkShape(pm *PlanMap, ms *ebpf.MapSpec, what string) error {
	ti := mapTypes[pm.Type]
	if ms.Type != ti.bpfType {
		name := typeName(ms.Type)
		if name == "" {
			name = "type mapsize does not model"
		}
		return fmt.Errorf("map '%s': %s is a %s (bpf map type %d) but the rule says %s; expected the rules to match the object",
			pm.Name, what, name, uint32(ms.Type), pm.Type)
	}
	if !sizeMatches(ms.KeySize, pm.KeySize, ti.fixedKey) {
		return fmt.Errorf("map '%s': %s has key_size %d but the rule says %d; expected the rules to match the object (stale rules?)",
			pm.Name, what, ms.KeySize, pm.KeySize)
	}
	if !sizeMatches(ms.ValueSize, pm.ValueSize, ti.fixedVal) {
		return fmt.Errorf("map '%s': %s has value_size %d but the rule says %d; expected the rules to match the object (stale rules?)",
			pm.Name, what, ms.ValueSize, pm.ValueSize)
	}
	return nil
}

// checkFlags: the object's flags merged with the rule's can form a pair no
// rule alone shows.
func checkFlags(pm *PlanMap, what string, compiled, merged uint32) error {
	if why := flagsRefused(pm.Type, merged); why != "" {
		return fmt.Errorf("map '%s': %s has flags 0x%x and the rule 0x%x: %s", pm.Name, what, compiled, pm.MapFlags, why)
	}
	return nil
}

func sizeMap(ms *ebpf.MapSpec, pm *PlanMap, am *AppliedMap, what string) error {
	am.MaxEntries = pm.MaxEntries
	am.Flags = plannedFlags(pm, am.CompiledFlags)
	if err := checkFlags(pm, what, am.CompiledFlags, am.Flags); err != nil {
		return err
	}
	// bloom filter hashes (and any other map_extra) from the plan; without
	// one the object's own stays, as bpf_map__set_map_extra is not called.
	// rhash: always (its initial size), so a map_extra compiled into the
	// object is not taken for one.
	if pm.MapExtra != 0 || pm.Type == "rhash" {
		ms.MapExtra = pm.MapExtra
	}
	ms.MaxEntries = am.MaxEntries
	ms.Flags = am.Flags
	return nil
}

// convertToRhash: a hash in the object that the plan makes an rhash
// (`resizable: auto` on a 7.2+ target, or a rule of type rhash on a map
// compiled as a hash) is created as type 35, as mapsize_plan__apply() does;
// the cap, BPF_F_NO_PREALLOC (the kernel requires it) and map_extra (the
// initial size) follow in sizeMap.
func convertToRhash(pm *PlanMap, ms *ebpf.MapSpec) {
	if pm.Type == "rhash" && ms.Type == ebpf.Hash {
		ms.Type = rhashType
	}
}

func compiled(name string, ms *ebpf.MapSpec, s MapStatus) AppliedMap {
	return AppliedMap{
		Name: name, Status: s, Type: ms.Type, KeySize: ms.KeySize, ValueSize: ms.ValueSize,
		CompiledMaxEntries: ms.MaxEntries, CompiledFlags: ms.Flags,
		MaxEntries: ms.MaxEntries, Flags: ms.Flags,
	}
}

// applyInner sizes the inner template of a map-in-map from its OUTER.inner
// rule; cilium/ebpf creates the template from spec.InnerMap, and the kernel
// compares every inserted instance with it (type, sizes, flags).
func applyInner(plan *Plan, outer string, ms *ebpf.MapSpec, r *Result) error {
	pm := plan.Find(InnerName(outer))
	if pm == nil {
		return nil
	}
	if ms.InnerMap == nil {
		// no template in the object: one of the rule's shape
		ti := mapTypes[pm.Type]
		ms.InnerMap = &ebpf.MapSpec{Name: outer + "_inner", Type: ti.bpfType, KeySize: pm.KeySize, ValueSize: pm.ValueSize}
	} else if err := checkShape(pm, ms.InnerMap, "the inner map template"); err != nil {
		return err
	}
	am := compiled(pm.Name, ms.InnerMap, Applied)
	am.Planned = pm
	if err := sizeMap(ms.InnerMap, pm, &am, "the inner map template"); err != nil {
		return err
	}
	if plan.templates == nil {
		plan.templates = map[string]*ebpf.MapSpec{}
	}
	plan.templates[outer] = ms.InnerMap.Copy()
	r.Maps = append(r.Maps, am)
	return nil
}

// A map the object puts into a statically initialised slot of a map-in-map
// (`.values = { [0] = &inner_a }`; cilium/ebpf names it in the outer's
// Contents) must equal the template, or the kernel refuses the slot.
type slot struct {
	outer     string
	inner     *PlanMap
	tmplFlags uint32 // the template as compiled
}

func findSlots(plan *Plan, spec *ebpf.CollectionSpec) map[string][]slot {
	slots := map[string][]slot{}
	for _, outer := range sortedNames(spec) {
		ms := spec.Maps[outer]
		pm := plan.Find(InnerName(outer))
		if pm == nil || ms.InnerMap == nil || (ms.Type != ebpf.ArrayOfMaps && ms.Type != ebpf.HashOfMaps) {
			continue
		}
		for _, kv := range ms.Contents {
			if name, ok := kv.Value.(string); ok && spec.Maps[name] != nil {
				slots[name] = append(slots[name], slot{outer, pm, ms.InnerMap.Flags})
			}
		}
	}
	return slots
}

func slotRefused(s slot, maxEntries, flags uint32) bool {
	tflags := plannedFlags(s.inner, s.tmplFlags)
	if flags != tflags {
		return true
	}
	return s.inner.Type == "array" && tflags&FlagInnerMap == 0 && maxEntries != s.inner.MaxEntries
}

// applySlots: without a rule the map takes the inner rule's size; with one,
// that rule must agree with every template it may fill.
func applySlots(slots []slot, ms *ebpf.MapSpec, am *AppliedMap) error {
	for _, s := range slots {
		t := s.inner
		if am.Status != Applied {
			am.Status = Applied
			am.Planned = t
			if err := sizeMap(ms, t, am, "a map filling a static slot"); err != nil {
				return err
			}
			continue
		}
		if !slotRefused(s, am.MaxEntries, am.Flags) {
			continue
		}
		if am.Planned == t || am.Planned.InnerOf != "" {
			return fmt.Errorf("map '%s' may fill statically initialised slots of '%s' and of another map-in-map whose inner rules differ "+
				"('%s' gives max_entries %d flags 0x%x, '%s' %d 0x%x): the kernel would refuse one slot at load (EINVAL); "+
				"expected the inner rules to agree", am.Name, s.outer, am.Planned.Name, am.MaxEntries, am.Flags, t.Name,
				t.MaxEntries, plannedFlags(t, s.tmplFlags))
		}
		return fmt.Errorf("map '%s' may fill a statically initialised slot of '%s' (.values = { ... }), but its rule gives "+
			"max_entries %d flags 0x%x and the template '%s' max_entries %d flags 0x%x: the kernel would refuse the slot at load "+
			"(EINVAL); expected the rule of '%s' to match '%s', or no rule for it (it is then sized as the template)",
			am.Name, s.outer, am.MaxEntries, am.Flags, t.Name, t.MaxEntries, plannedFlags(t, s.tmplFlags), am.Name, t.Name)
	}
	return nil
}

func sortedNames(spec *ebpf.CollectionSpec) []string {
	names := make([]string, 0, len(spec.Maps))
	for n := range spec.Maps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply sizes the maps of spec from the plan; call it between
// ebpf.LoadCollectionSpec and ebpf.NewCollection. Maps are visited in name
// order. On error spec may be partly changed: load it again.
func (p *Plan) Apply(spec *ebpf.CollectionSpec, opts *ApplyOptions) (*Result, error) {
	if opts == nil {
		opts = &ApplyOptions{}
	}
	r := &Result{}
	slots := findSlots(p, spec) // before anything changes: the compiled templates
	for _, name := range sortedNames(spec) {
		if isInternal(name) {
			continue
		}
		ms := spec.Maps[name]
		pm := p.Find(name)
		if pm == nil || pm.InnerOf != "" {
			am := compiled(name, ms, Unmanaged)
			if err := applySlots(slots[name], ms, &am); err != nil {
				return nil, err
			}
			if am.Status == Unmanaged {
				r.Warnings = append(r.Warnings, fmt.Sprintf("map '%s': no rule, left as compiled (max_entries %d)", name, am.MaxEntries))
			}
			r.Maps = append(r.Maps, am)
			continue
		}
		convertToRhash(pm, ms)
		if err := checkShape(pm, ms, "the object's map"); err != nil {
			return nil, err
		}
		am := compiled(name, ms, Applied)
		am.Planned = pm
		if err := sizeMap(ms, pm, &am, "the object's map"); err != nil {
			return nil, err
		}
		if err := applySlots(slots[name], ms, &am); err != nil {
			return nil, err
		}
		r.Maps = append(r.Maps, am)
		if mapTypes[pm.Type].mapInMap {
			if err := applyInner(p, name, ms, r); err != nil {
				return nil, err
			}
		}
	}
	// Rules without a map: stale, or a feature compiled out.
	for i := range p.Maps {
		pm := &p.Maps[i]
		found := false
		for _, am := range r.Maps {
			found = found || am.Planned == pm
		}
		if found {
			continue
		}
		if opts.Strict {
			return nil, fmt.Errorf("map '%s' has a rule but is not in the object (strict mode); expected the object to define it: %w",
				pm.Name, ErrRuleWithoutMap)
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("map '%s': rule without a map in the object", pm.Name))
		r.Maps = append(r.Maps, AppliedMap{Name: pm.Name, Status: Missing, Planned: pm})
	}
	return r, nil
}

// InnerMapSpec is a copy of the (applied) inner template of outer, for
// creating instances the kernel accepts into it: ebpf.NewMap(spec).
func InnerMapSpec(spec *ebpf.CollectionSpec, outer string) (*ebpf.MapSpec, error) {
	ms := spec.Maps[outer]
	if ms == nil {
		return nil, fmt.Errorf("no map '%s' in the object; expected a map-in-map", outer)
	}
	if ms.InnerMap == nil {
		return nil, fmt.Errorf("map '%s' has no inner map template; expected a map-in-map", outer)
	}
	return ms.InnerMap.Copy(), nil
}
