// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The pins beside PATH and the journal of a migration (pin_migrate.h).
 *
 * bpffs holds pinned objects, directories and symlinks, no regular files:
 * the journal is a symlink whose target is its text, so it lives and dies
 * with the pins it describes and is replaced atomically by renaming a new
 * symlink over it (simple_rename). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pin_migrate.h"

#define JOURNAL_MAGIC "mapsize-migrate 1"

static const char *const state_names[] = {
	[PIN_STATE_NONE] = "none",
	[PIN_STATE_PREPARE] = "prepare",
	[PIN_STATE_COPYING] = "copying",
	[PIN_STATE_COPIED] = "copied",
	[PIN_STATE_SWAPPED] = "swapped",
	[PIN_STATE_FINISHING] = "finishing",
};

const char *pin_state__name(enum pin_state s)
{
	return (unsigned int)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

static int path_with(char *out, const char *base, const char *suffix)
{
	int n = snprintf(out, PATH_MAX, "%s%s", base, suffix);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int pin_paths__init(struct pin_paths *p, const char *pin_path)
{
	if (!pin_path || !*pin_path)
		return -EINVAL;
	return path_with(p->canon, pin_path, "") ?: path_with(p->new_pin, pin_path, "-mapsize-new") ?:
	       path_with(p->old_pin, pin_path, "-mapsize-old") ?: path_with(p->snap_pin, pin_path, "-mapsize-snap") ?:
	       path_with(p->journal, pin_path, "-mapsize-journal") ?:
	       path_with(p->journal_tmp, pin_path, "-mapsize-journaltmp");
}

int pin_journal__read(const struct pin_paths *p, struct pin_journal *j)
{
	char text[256], state[32];
	ssize_t n = readlink(p->journal, text, sizeof(text) - 1);

	memset(j, 0, sizeof(*j));
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	text[n] = '\0';
	if (strncmp(text, JOURNAL_MAGIC " ", strlen(JOURNAL_MAGIC) + 1) ||
	    sscanf(text + strlen(JOURNAL_MAGIC), " state=%31s old=%u new=%u snap=%u", state, &j->old_id,
		   &j->new_id, &j->snap_id) != 4)
		return -EBADMSG;
	for (unsigned int s = PIN_STATE_PREPARE; s < ARRAY_SIZE(state_names); s++)
		if (!strcmp(state, state_names[s]))
			j->state = s;
	return j->state == PIN_STATE_NONE ? -EBADMSG : 0;
}

int pin_journal__write(const struct pin_paths *p, const struct pin_journal *j)
{
	char text[256];

	snprintf(text, sizeof(text), JOURNAL_MAGIC " state=%s old=%u new=%u snap=%u", pin_state__name(j->state),
		 j->old_id, j->new_id, j->snap_id);
	if (pin_unlink(p->journal_tmp))
		return -errno;
	if (symlink(text, p->journal_tmp) || rename(p->journal_tmp, p->journal))
		return -errno;
	return 0;
}

int pin_journal__remove(const struct pin_paths *p)
{
	return pin_unlink(p->journal_tmp) ?: pin_unlink(p->journal);
}

int pin_unlink(const char *path)
{
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

void pin_step_done(enum mapsize_migrate_step step)
{
	/* read at each step: a test forks children with different values */
	const char *s = getenv("MAPSIZE_MIGRATE_STOP_AFTER");

	if (s && atoi(s) == (int)step)
		_exit(75);
}
