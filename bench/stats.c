// SPDX-License-Identifier: GPL-2.0
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int summarise(const uint64_t *samples, size_t n, struct summary *out)
{
	uint64_t *sorted;

	if (n == 0)
		return -EINVAL;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, samples, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), compare_u64);
	out->min = sorted[0];
	out->max = sorted[n - 1];
	if (n % 2)
		out->median = sorted[n / 2];
	else	/* halves first, so two huge values cannot overflow */
		out->median = sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2 +
			      (sorted[n / 2 - 1] % 2 + sorted[n / 2] % 2) / 2;
	free(sorted);
	return 0;
}
