// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// policy-filter is the seed's case with mapsize: a policy filter keeps one
// inner map of cgroup ids per policy in an outer hash-of-maps. Each policy's
// map is created for the cgroups it selects (not one size for all), and
// when cgroups are added past its size it is grown through its slot while
// BPF programs keep reading it:
//
//	mapsize plan examples/agent.rules.yaml --format json -o plan.json
//	policy-filter -plan plan.json build/demo/agent.bpf.o
//
// It creates the object's map-in-map (-outer, default policy_filter_maps)
// with the plan applied, one instance per policy, adds cgroups to the first
// policy until InnerCheck says grow, grows it, then removes them and
// shrinks it, printing every step. Root (it creates maps). Exit status: 0
// done, 1 the kernel refused, 2 bad plan or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/cilium/ebpf"

	mapsize "mapsize/bindings/go"
)

func main() {
	planPath := flag.String("plan", "", "plan JSON (`mapsize plan RULES --format json -o FILE`)")
	outerName := flag.String("outer", "policy_filter_maps", "the object's map-in-map of policies")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s -plan PLAN.json [-outer MAP] OBJECT.bpf.o\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *planPath == "" || flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*planPath, flag.Arg(0), *outerName); err != nil {
		fmt.Fprintf(os.Stderr, "policy-filter: %v\n", err)
		var bad badInput
		if errors.As(err, &bad) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type badInput struct{ error }

func (b badInput) Unwrap() error { return b.error }

// policy is one policy's slot and the cgroups it selects.
type policy struct {
	id      uint32
	cgroups int
}

func run(planPath, objPath, outerName string) error {
	plan, err := mapsize.ReadPlanFile(planPath)
	if err != nil {
		return badInput{err}
	}
	spec, err := ebpf.LoadCollectionSpec(objPath)
	if err != nil {
		return badInput{err}
	}
	if _, err := plan.Apply(spec, nil); err != nil {
		return badInput{fmt.Errorf("%s: error: %w", planPath, err)}
	}
	ospec := spec.Maps[outerName]
	if ospec == nil || ospec.InnerMap == nil {
		return badInput{fmt.Errorf("%s: no map-in-map '%s'", objPath, outerName)}
	}
	outer, err := ebpf.NewMap(ospec)
	if err != nil {
		return err
	}
	defer outer.Close()

	// One instance per policy, sized for the cgroups it selects now.
	instances := map[uint32]*ebpf.Map{}
	defer func() {
		for _, m := range instances {
			m.Close()
		}
	}()
	for _, p := range []policy{{1, 5}, {2, 100}, {3, 0}} {
		m, size, err := plan.NewInnerMapSized(outerName, p.cgroups)
		if err != nil {
			return err
		}
		instances[p.id] = m
		if err := addCgroups(m, 0, p.cgroups); err != nil {
			return err
		}
		if err := outer.Put(p.id, m); err != nil {
			return fmt.Errorf("policy %d: the outer map refused its instance: %w", p.id, err)
		}
		how := "template size"
		if size.PerInstance {
			how = "sized for its cgroups"
		}
		fmt.Printf("policy %d: %d cgroups, max_entries %d (%s)\n", p.id, p.cgroups, size.MaxEntries, how)
	}

	// Cgroups join policy 1 until its instance should grow.
	live, cur := 5, instances[1].MaxEntries()
	for plan.InnerCheck(outerName, live, int(cur)) != mapsize.ActionGrow {
		if err := addCgroups(instances[1], live, live+1); err != nil {
			return err
		}
		live++
	}
	fmt.Printf("policy 1: %d cgroups in %d entries: %s\n", live, cur, plan.InnerCheck(outerName, live, int(cur)))
	if err := regrow(plan, outer, instances, 1, live, outerName); err != nil {
		return err
	}
	// ... and leave it again: shrink.
	for k := 5; k < live; k++ {
		if err := instances[1].Delete(uint64(k + 1)); err != nil {
			return err
		}
	}
	live, cur = 5, instances[1].MaxEntries()
	fmt.Printf("policy 1: %d cgroups in %d entries: %s\n", live, cur, plan.InnerCheck(outerName, live, int(cur)))
	return regrow(plan, outer, instances, 1, live, outerName)
}

// regrow replaces policy id's instance by one sized for live cgroups.
func regrow(plan *mapsize.Plan, outer *ebpf.Map, instances map[uint32]*ebpf.Map, id uint32, live int, outerName string) error {
	// user space is the only writer of a policy's cgroups
	opts := &mapsize.GrowOptions{Outer: outerName, Writers: mapsize.WritersUser}
	m, err := mapsize.Grow(plan, outer, id, live, opts)
	if err != nil {
		return fmt.Errorf("policy %d: %w", id, err)
	}
	instances[id].Close()
	instances[id] = m
	fmt.Printf("policy %d: replaced by max_entries %d, %d cgroups copied\n", id, opts.MaxEntries, opts.Copied)
	return nil
}

// addCgroups inserts cgroup ids from+1 .. to (the demo's key is a u64
// cgroup id, the value one byte).
func addCgroups(m *ebpf.Map, from, to int) error {
	val := make([]byte, m.ValueSize())
	val[0] = 1
	for k := from; k < to; k++ {
		if err := m.Put(uint64(k+1), val); err != nil {
			return fmt.Errorf("cgroup %d: %w", k+1, err)
		}
	}
	return nil
}
