// SPDX-License-Identifier: GPL-2.0
/*
 * No map at all (an XDP pass-through, like libxdp's xdp-dispatcher has none
 * mapsize sizes): `mapsize rules init` drafts an empty rules file, and
 * check, plan and verify --maps-only accept it (issue 17 item 1).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
