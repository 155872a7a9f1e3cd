/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOJI_BENCH_STATS_H
#define SHOJI_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct summary {
	uint64_t min;
	uint64_t median;	/* the mean of the two middle values for an even count */
	uint64_t max;
};

/* Summarise n > 0 samples; the samples are left in their order. */
int summarise(const uint64_t *samples, size_t n, struct summary *out);

#endif
