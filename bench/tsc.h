/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOJI_BENCH_TSC_H
#define SHOJI_BENCH_TSC_H

#include <stdint.h>

/* TSC reads fenced so that no work leaks across the measured interval. */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi, aux;

	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per millisecond, measured against CLOCK_MONOTONIC_RAW. */
uint64_t tsc_measure_khz(void);

#endif
