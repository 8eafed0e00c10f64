// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// Package demofix gives the demo agent's programs the types libbpf gives
// them where cilium/ebpf v0.9 (Debian 12) does not: it knows neither the
// bare "tracepoint" and "raw_tp" sections nor that "syscall" programs are
// sleepable. Nothing here is about map sizes; newer cilium/ebpf needs none
// of it.
package demofix

import "github.com/cilium/ebpf"

// bpfFSleepable is BPF_F_SLEEPABLE (uapi <linux/bpf.h>).
const bpfFSleepable = 1 << 4

// Programs fixes the program types of spec in place.
func Programs(spec *ebpf.CollectionSpec) {
	for _, p := range spec.Programs {
		switch {
		case p.SectionName == "syscall":
			p.Flags |= bpfFSleepable
		case p.Type != ebpf.UnspecifiedProgram:
		case p.SectionName == "tracepoint" || p.SectionName == "tp":
			p.Type = ebpf.TracePoint
		case p.SectionName == "raw_tp" || p.SectionName == "raw_tracepoint":
			p.Type = ebpf.RawTracepoint
		}
	}
}
