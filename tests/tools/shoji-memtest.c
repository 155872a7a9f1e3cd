/* shoji-memtest: the memory part of the node tests' stress load. Takes
 * MIB MiB of this kernel's memory and, until SECONDS have passed (at
 * least one round), fills every word with a value of its offset and the
 * round, then reads everything back. A page another kernel clobbered, or
 * one the kernel mapped twice, shows up as a wrong word.
 *
 *   shoji-memtest MIB SECONDS
 *
 * Prints "memtest: MIB MiB, R rounds, E wrong words"; exit status 0 if
 * every word read back right, 1 if not, 2 on bad usage or no memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static uint64_t value(uint64_t i, uint64_t round)
{
	/* Differs between neighbours and between rounds */
	return (i * UINT64_C(0x9e3779b97f4a7c15)) ^ (round * UINT64_C(0xd1b54a32d192ed03)) ^ round;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(const char *s, const char *what, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !*v) {
		fprintf(stderr, "shoji-memtest: %s '%s': expected a positive whole number\n",
			what, s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mib, secs;
	uint64_t words, i, round = 0, wrong = 0;
	volatile uint64_t *mem;
	double end;
	void *p;

	if (argc != 3) {
		fprintf(stderr, "usage: shoji-memtest MIB SECONDS\n");
		return 2;
	}
	if (parse(argv[1], "MIB", &mib) || parse(argv[2], "SECONDS", &secs))
		return 2;
	words = (uint64_t)mib << 17;
	p = mmap(NULL, (size_t)mib << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "shoji-memtest: cannot map %lu MiB: %s\n", mib,
			strerror(errno));
		return 2;
	}
	mem = p;
	end = now() + (double)secs;
	do {
		round++;
		for (i = 0; i < words; i++)
			mem[i] = value(i, round);
		for (i = 0; i < words; i++) {
			uint64_t got = mem[i];

			if (got != value(i, round)) {
				if (wrong < 10)
					fprintf(stderr, "shoji-memtest: round %" PRIu64 ": word at offset %#" PRIx64 " reads %#" PRIx64 ", wrote %#" PRIx64 "\n",
						round, i * 8, got, value(i, round));
				wrong++;
			}
		}
	} while (now() < end);
	printf("memtest: %lu MiB, %" PRIu64 " rounds, %" PRIu64 " wrong words\n",
	       mib, round, wrong);
	munmap(p, (size_t)mib << 20);
	return wrong ? 1 : 0;
}
