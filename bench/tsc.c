// SPDX-License-Identifier: GPL-2.0
#include "tsc.h"

#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* CPUID 0x80000001 EDX: RDTSCP and IA32_TSC_AUX. gcc's cpuid.h lacks a name
 * for it. */
#define CPUID_EXT_EDX_RDTSCP (1u << 27)

static sigjmp_buf rdtscp_probe;

static void rdtscp_faulted(int sig)
{
	(void)sig;
	siglongjmp(rdtscp_probe, 1);
}

/*
 * One RDTSCP under a SIGILL handler. CPUID alone is not enough: valgrind's
 * synthetic CPUID reports RDTSCP whatever the host has, then executes it
 * on the host.
 */
static int rdtscp_executes(void)
{
	struct sigaction trap = { .sa_handler = rdtscp_faulted }, old;
	volatile int executed = 0;

	sigemptyset(&trap.sa_mask);
	if (sigaction(SIGILL, &trap, &old))
		return 0;
	if (!sigsetjmp(rdtscp_probe, 1)) {
		(void)tsc_end(TSC_READ_RDTSCP);
		executed = 1;
	}
	sigaction(SIGILL, &old, NULL);
	return executed;
}

int tsc_cpu_has_rdtscp(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx))
		return 0;
	return (edx & CPUID_EXT_EDX_RDTSCP) && rdtscp_executes();
}

enum tsc_reader tsc_reader_detect(void)
{
	return tsc_cpu_has_rdtscp() ? TSC_READ_RDTSCP : TSC_READ_FENCED_RDTSC;
}

const char *tsc_reader_name(enum tsc_reader reader)
{
	return reader == TSC_READ_RDTSCP ? "rdtscp" : "lfence-rdtsc";
}

int tsc_reader_parse(const char *name, enum tsc_reader *reader)
{
	if (!strcmp(name, "rdtscp"))
		*reader = TSC_READ_RDTSCP;
	else if (!strcmp(name, "lfence-rdtsc"))
		*reader = TSC_READ_FENCED_RDTSC;
	else
		return -1;
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tsc_measure_khz(enum tsc_reader reader)
{
	/* 200 ms is long enough that the clock's granularity is noise. */
	const uint64_t window_ns = 200000000u;
	uint64_t t0 = monotonic_ns(), c0 = tsc_begin(), t1, c1;

	do {
		t1 = monotonic_ns();
	} while (t1 - t0 < window_ns);
	c1 = tsc_end(reader);
	return (c1 - c0) * 1000000u / (t1 - t0);
}
