// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"strings"
	"testing"
)

// A plan in the shape `mapsize plan --format json` writes (schema 1), cut
// to two maps and an inner rule.
const planJSON = `{
  "schema_version": 1,
  "kernel": "6.18",
  "app": "demo-agent",
  "profile": "medium",
  "base_profile": "medium",
  "dimensions": {"cpus": 8, "memory": 17179869184},
  "maps": [
    {"name": "execve_map", "type": "hash", "key_size": 4, "value_size": 896, "max_entries": 32768,
     "map_flags": 1, "prealloc": false, "expected_entries": 4096, "map_extra": 0, "used_by": ["tracepoint"],
     "prealloc_toggle": true, "prealloc_reason": "auto", "inner_of": null, "baseline_max_entries": 32768,
     "memlock_bytes": 525440, "memlock_expected_bytes": 4457600, "memlock_full_bytes": 31982720,
     "real_expected_bytes": 4719744},
    {"name": "policy_filter_maps", "type": "hash_of_maps", "key_size": 4, "value_size": 4, "max_entries": 128,
     "map_flags": 0, "inner_of": null, "baseline_max_entries": null},
    {"name": "policy_filter_maps.inner", "type": "hash", "key_size": 8, "value_size": 1, "max_entries": 440,
     "map_flags": 1, "inner_of": "policy_filter_maps", "instances_expected": 110, "instances_full": 128}
  ],
  "total_memlock_bytes": 11158104,
  "total_memlock_expected_bytes": 16681560,
  "total_memlock_full_bytes": 50344536,
  "total_real_expected_bytes": 17441720,
  "warnings": ["a warning"],
  "digest": "e6c1c7c77f6ef562"
}`

func mustParse(t *testing.T, doc string) *Plan {
	t.Helper()
	p, err := ParsePlan([]byte(doc))
	if err != nil {
		t.Fatalf("ParsePlan: %v", err)
	}
	return p
}

func expectError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, expected %q", want)
	}
	if err.Error() != want {
		t.Fatalf("error\n  got  %q\n  want %q", err.Error(), want)
	}
}

func TestParsePlan(t *testing.T) {
	p := mustParse(t, planJSON)
	if p.SchemaVersion != 1 || p.App != "demo-agent" || p.Profile != "medium" || p.Kernel != "6.18" ||
		p.Digest != "e6c1c7c77f6ef562" || len(p.Maps) != 3 || len(p.Warnings) != 1 || p.Warnings[0] != "a warning" {
		t.Fatalf("header: %+v", p)
	}
	if p.Dimensions["memory"] != 17179869184 || p.Dimensions["cpus"] != 8 {
		t.Fatalf("dimensions: %v", p.Dimensions)
	}
	if p.TotalMemlockFullBytes != 50344536 || p.TotalMemlockBytes != 11158104 {
		t.Fatalf("totals: %d %d", p.TotalMemlockFullBytes, p.TotalMemlockBytes)
	}
	m := p.Find("execve_map")
	if m == nil || m.Type != "hash" || m.KeySize != 4 || m.ValueSize != 896 || m.MaxEntries != 32768 ||
		m.MapFlags != 1 || m.Prealloc || m.ExpectedEntries != 4096 || m.InnerOf != "" ||
		m.BaselineMaxEntries != 32768 || m.MemlockFullBytes != 31982720 || len(m.UsedBy) != 1 {
		t.Fatalf("execve_map: %+v", m)
	}
	in := p.Find("policy_filter_maps.inner")
	if in == nil || in.InnerOf != "policy_filter_maps" || in.MaxEntries != 440 || in.InstancesFull != 128 {
		t.Fatalf("inner: %+v", in)
	}
	if p.Find("policy_filter_maps").BaselineMaxEntries != 0 || p.Find("nope") != nil {
		t.Fatal("null baseline or Find of an unknown name")
	}
}

func TestSchemaVersionNewerMajor(t *testing.T) {
	_, err := ParsePlan([]byte(strings.Replace(planJSON, `"schema_version": 1`, `"schema_version": 2`, 1)))
	expectError(t, err, "schema_version 2 is not supported: this package reads major version 1; "+
		"expected a plan written by a mapsize with the same major schema version")
}

func TestSchemaVersionMinorAccepted(t *testing.T) {
	p := mustParse(t, strings.Replace(planJSON, `"schema_version": 1`, `"schema_version": 1.3`, 1))
	if p.SchemaVersion != 1 {
		t.Fatalf("SchemaVersion %d", p.SchemaVersion)
	}
}

func TestSchemaVersionMissing(t *testing.T) {
	_, err := ParsePlan([]byte(`{"maps": []}`))
	expectError(t, err, "no schema_version; expected the output of `mapsize plan RULES --format json`")
}

func TestSchemaVersionNotANumber(t *testing.T) {
	_, err := ParsePlan([]byte(`{"schema_version": "one", "maps": []}`))
	if err == nil || !strings.HasPrefix(err.Error(), "not a mapsize plan: ") {
		t.Fatalf("error %v", err)
	}
}

func TestNotJSON(t *testing.T) {
	_, err := ParsePlan([]byte(`maps: [execve_map]`))
	expectError(t, err, "not a mapsize plan: invalid character 'm' looking for beginning of value; "+
		"expected the output of `mapsize plan RULES --format json`")
}

