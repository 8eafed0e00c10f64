/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* counters-static (tests/kernel/counters_guest.c): what its parts share. */
#ifndef MAPSIZE_TESTS_COUNTERS_GUEST_H
#define MAPSIZE_TESTS_COUNTERS_GUEST_H

#include <stddef.h>
#include <stdint.h>

struct bpf_program;

/* Keys in map `fd`, walked with get_next_key (key_size <= 64). */
uint64_t live_entries(int fd, size_t key_size);
/* Set the writer's count `*n_var` to `n` and run `p` once (BPF_PROG_TEST_RUN). */
int writer_run(struct bpf_program *p, uint32_t *n_var, uint32_t n);
/* Insert keys 0..n-1 from user space with `flags`: how many failed. */
int user_inserts(int fd, uint32_t n, uint64_t flags, int ncpu);

/* --fill DIR / --more DIR BASE WHAT (counters_cli_maps.c) */
int counters_fill(const char *dir);
int counters_more(const char *dir, uint32_t base, const char *what);
/* --bench / --bench-base (counters_bench.c) */
int counters_bench(void);
int counters_bench_base(void);

#endif
