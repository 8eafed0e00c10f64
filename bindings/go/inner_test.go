// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// innerPlanJSON: an outer hash-of-maps whose inner hash is sized per
// instance (headroom 3, min 16, max 512: the demo's policy_filter_maps), one
// with headroom 1.5, and one sized at the template only.
const innerPlanJSON = `{"schema_version": 1, "maps": [
 {"name": "pol", "type": "hash_of_maps", "key_size": 4, "value_size": 4, "max_entries": 64, "map_flags": 0},
 {"name": "pol.inner", "type": "hash", "key_size": 4, "value_size": 4, "max_entries": 440, "map_flags": 1,
  "inner_of": "pol", "instance": {"sized": "per_instance", "has_instance_rule": true, "kernel_allows": true,
  "why": "5.10+", "headroom": 3, "min": 16, "max": 512, "template_max_entries": 440}},
 {"name": "half", "type": "hash_of_maps", "key_size": 4, "value_size": 4, "max_entries": 8, "map_flags": 0},
 {"name": "half.inner", "type": "hash", "key_size": 4, "value_size": 4, "max_entries": 100, "map_flags": 1,
  "inner_of": "half", "instance": {"sized": "per_instance", "has_instance_rule": true, "kernel_allows": true,
  "why": "5.10+", "headroom": 1.5, "min": 1, "max": 100, "template_max_entries": 100}},
 {"name": "arr", "type": "array_of_maps", "key_size": 4, "value_size": 4, "max_entries": 8, "map_flags": 0},
 {"name": "arr.inner", "type": "array", "key_size": 4, "value_size": 8, "max_entries": 64, "map_flags": 0,
  "inner_of": "arr", "instance": {"sized": "template", "has_instance_rule": true, "kernel_allows": false,
  "why": "array instances must have the template's max_entries unless it has BPF_F_INNER_MAP", "headroom": 2,
  "min": 1, "max": 64, "template_max_entries": 64}}]}`

func TestInnerEntries(t *testing.T) {
	p := mustParse(t, innerPlanJSON)
	for _, c := range []struct {
		outer string
		live  int
		want  uint32
		per   bool
	}{
		{"pol", 0, 16, true}, {"pol", 5, 16, true}, {"pol", 6, 18, true}, {"pol", 10, 30, true},
		{"pol", 100, 300, true}, {"pol", 170, 510, true}, {"pol", 171, 512, true}, {"pol", 1000, 512, true},
		{"pol", 1 << 62, 512, true}, // 3 x live overflows 64 bits: saturates, clamped
		{"half", 3, 5, true},        // 4.5 rounds half up
		{"half", 1, 2, true}, {"half", 2, 3, true},
		{"arr", 5, 64, false}, // the kernel rule: template size
	} {
		got, err := p.InnerEntries(c.outer, c.live)
		if err != nil || got.MaxEntries != c.want || got.PerInstance != c.per {
			t.Errorf("InnerEntries(%s, %d) = %+v %v, expected %d per-instance %v", c.outer, c.live, got, err, c.want, c.per)
		}
	}
	if _, err := p.InnerEntries("nope", 1); !errors.Is(err, unix.ENOENT) {
		t.Errorf("no rule: %v, expected ENOENT", err)
	}
}

// The thresholds of mapsize_inner__check: grow at live*1000 >= 900*max,
// shrink at live*1000 < 125*max, keep when the size would not change.
func TestInnerCheck(t *testing.T) {
	p := mustParse(t, innerPlanJSON)
	for _, c := range []struct {
		outer     string
		live, max int
		want      Action
	}{
		{"pol", 27, 30, ActionGrow},    // 27000 >= 27000
		{"pol", 26, 30, ActionKeep},    // just below
		{"pol", 3, 300, ActionShrink},  // 3000 < 37500, target 16
		{"pol", 38, 300, ActionKeep},   // 38000 >= 37500
		{"pol", 37, 300, ActionShrink}, // 37000 < 37500, target 111
		{"pol", 500, 512, ActionKeep},  // grow threshold, but 512 is the max
		{"pol", 2, 16, ActionKeep},     // below shrink, but 16 is the min
		{"arr", 64, 64, ActionKeep},    // template sizing: always keep
		{"nope", 64, 64, ActionKeep},
	} {
		if got := p.InnerCheck(c.outer, c.live, c.max); got != c.want {
			t.Errorf("InnerCheck(%s, %d, %d) = %v, expected %v", c.outer, c.live, c.max, got, c.want)
		}
	}
	if ActionGrow.String() != "grow" || ActionShrink.String() != "shrink" || ActionKeep.String() != "keep" {
		t.Error("Action names")
	}
}

func TestKernelName(t *testing.T) {
	if got := kernelName("policy_filter_maps"); got != "policy_filter_m" {
		t.Errorf("%q", got)
	}
	if got := kernelName("a-b"); got != "a_b" {
		t.Errorf("%q", got)
	}
	p := mustParse(t, innerPlanJSON)
	if o, err := findOuter(p, "pol"); o != "pol" || err != nil {
		t.Errorf("findOuter %q %v", o, err)
	}
	if _, err := findOuter(p, "zzz"); !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "GrowOptions.Outer") {
		t.Errorf("findOuter zzz: %v", err)
	}
}