// Byte counts and dimensions are u64: above 2^63 they must stay exact
// (a float64 or int64 decode would round or overflow).
func TestU64AboveInt64(t *testing.T) {
	doc := strings.Replace(planJSON, `"memory": 17179869184`, `"memory": 18446744073709551615`, 1)
	doc = strings.Replace(doc, `"total_memlock_full_bytes": 50344536`, `"total_memlock_full_bytes": 9223372036854775809`, 1)
	doc = strings.Replace(doc, `"memlock_full_bytes": 31982720`, `"memlock_full_bytes": 18446744073709551614`, 1)
	p := mustParse(t, doc)
	if p.Dimensions["memory"] != 18446744073709551615 {
		t.Fatalf("memory %d", p.Dimensions["memory"])
	}
	if p.TotalMemlockFullBytes != 9223372036854775809 {
		t.Fatalf("total_memlock_full_bytes %d", p.TotalMemlockFullBytes)
	}
	if got := p.Find("execve_map").MemlockFullBytes; got != 18446744073709551614 {
		t.Fatalf("memlock_full_bytes %d", got)
	}
}

func TestU64Overflow(t *testing.T) {
	doc := strings.Replace(planJSON, `"memory": 17179869184`, `"memory": 18446744073709551616`, 1)
	_, err := ParsePlan([]byte(doc))
	expectError(t, err, `"dimensions.memory": value number 18446744073709551616 does not fit a uint64; `+
		"expected the output of `mapsize plan RULES --format json`")
}

func TestMaxEntriesAboveU32(t *testing.T) {
	doc := strings.Replace(planJSON, `"max_entries": 440`, `"max_entries": 4294967296`, 1)
	_, err := ParsePlan([]byte(doc))
	expectError(t, err, `"maps.2.max_entries": value number 4294967296 does not fit a uint32; `+
		"expected the output of `mapsize plan RULES --format json`")
}

func TestMissingMaxEntries(t *testing.T) {
	doc := strings.Replace(planJSON, `"max_entries": 128,`, ``, 1)
	_, err := ParsePlan([]byte(doc))
	expectError(t, err, `maps[1]: no "max_entries"; expected every map to have name, type, key_size, value_size, max_entries, map_flags`)
}

func TestNoMaps(t *testing.T) {
	_, err := ParsePlan([]byte(`{"schema_version": 1}`))
	expectError(t, err, "no \"maps\" array; expected the output of `mapsize plan RULES --format json`")
}

func TestUnknownMapType(t *testing.T) {
	doc := strings.Replace(planJSON, `"type": "hash_of_maps"`, `"type": "hash_of_hashes"`, 1)
	_, err := ParsePlan([]byte(doc))
	want := `maps[1] ("policy_filter_maps"): unknown map type "hash_of_hashes"; expected one of ` +
		"array, array_of_maps, bloom_filter, cgrp_storage, hash, hash_of_maps, inode_storage, lpm_trie, lru_hash, " +
		"lru_percpu_hash, percpu_array, percpu_hash, perf_event_array, prog_array, queue, rhash, ringbuf, sk_storage, stack, " +
		"stack_trace, task_storage, user_ringbuf"
	expectError(t, err, want)
}

func TestDuplicateMap(t *testing.T) {
	doc := strings.Replace(planJSON, `"name": "policy_filter_maps",`, `"name": "execve_map",`, 1)
	_, err := ParsePlan([]byte(doc))
	expectError(t, err, `maps[1]: map "execve_map" twice; expected one entry per map`)
}

func TestReadPlanFileError(t *testing.T) {
	path := t.TempDir() + "/plan.json"
	if err := writeFile(path, `{"schema_version": 7, "maps": []}`); err != nil {
		t.Fatal(err)
	}
	_, err := ReadPlanFile(path)
	expectError(t, err, path+": error: schema_version 7 is not supported: this package reads major version 1; "+
		"expected a plan written by a mapsize with the same major schema version")
}

// The flag table is the C one: spot checks of each message form.
func TestFlagsRefused(t *testing.T) {
	cases := []struct {
		typ   string
		flags uint32
		want  string
	}{
		{"hash", FlagNoPrealloc | FlagRdonlyProg, ""},
		{"hash", FlagInnerMap, "flag 'inner_map' is not accepted by a hash map (the kernel says EINVAL), expected it only on array maps"},
		{"ringbuf", FlagRdonly, "flag 'rdonly' is not accepted by a ringbuf map (the kernel says EINVAL), " +
			"expected it on any map type but ringbuf, task_storage, inode_storage, sk_storage, cgrp_storage or user_ringbuf"},
		{"user_ringbuf", FlagWronly, "flag 'wronly' is not accepted by a user_ringbuf map (the kernel says EINVAL), " +
			"expected it on any map type but ringbuf, task_storage, inode_storage, sk_storage, cgrp_storage or user_ringbuf"},
		{"user_ringbuf", FlagNumaNode, ""},
		{"user_ringbuf", FlagRdonlyProg, "flag 'rdonly_prog' is not accepted by a user_ringbuf map (the kernel says EINVAL), " +
			"expected it on any map type but prog_array, perf_event_array, ringbuf, array_of_maps, stack_trace, " +
			"task_storage, inode_storage, sk_storage, cgrp_storage or user_ringbuf"},
		{"lru_hash", FlagNoCommonLRU | FlagNumaNode, "flags 'numa_node' and 'no_common_lru' together are refused by the kernel " +
			"(EINVAL: per-CPU LRU lists have no NUMA node), expected at most one of them"},
		{"hash", FlagRdonlyProg | FlagWronlyProg, "flags 'rdonly_prog' and 'wronly_prog' together are refused by the kernel " +
			"(EINVAL: bpf_map_flags_access_ok()), expected at most one of them"},
	}
	for _, c := range cases {
		if got := flagsRefused(c.typ, c.flags); got != c.want {
			t.Errorf("%s 0x%x:\n  got  %q\n  want %q", c.typ, c.flags, got, c.want)
		}
	}
}
