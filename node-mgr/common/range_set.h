/* Sets of physical address ranges, as read from the firmware map and
 * /proc/iomem. Ends are inclusive so that a range can reach 2^64-1. */
#ifndef SHOJI_RANGE_SET_H
#define SHOJI_RANGE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
	uint64_t first;
	uint64_t last;
};

struct range_set {
	struct span *spans;
	size_t count;
	size_t cap;
};

void range_set_init(struct range_set *set);
void range_set_free(struct range_set *set);
bool range_set_add(struct range_set *set, uint64_t first, uint64_t last);
/* Sorts and merges overlapping and touching spans. */
void range_set_normalize(struct range_set *set);

/* These need a normalized set. */
bool range_set_covers(const struct range_set *set, uint64_t first,
		      uint64_t last);
bool range_set_overlaps(const struct range_set *set, uint64_t first,
			uint64_t last);
uint64_t range_set_total(const struct range_set *set);
/* Bytes of set that lie inside [first, last]. */
uint64_t range_set_bytes_in(const struct range_set *set, uint64_t first,
			    uint64_t last);

#endif
