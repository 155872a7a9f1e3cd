#include "daemon/clock.h"

void mono_now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

uint64_t mono_ms(void)
{
	struct timespec t;

	mono_now(&t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

double mono_ms_since(const struct timespec *t)
{
	struct timespec now;

	mono_now(&now);
	return (double)(now.tv_sec - t->tv_sec) * 1000 +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}
