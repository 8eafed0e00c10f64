// SPDX-License-Identifier: GPL-2.0
/*
 * A .kconfig extern whose type has no size (a forward-declared struct):
 * the object reader refuses it naming the extern (tests/kernel/
 * test_object_maps.c; the name once came from freed memory).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct mapsize_unsized;
extern struct mapsize_unsized CONFIG_MAPSIZE_UNSIZED __kconfig;

SEC("socket")
int kconfig_user(void *ctx)
{
	return (long)&CONFIG_MAPSIZE_UNSIZED & 1;
}

char LICENSE[] SEC("license") = "GPL";
