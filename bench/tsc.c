// SPDX-License-Identifier: GPL-2.0
#include "tsc.h"

#include <time.h>

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tsc_measure_khz(void)
{
	/* 200 ms is long enough that the clock's granularity is noise. */
	const uint64_t window_ns = 200000000u;
	uint64_t t0 = monotonic_ns(), c0 = tsc_begin(), t1, c1;

	do {
		t1 = monotonic_ns();
	} while (t1 - t0 < window_ns);
	c1 = tsc_end();
	return (c1 - c0) * 1000000u / (t1 - t0);
}
