// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// mapsize-load loads a BPF object with the sizes of a mapsize plan, the way a
// cilium/ebpf agent does it, and prints every map as the kernel created it:
//
//	mapsize plan examples/agent.rules.yaml --format json -o plan.json
//	mapsize-load -plan plan.json build/demo/agent.bpf.o
//
// Exit status: 0 loaded, 1 the kernel or the object refused, 2 bad plan or
// usage (a rule that does not match the object is a bad plan).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/cilium/ebpf"

	mapsize "mapsize/bindings/go"
)

func main() {
	planPath := flag.String("plan", "", "plan JSON (`mapsize plan RULES --format json -o FILE`)")
	strict := flag.Bool("strict", false, "a rule without a map in the object is an error")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s -plan PLAN.json [-strict] OBJECT.bpf.o\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *planPath == "" || flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*planPath, flag.Arg(0), *strict); err != nil {
		fmt.Fprintf(os.Stderr, "mapsize-load: %v\n", err)
		var bad badInput
		if errors.As(err, &bad) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type badInput struct{ error }

func (b badInput) Unwrap() error { return b.error }

func run(planPath, objPath string, strict bool) error {
	plan, err := mapsize.ReadPlanFile(planPath)
	if err != nil {
		return badInput{err}
	}
	spec, err := ebpf.LoadCollectionSpec(objPath)
	if err != nil {
		return badInput{err}
	}
	res, err := plan.Apply(spec, &mapsize.ApplyOptions{Strict: strict})
	if err != nil {
		return badInput{fmt.Errorf("%s: error: %w", planPath, err)}
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(os.Stderr, "mapsize-load: warning: %s\n", w)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return fmt.Errorf("%s: %w", objPath, err)
	}
	defer coll.Close()

	fmt.Printf("%-28s %-10s %12s %12s %8s\n", "MAP", "STATUS", "COMPILED", "MAX_ENTRIES", "FLAGS")
	names := make([]string, 0, len(coll.Maps))
	for n := range coll.Maps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		info, err := coll.Maps[n].Info()
		if err != nil {
			return fmt.Errorf("map '%s': %w", n, err)
		}
		status, compiled := "internal", info.MaxEntries
		if am := res.Find(n); am != nil {
			status, compiled = am.Status.String(), am.CompiledMaxEntries
		}
		fmt.Printf("%-28s %-10s %12d %12d %#8x\n", n, status, compiled, info.MaxEntries, info.Flags)
	}
	// One instance of every planned inner map, as the agent would insert it.
	for _, am := range res.Maps {
		if am.Status != mapsize.Applied || am.Planned.InnerOf == "" || am.Name != mapsize.InnerName(am.Planned.InnerOf) {
			continue
		}
		ms, err := mapsize.InnerMapSpec(spec, am.Planned.InnerOf)
		if err != nil {
			return err
		}
		inner, err := ebpf.NewMap(ms)
		if err != nil {
			return fmt.Errorf("map '%s': cannot create an instance: %w", am.Name, err)
		}
		info, err := inner.Info()
		if err != nil {
			inner.Close()
			return err
		}
		fmt.Printf("%-28s %-10s %12d %12d %#8x\n", am.Name, "instance", am.CompiledMaxEntries, info.MaxEntries, info.Flags)
		inner.Close()
	}
	fmt.Printf("loaded %s: %d programs, %d maps\n", objPath, len(coll.Programs), len(coll.Maps))
	return nil
}
