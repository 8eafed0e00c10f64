/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the rules draft's pure model (src/core/rules_draft.c, rules_check.c)
 * and its object reader (src/kernel/rules_object.c); not exported. */
#ifndef MAPSIZE_RULES_DRAFT_INT_H
#define MAPSIZE_RULES_DRAFT_INT_H

#include <mapsize/rules_draft.h>

/* Record object `label` (copied) as added, even when it defines no map;
 * returns the draft's copy, or NULL on -ENOMEM.  Idempotent. */
const char *rules_draft_object(struct mapsize_rules_draft *d, const char *label);

/* The map flags a rule can name in `flags:`. */
#define RULE_FLAGS (MAPSIZE_F_NO_COMMON_LRU | MAPSIZE_F_RDONLY_PROG | MAPSIZE_F_WRONLY_PROG | \
		    MAPSIZE_F_MMAPABLE | MAPSIZE_F_INNER_MAP)

/* "[a, b]": the RULE_FLAGS of `flags` as the rules file spells them. */
void rules_draft_flags_str(uint32_t flags, char *buf, size_t size);

#endif
