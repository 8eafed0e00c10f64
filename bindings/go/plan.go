// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// Package mapsize applies a mapsize plan (the JSON that `mapsize plan RULES
// --format json -o plan.json` writes) to a cilium/ebpf CollectionSpec between
// LoadCollectionSpec and NewCollection, as mapsize_plan__apply() does for a
// libbpf bpf_object: max_entries and flags of every map with a rule, the
// inner map template of a map-in-map from its OUTER.inner rule, a type/key/
// value size check against the object, and a report of the maps without a
// rule and the rules without a map.
//
// For inner maps created at run time (one per policy), Plan.NewInnerMap
// sizes each instance for its own live entries, Plan.InnerCheck says when
// one should grow or shrink, and Grow replaces it in its outer slot by a
// resized copy (mapsize_plan__create_inner_map_opts, mapsize_inner__check
// and mapsize_inner__grow of the C library).
package mapsize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
)

// SchemaMajor is the major schema_version of the plan JSON this package reads.
// Fields are only added within a major version; anything else is a new major.
const SchemaMajor = 1

// Plan is the decoded plan JSON. Sizes are uint64: byte counts and
// dimensions can exceed int64 (mapsize writes them as exact integers).
type Plan struct {
	SchemaVersion uint64            `json:"-"`
	Kernel        string            `json:"kernel"`
	App           string            `json:"app"`
	Profile       string            `json:"profile"`
	BaseProfile   string            `json:"base_profile"`
	Dimensions    map[string]uint64 `json:"dimensions"`
	Maps          []PlanMap         `json:"maps"`
	// Totals of every map (memlock as charged at load, at the expected
	// entries, and with every map full).
	TotalMemlockBytes         uint64   `json:"total_memlock_bytes"`
	TotalMemlockExpectedBytes uint64   `json:"total_memlock_expected_bytes"`
	TotalMemlockFullBytes     uint64   `json:"total_memlock_full_bytes"`
	TotalRealExpectedBytes    uint64   `json:"total_real_expected_bytes"`
	Warnings                  []string `json:"warnings"`
	Digest                    string   `json:"digest"`

	// the applied inner templates by outer map name (Apply), for NewInnerMap
	templates map[string]*ebpf.MapSpec
}

// PlanMap is one map of the plan. An inner map rule is named OUTER.inner and
// has InnerOf set to OUTER.
type PlanMap struct {
	Name            string   `json:"name"`
	Type            string   `json:"type"`
	KeySize         uint32   `json:"key_size"`
	ValueSize       uint32   `json:"value_size"`
	MaxEntries      uint32   `json:"max_entries"`
	MapFlags        uint32   `json:"map_flags"`
	Prealloc        bool     `json:"prealloc"`
	ExpectedEntries uint64   `json:"expected_entries"`
	MapExtra        uint64   `json:"map_extra"`
	UsedBy          []string `json:"used_by"`
	InnerOf         string   `json:"inner_of"`
	// 0 when the rule has no baseline (JSON null).
	BaselineMaxEntries   uint32 `json:"baseline_max_entries"`
	MemlockBytes         uint64 `json:"memlock_bytes"`
	MemlockExpectedBytes uint64 `json:"memlock_expected_bytes"`
	MemlockFullBytes     uint64 `json:"memlock_full_bytes"`
	RealExpectedBytes    uint64 `json:"real_expected_bytes"`
	InstancesExpected    uint64 `json:"instances_expected"`
	InstancesFull        uint64 `json:"instances_full"`
	// Instance: how the instances of an inner map rule are sized (nil on
	// other rules).
	Instance *InnerSizing `json:"instance"`
	// InitialEntries: an rhash's initial size (its map_extra); 0 on other
	// maps (JSON null).
	InitialEntries uint64 `json:"initial_entries"`
	// Resizable: for a hash rule with `resizable: auto`, what the plan made
	// it ("rhash" or "hash") and why; "" otherwise.
	Resizable       string `json:"resizable"`
	ResizableReason string `json:"resizable_reason"`
}

// Fields a map entry must have: without them a plan cannot be applied.
var requiredMapKeys = []string{"name", "type", "key_size", "value_size", "max_entries", "map_flags"}

// ParsePlan decodes a plan JSON document.
func ParsePlan(data []byte) (*Plan, error) {
	var head struct {
		SchemaVersion *json.Number       `json:"schema_version"`
		Maps          *[]json.RawMessage `json:"maps"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&head); err != nil {
		return nil, fmt.Errorf("not a mapsize plan: %v; expected the output of `mapsize plan RULES --format json`", err)
	}
	// The version first: a newer major may have changed any other field.
	if head.SchemaVersion == nil {
		return nil, fmt.Errorf("no schema_version; expected the output of `mapsize plan RULES --format json`")
	}
	version, err := schemaMajor(head.SchemaVersion.String())
	if err != nil {
		return nil, err
	}
	if version != SchemaMajor {
		return nil, fmt.Errorf("schema_version %s is not supported: this package reads major version %d; "+
			"expected a plan written by a mapsize with the same major schema version", head.SchemaVersion, SchemaMajor)
	}
	if head.Maps == nil {
		return nil, fmt.Errorf("no \"maps\" array; expected the output of `mapsize plan RULES --format json`")
	}
	for i, raw := range *head.Maps {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return nil, fmt.Errorf("maps[%d]: %v; expected an object", i, err)
		}
		for _, k := range requiredMapKeys {
			if v, ok := keys[k]; !ok || string(v) == "null" {
				return nil, fmt.Errorf("maps[%d]: no %q; expected every map to have %s", i, k,
					strings.Join(requiredMapKeys, ", "))
			}
		}
	}
	p := &Plan{SchemaVersion: version}
	if err := json.Unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("%v; expected the output of `mapsize plan RULES --format json`", describeJSONError(err))
	}
	seen := make(map[string]bool, len(p.Maps))
	for i := range p.Maps {
		m := &p.Maps[i]
		if _, ok := mapTypes[m.Type]; !ok {
			return nil, fmt.Errorf("maps[%d] (%q): unknown map type %q; expected one of %s", i, m.Name, m.Type,
				strings.Join(mapTypeNames(), ", "))
		}
		if seen[m.Name] {
			return nil, fmt.Errorf("maps[%d]: map %q twice; expected one entry per map", i, m.Name)
		}
		seen[m.Name] = true
	}
	return p, nil
}

// schemaMajor is the integer part of schema_version ("1", or "1.2" should a
// minor ever be added).
func schemaMajor(v string) (uint64, error) {
	major := v
	if i := strings.IndexByte(v, '.'); i >= 0 {
		major = v[:i]
	}
	n, err := strconv.ParseUint(major, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schema_version %s is not a version number; expected an integer such as %d", v, SchemaMajor)
	}
	return n, nil
}

func describeJSONError(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("%q: value %s does not fit a %s", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

// ReadPlan decodes a plan from r.
func ReadPlan(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParsePlan(data)
}

// ReadPlanFile decodes the plan in path; errors read "PATH: error: ...".
func ReadPlanFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParsePlan(data)
	if err != nil {
		return nil, fmt.Errorf("%s: error: %w", path, err)
	}
	return p, nil
}

// Find returns the map named name, nil when the plan has none.
func (p *Plan) Find(name string) *PlanMap {
	for i := range p.Maps {
		if p.Maps[i].Name == name {
			return &p.Maps[i]
		}
	}
	return nil
}
