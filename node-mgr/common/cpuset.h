/* Sets of CPU ids and the Linux CPU list syntax ("0,2-3"). */
#ifndef SHOJI_CPUSET_H
#define SHOJI_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/units.h"

/* Linux's largest NR_CPUS. */
#define CPUSET_MAX 8192

struct cpuset {
	uint64_t bits[CPUSET_MAX / 64];
};

void cpuset_clear(struct cpuset *set);
void cpuset_add(struct cpuset *set, unsigned cpu);
bool cpuset_has(const struct cpuset *set, unsigned cpu);
unsigned cpuset_count(const struct cpuset *set);
bool cpuset_empty(const struct cpuset *set);
/* out = a & b */
void cpuset_and(struct cpuset *out, const struct cpuset *a,
		const struct cpuset *b);
/* out = a & ~b */
void cpuset_and_not(struct cpuset *out, const struct cpuset *a,
		    const struct cpuset *b);
/* Every id at or above limit. */
void cpuset_from(struct cpuset *out, const struct cpuset *set, unsigned limit);

/* Parses a CPU list; a CPU given twice, a reversed range or an id at or
 * above CPUSET_MAX is an error. An empty string gives an empty set. */
bool cpuset_parse(const char *s, struct cpuset *set, struct units_err *err);
/* Writes the set in CPU list syntax, cutting it short (with "...") if the
 * buffer is too small. */
void cpuset_format(const struct cpuset *set, char *buf, size_t len);

#endif
