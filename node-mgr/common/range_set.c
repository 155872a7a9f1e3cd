#include "common/range_set.h"

#include <stdlib.h>
#include <string.h>

void range_set_init(struct range_set *set)
{
	memset(set, 0, sizeof(*set));
}

void range_set_free(struct range_set *set)
{
	free(set->spans);
	range_set_init(set);
}

bool range_set_add(struct range_set *set, uint64_t first, uint64_t last)
{
	if (last < first)
		return true; /* empty: nothing to add */
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct span *grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return false;
		grown = realloc(set->spans, cap * sizeof(*grown));
		if (!grown)
			return false;
		set->spans = grown;
		set->cap = cap;
	}
	set->spans[set->count++] = (struct span){ first, last };
	return true;
}

static int by_first(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

void range_set_normalize(struct range_set *set)
{
	size_t out = 0;

	if (set->count < 2)
		return;
	qsort(set->spans, set->count, sizeof(*set->spans), by_first);
	for (size_t i = 1; i < set->count; i++) {
		struct span *cur = &set->spans[out];
		const struct span *next = &set->spans[i];
		bool touches = cur->last == UINT64_MAX ||
			       next->first <= cur->last + 1;

		if (touches) {
			if (next->last > cur->last)
				cur->last = next->last;
		} else {
			set->spans[++out] = *next;
		}
	}
	set->count = out + 1;
}

bool range_set_covers(const struct range_set *set, uint64_t first,
		      uint64_t last)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->spans[i].first <= first && last <= set->spans[i].last)
			return true;
	return false;
}

bool range_set_overlaps(const struct range_set *set, uint64_t first,
			uint64_t last)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->spans[i].first <= last && first <= set->spans[i].last)
			return true;
	return false;
}

static uint64_t span_bytes(uint64_t first, uint64_t last)
{
	/* The whole 64-bit space has 2^64 bytes; saturate. */
	return last - first == UINT64_MAX ? UINT64_MAX : last - first + 1;
}

uint64_t range_set_total(const struct range_set *set)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->count; i++) {
		uint64_t n = span_bytes(set->spans[i].first,
					set->spans[i].last);

		total = total > UINT64_MAX - n ? UINT64_MAX : total + n;
	}
	return total;
}

uint64_t range_set_bytes_in(const struct range_set *set, uint64_t first,
			    uint64_t last)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->count; i++) {
		uint64_t lo = set->spans[i].first > first ? set->spans[i].first
							  : first;
		uint64_t hi = set->spans[i].last < last ? set->spans[i].last
							: last;

		if (lo <= hi) {
			uint64_t n = span_bytes(lo, hi);

			total = total > UINT64_MAX - n ? UINT64_MAX : total + n;
		}
	}
	return total;
}
