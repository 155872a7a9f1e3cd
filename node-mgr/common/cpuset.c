#include "common/cpuset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define WORDS (CPUSET_MAX / 64)

void cpuset_clear(struct cpuset *set)
{
	memset(set, 0, sizeof(*set));
}

void cpuset_add(struct cpuset *set, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cpuset_has(const struct cpuset *set, unsigned cpu)
{
	return cpu < CPUSET_MAX &&
	       (set->bits[cpu / 64] >> (cpu % 64) & 1) != 0;
}

unsigned cpuset_count(const struct cpuset *set)
{
	unsigned n = 0;

	for (size_t i = 0; i < WORDS; i++)
		n += (unsigned)__builtin_popcountll(set->bits[i]);
	return n;
}

bool cpuset_empty(const struct cpuset *set)
{
	return cpuset_count(set) == 0;
}

void cpuset_and(struct cpuset *out, const struct cpuset *a,
		const struct cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		out->bits[i] = a->bits[i] & b->bits[i];
}

void cpuset_and_not(struct cpuset *out, const struct cpuset *a,
		    const struct cpuset *b)
{
	for (size_t i = 0; i < WORDS; i++)
		out->bits[i] = a->bits[i] & ~b->bits[i];
}

void cpuset_from(struct cpuset *out, const struct cpuset *set, unsigned limit)
{
	cpuset_clear(out);
	for (unsigned cpu = limit; cpu < CPUSET_MAX; cpu++)
		if (cpuset_has(set, cpu))
			cpuset_add(out, cpu);
}

/* Decimal CPU id, at most 9 digits so that it cannot overflow. */
static bool take_cpu(const char **p, unsigned long *out)
{
	unsigned long v = 0;
	int n = 0;

	while (isdigit((unsigned char)**p) && n < 10) {
		v = v * 10 + (unsigned long)(**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n > 0 && n < 10;
}

static void skip_spaces(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static bool parse_item(const char *item, unsigned long *first,
		       unsigned long *last, struct units_err *err)
{
	const char *p = item;

	if (!take_cpu(&p, first))
		goto syntax;
	*last = *first;
	skip_spaces(&p);
	if (*p == '-') {
		p++;
		skip_spaces(&p);
		if (!take_cpu(&p, last))
			goto syntax;
	}
	if (*p != '\0')
		goto syntax;
	if (*last < *first) {
		snprintf(err->msg, sizeof(err->msg),
			 "range %lu-%lu is reversed", *first, *last);
		return false;
	}
	if (*last >= CPUSET_MAX) {
		snprintf(err->msg, sizeof(err->msg),
			 "CPU %lu is above the highest CPU id %d", *last,
			 CPUSET_MAX - 1);
		return false;
	}
	return true;
syntax:
	snprintf(err->msg, sizeof(err->msg),
		 "'%s' is not a CPU or CPU range (expected e.g. 0,2-3)", item);
	return false;
}

bool cpuset_parse(const char *s, struct cpuset *set, struct units_err *err)
{
	struct list_iter it;
	char item[64];

	cpuset_clear(set);
	list_iter_init(&it, s);
	while (list_iter_next(&it, item, sizeof(item))) {
		unsigned long first, last;

		if (item[0] == '\0') {
			snprintf(err->msg, sizeof(err->msg),
				 "empty item in CPU list");
			return false;
		}
		if (!parse_item(item, &first, &last, err))
			return false;
		for (unsigned long cpu = first; cpu <= last; cpu++) {
			if (cpuset_has(set, (unsigned)cpu)) {
				snprintf(err->msg, sizeof(err->msg),
					 "CPU %lu is given twice", cpu);
				return false;
			}
			cpuset_add(set, (unsigned)cpu);
		}
	}
	return true;
}

void cpuset_format(const struct cpuset *set, char *buf, size_t len)
{
	size_t used = 0;
	unsigned cpu = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	while (cpu < CPUSET_MAX) {
		unsigned first;
		int n;

		if (!cpuset_has(set, cpu)) {
			cpu++;
			continue;
		}
		first = cpu;
		while (cpu + 1 < CPUSET_MAX && cpuset_has(set, cpu + 1))
			cpu++;
		if (first == cpu)
			n = snprintf(buf + used, len - used, "%s%u",
				     used ? "," : "", first);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u",
				     used ? "," : "", first, cpu);
		if (n < 0 || (size_t)n >= len - used) {
			if (len >= 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)n;
		cpu++;
	}
}
