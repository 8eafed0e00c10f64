/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The pause between `mapsize status --watch` rounds: a timespec, so the
 * whole accepted range (up to 86,400 s) is exact (usleep's useconds_t
 * wraps above ~4,295 s).  Header-only so the unit tests check it. */
#ifndef MAPSIZE_STATUS_SLEEP_H
#define MAPSIZE_STATUS_SLEEP_H

#include <errno.h>
#include <time.h>

/* `seconds` (> 0) as a timespec, nanoseconds rounded down. */
static inline struct timespec status_watch_interval(double seconds)
{
	struct timespec ts = { 0, 0 };
	long ns;

	if (!(seconds > 0))
		return ts;
	ts.tv_sec = (time_t)seconds;
	ns = (long)((seconds - (double)ts.tv_sec) * 1e9);
	ts.tv_nsec = ns < 0 ? 0 : ns > 999999999L ? 999999999L : ns;
	return ts;
}

/* Sleep `seconds` against CLOCK_MONOTONIC; a handled signal (EINTR) does
 * not shorten it: the deadline is absolute.  0 or a positive errno. */
static inline int status_watch_sleep(double seconds)
{
	struct timespec d = status_watch_interval(seconds), until;
	int ret;

	if (clock_gettime(CLOCK_MONOTONIC, &until))
		return errno;
	until.tv_sec += d.tv_sec;
	until.tv_nsec += d.tv_nsec;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	do
		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	while (ret == EINTR);
	return ret;
}

#endif
