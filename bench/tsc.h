/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOJI_BENCH_TSC_H
#define SHOJI_BENCH_TSC_H

#include <stdint.h>

/*
 * How the end of a measured interval reads the TSC. RDTSCP waits for the
 * work before it to complete; many virtual machines hide it, and there a
 * fenced RDTSC (LFENCE on both sides) gives the same ordering.
 */
enum tsc_reader {
	TSC_READ_RDTSCP,
	TSC_READ_FENCED_RDTSC,
};

/* RDTSCP when CPUID says the CPU has it and it executes, else the fenced
 * RDTSC. */
enum tsc_reader tsc_reader_detect(void);
int tsc_cpu_has_rdtscp(void);
/* "rdtscp" or "lfence-rdtsc": the name in the JSON line and on the command
 * line; tsc_reader_parse returns -1 for any other name. */
const char *tsc_reader_name(enum tsc_reader reader);
int tsc_reader_parse(const char *name, enum tsc_reader *reader);

/* TSC reads fenced so that no work leaks across the measured interval. */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t tsc_end(enum tsc_reader reader)
{
	uint32_t lo, hi, aux;

	if (reader == TSC_READ_FENCED_RDTSC)
		return tsc_begin();
	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per millisecond, measured against CLOCK_MONOTONIC_RAW. */
uint64_t tsc_measure_khz(enum tsc_reader reader);

#endif
