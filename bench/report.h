/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOJI_BENCH_REPORT_H
#define SHOJI_BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct result {
	const char *label;	/* which configuration this run belongs to */
	const char *host;	/* node name of the kernel that ran it */
	const char *kernel;	/* its release */
	const char *mode;	/* "cpu", "memory" or "io" */
	size_t block_bytes;	/* 0 for cpu */
	uint64_t iterations;	/* M, N or L */
	uint64_t seed;		/* of the io offsets; 0 otherwise */
	uint64_t tsc_khz;
	const char *tsc_read;	/* how the interval's end read the TSC */
	const uint64_t *cycles;	/* one per repetition */
	size_t repetitions;
};

/* One JSON object on one line; returns 0 or -errno. */
int report_json(FILE *out, const struct result *r);

#endif
