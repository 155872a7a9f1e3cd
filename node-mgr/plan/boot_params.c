#include "plan/boot_params.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_address(const void *a, const void *b)
{
	const struct mem_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t collect(const struct plan *plan, struct mem_range *out)
{
	size_t n = 0;

	if (plan->machine.has_control)
		out[n++] = plan->machine.control.range;
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		for (size_t i = 0; i < node->memory_count; i++)
			out[n++] = node->memory[i].range;
		if (node->has_lowmem)
			out[n++] = node->lowmem.range;
	}
	return n;
}

char *boot_params_format(const struct plan *plan)
{
	/* "memmap=" + size + "$0x" + 16 digits + space */
	enum { PER_RANGE = 48 };
	size_t max = 1, n, len, used = 0;
	struct mem_range *ranges;
	char *line;

	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		max += plan->nodes[id].memory_count + 1;
	ranges = calloc(max, sizeof(*ranges));
	len = max * PER_RANGE + 64;
	line = malloc(len);
	if (!ranges || !line) {
		free(ranges);
		free(line);
		return NULL;
	}
	n = collect(plan, ranges);
	qsort(ranges, n, sizeof(*ranges), by_address);
	for (size_t i = 0; i < n; i++) {
		char size[32];

		units_format_size(ranges[i].size, size, sizeof(size));
		used += (size_t)snprintf(line + used, len - used,
					 "memmap=%s$0x%" PRIx64 " ", size,
					 ranges[i].addr);
	}
	snprintf(line + used, len - used, "no_ipi_broadcast=1");
	free(ranges);
	return line;
}
