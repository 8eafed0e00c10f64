// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// InnerSizing is the plan's "instance" object of an OUTER.inner rule: how
// the instances of that inner map are sized (struct mapsize_inner_sizing).
type InnerSizing struct {
	// Sized is "per_instance" (clamp(round(Headroom x live), Min, Max)) or
	// "template" (every instance at the template's max_entries).
	Sized           string `json:"sized"`
	HasInstanceRule bool   `json:"has_instance_rule"`
	// KernelAllows: the plan's target kernel takes instances whose
	// max_entries differ from the template's (5.10+, arrays only with
	// BPF_F_INNER_MAP); Why names the kernel rule.
	KernelAllows       bool        `json:"kernel_allows"`
	Why                string      `json:"why"`
	Headroom           json.Number `json:"headroom"`
	Min                uint32      `json:"min"`
	Max                uint32      `json:"max"`
	TemplateMaxEntries uint32      `json:"template_max_entries"`
}

// PerInstance says whether instances are sized for their own live entries.
func (s *InnerSizing) PerInstance() bool { return s != nil && s.HasInstanceRule && s.KernelAllows }

// headroomMilli is Headroom x 1000 (the C library keeps thousandths);
// mapsize writes at most 3 fraction digits.
func (s *InnerSizing) headroomMilli() uint64 {
	f, err := s.Headroom.Float64()
	if err != nil || f < 1 {
		return 2000 // the rules' default
	}
	return uint64(math.Round(f * 1000))
}

// entries is clamp(round(headroom x live), Min, Max), round half up, with
// the product saturating (plan_instance_entries in src/core).
func (s *InnerSizing) entries(live uint64) uint32 {
	hi, lo := bits.Mul64(live, s.headroomMilli())
	v := uint64(math.MaxUint64)
	if hi == 0 && lo <= math.MaxUint64-500 {
		v = (lo + 500) / 1000
	}
	v = max(v, uint64(s.Min))
	v = min(v, uint64(s.Max))
	return uint32(v)
}

// InnerSize is the size an instance was (or would be) created with.
type InnerSize struct {
	MaxEntries  uint32
	PerInstance bool // sized for its live entries, else at the template's size
}

// errno wraps a kernel errno into a message, so errors.Is(err, unix.E2BIG)
// (or syscall.E2BIG) holds.
func errnoErr(errno unix.Errno, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errno)...)
}

func (p *Plan) innerRule(outer string) (*PlanMap, error) {
	pm := p.Find(InnerName(outer))
	if pm == nil || pm.InnerOf == "" {
		return nil, errnoErr(unix.ENOENT, "no inner map rule '%s' in the plan", InnerName(outer))
	}
	return pm, nil
}

// InnerEntries is the max_entries of an instance of outer's inner map
// holding live entries: per instance where the rule has `instance:` and the
// plan's kernel allows it, else the template's (mapsize_plan__inner_entries).
func (p *Plan) InnerEntries(outer string, live int) (InnerSize, error) {
	pm, err := p.innerRule(outer)
	if err != nil {
		return InnerSize{}, err
	}
	if live < 0 {
		return InnerSize{}, errnoErr(unix.EINVAL, "live %d, expected a count of entries", live)
	}
	if !pm.Instance.PerInstance() {
		return InnerSize{MaxEntries: pm.MaxEntries}, nil
	}
	return InnerSize{MaxEntries: pm.Instance.entries(uint64(live)), PerInstance: true}, nil
}

// innerTemplate is the spec instances of outer are created from: the
// applied template when Apply saw the object, else one of the rule's shape.
func (p *Plan) innerTemplate(pm *PlanMap, outer string) *ebpf.MapSpec {
	if t := p.templates[outer]; t != nil {
		return t.Copy()
	}
	return &ebpf.MapSpec{Name: outer + "_inner", Type: mapTypes[pm.Type].bpfType, KeySize: pm.KeySize,
		ValueSize: pm.ValueSize, MaxEntries: pm.MaxEntries, Flags: pm.MapFlags, MapExtra: pm.MapExtra}
}

// NewInnerMap creates one more instance of outer's inner map for live
// entries (see NewInnerMapSized); the caller inserts it into a slot and
// closes it.
func (p *Plan) NewInnerMap(outer string, live int) (*ebpf.Map, error) {
	m, _, err := p.NewInnerMapSized(outer, live)
	return m, err
}

// NewInnerMapSized creates an instance sized by the rule's `instance:` for
// live entries where the kernel allows it, else at the template's size, and
// says which (mapsize_plan__create_inner_map_opts).  After Apply the
// instance is a copy of the applied template (flags, BTF, map_extra) with
// that size, so the outer map takes it.
func (p *Plan) NewInnerMapSized(outer string, live int) (*ebpf.Map, InnerSize, error) {
	pm, err := p.innerRule(outer)
	if err != nil {
		return nil, InnerSize{}, err
	}
	size, err := p.InnerEntries(outer, live)
	if err != nil {
		return nil, InnerSize{}, err
	}
	spec := p.innerTemplate(pm, outer)
	spec.MaxEntries = size.MaxEntries
	m, err := ebpf.NewMap(spec)
	if err != nil {
		return nil, size, fmt.Errorf("map '%s': cannot create a %d-entry instance: %w", pm.Name, size.MaxEntries, err)
	}
	return m, size, nil
}

// Action is what an agent does with an instance after its inserts and
// deletes (enum mapsize_inner_action).
type Action int

const (
	// ActionKeep: the instance's size fits its live entries.
	ActionKeep Action = iota
	// ActionGrow: live reached the grow threshold (90 %): a bigger copy.
	ActionGrow
	// ActionShrink: live fell below the shrink threshold (12.5 %): a smaller copy.
	ActionShrink
)

// String is the C library's name of the action: keep, grow, shrink.
func (a Action) String() string {
	switch a {
	case ActionKeep:
		return "keep"
	case ActionGrow:
		return "grow"
	case ActionShrink:
		return "shrink"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// The C library's default thresholds (mapsize_inner__check): grow at
// live >= 900/1000 of max_entries, shrink below 125/1000.
const (
	growPermille   = 900
	shrinkPermille = 125
)

// InnerCheck says whether an instance of outer's inner map of size
// maxEntries holding live entries should grow, shrink or stay, with the C
// library's thresholds (mapsize_inner__check): ActionKeep as well when
// per-instance sizing does not apply, when there is no such rule, or when
// the headroom size would not change the size (clamped by min or max).
// Grow(plan, outer, key, live, opts) then makes the new instance.
func (p *Plan) InnerCheck(outer string, live, maxEntries int) Action {
	size, err := p.InnerEntries(outer, live)
	if err != nil || !size.PerInstance || maxEntries <= 0 || live < 0 {
		return ActionKeep
	}
	l, cur, target := uint64(live), uint64(maxEntries), uint64(size.MaxEntries)
	if l > math.MaxUint64/1000 || l*1000 >= growPermille*cur {
		if target <= cur {
			return ActionKeep // at max: nothing bigger to make
		}
		return ActionGrow
	}
	if l*1000 < shrinkPermille*cur && target < cur {
		return ActionShrink
	}
	return ActionKeep
}
