#include "plan/plan_create.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"
#include "common/units.h"
#include "machine/machine_check.h"
#include "machine/memory_map.h"
#include "plan/plan.h"

#define NODE_ALIGN (2 * UNITS_MIB)
#define NODE0_MEMORY_MIN UNITS_GIB
#define NODE_MEMORY_MIN (64 * UNITS_MIB)
#define LOWMEM_SIZE (64 * UNITS_KIB)
/* The highest low window, right below the EBDA and the VGA hole, and the
 * lowest: the first 64 KiB are node0's. */
#define LOWMEM_TOP UINT64_C(0x90000)
#define LOWMEM_BOTTOM UINT64_C(0x10000)
#define PLAN_CREATE_MAX_RANGES 16

/* A CPU without topology (offline, or a machine that does not say) is a
 * core of its own. */
static void read_cores(const struct cpuset *present, unsigned *core_of)
{
	for (unsigned cpu = 0; cpu < CPUSET_MAX; cpu++) {
		struct cpuset siblings;

		core_of[cpu] = cpu;
		if (!cpuset_has(present, cpu) ||
		    !machine_cpu_siblings(cpu, &siblings))
			continue;
		for (unsigned s = 0; s < cpu; s++)
			if (cpuset_has(&siblings, s)) {
				core_of[cpu] = core_of[s];
				break;
			}
	}
}

bool machine_facts_read(struct machine_facts *m, struct diag *d)
{
	int e;

	memset(m, 0, sizeof(*m));
	range_set_init(&m->ram);
	range_set_init(&m->kernel_image);
	m->core_of = calloc(CPUSET_MAX, sizeof(*m->core_of));
	if (!m->core_of) {
		diag_fail(d, "out of memory");
		return false;
	}
	if (!machine_present_cpus(&m->present, d) || !firmware_ram_read(&m->ram, d) ||
	    !iomem_kernel_read(&m->kernel_image, d) ||
	    !pci_devices_scan(&m->pci, d)) {
		machine_facts_free(m);
		return false;
	}
	read_cores(&m->present, m->core_of);
	e = node0_needs_read(&m->needs);
	if (!e)
		e = iommu_state_read(&m->iommu);
	if (e) {
		diag_fail(d, "cannot read what node0 uses or what its IOMMU "
			     "does: %s",
			  strerror(e));
		machine_facts_free(m);
		return false;
	}
	return true;
}

void machine_facts_free(struct machine_facts *m)
{
	free(m->core_of);
	range_set_free(&m->ram);
	range_set_free(&m->kernel_image);
	pci_devices_free(&m->pci);
	node0_needs_free(&m->needs);
	iommu_state_free(&m->iommu);
	memset(m, 0, sizeof(*m));
}

/* What the plan gives each kernel, before it is written. */
struct layout {
	unsigned nodes;
	struct cpuset cpus[PLAN_MAX_NODES];
	struct mem_range memory[PLAN_MAX_NODES][PLAN_CREATE_MAX_RANGES];
	size_t memory_count[PLAN_MAX_NODES];
	struct mem_range lowmem[PLAN_MAX_NODES];
	struct mem_range control;
	uint64_t node0_memory;
	unsigned cores;
};

/* node0 keeps CPU 0's core; the other cores go to the nodes in order, in
 * equal shares (the first nodes get one more when they do not divide). */
static bool share_cpus(const struct machine_facts *m, struct layout *l,
		       struct diag *d)
{
	unsigned *cores = malloc(CPUSET_MAX * sizeof(*cores));
	unsigned count = 0, next = 0;

	if (!cores) {
		diag_fail(d, "out of memory");
		return false;
	}
	for (unsigned cpu = 0; cpu < CPUSET_MAX; cpu++) {
		if (!cpuset_has(&m->present, cpu))
			continue;
		if (m->core_of[cpu] == m->core_of[0])
			cpuset_add(&l->cpus[0], cpu);
		else if (m->core_of[cpu] == cpu)
			cores[count++] = cpu;
	}
	l->cores = count + 1;
	if (count < l->nodes) {
		diag_fail(d, "this machine has %u core%s besides CPU 0's, too "
			     "few for %u nodes of whole cores",
			  count, count == 1 ? "" : "s", l->nodes);
		free(cores);
		return false;
	}
	for (unsigned id = 1; id <= l->nodes; id++) {
		unsigned share = count / l->nodes +
				 (id <= count % l->nodes ? 1 : 0);

		for (unsigned i = 0; i < share; i++, next++)
			for (unsigned cpu = cores[next]; cpu < CPUSET_MAX; cpu++)
				if (cpuset_has(&m->present, cpu) &&
				    m->core_of[cpu] == cores[next])
					cpuset_add(&l->cpus[id], cpu);
	}
	free(cores);
	return true;
}

static bool add_aligned(struct range_set *set, uint64_t first, uint64_t last)
{
	uint64_t a = (first + NODE_ALIGN - 1) & ~(NODE_ALIGN - 1);
	uint64_t b = (last + 1) & ~(NODE_ALIGN - 1);

	return b <= a || range_set_add(set, a, b - 1);
}

/* Free RAM for nodes, in 2 MiB aligned pieces: the firmware's System RAM
 * without node0's kernel image. */
static bool free_pieces(const struct machine_facts *m, struct range_set *out)
{
	for (size_t i = 0; i < m->ram.count; i++) {
		uint64_t cur = m->ram.spans[i].first;
		uint64_t last = m->ram.spans[i].last;
		bool done = false;

		for (size_t k = 0; k < m->kernel_image.count && !done; k++) {
			const struct span *image = &m->kernel_image.spans[k];

			if (image->last < cur || image->first > last)
				continue;
			if (image->first > cur &&
			    !add_aligned(out, cur, image->first - 1))
				return false;
			done = image->last >= last;
			cur = image->last + 1;
		}
		if (!done && !add_aligned(out, cur, last))
			return false;
	}
	range_set_normalize(out);
	return true;
}

/* Takes size bytes from the top of the free pieces; they may be split. */
static bool take_from_top(struct range_set *pieces, uint64_t size,
			  struct mem_range *ranges, size_t max, size_t *count)
{
	*count = 0;
	while (size) {
		struct span *top;
		uint64_t piece;

		if (!pieces->count || *count == max)
			return false;
		top = &pieces->spans[pieces->count - 1];
		piece = top->last - top->first + 1;
		if (piece > size)
			piece = size;
		/* lowest address first in the plan */
		memmove(&ranges[1], &ranges[0], *count * sizeof(*ranges));
		ranges[0] = (struct mem_range){ .addr = top->last + 1 - piece,
						.size = piece };
		(*count)++;
		size -= piece;
		if (piece == top->last - top->first + 1)
			pieces->count--;
		else
			top->last -= piece;
	}
	return true;
}

static bool share_memory(const struct machine_facts *m,
			 const struct plan_create_opts *opts, struct layout *l,
			 struct diag *d)
{
	uint64_t total = range_set_total(&m->ram), free_total, per_node;
	uint64_t control_size;
	struct range_set pieces;
	struct mem_range control[1];
	size_t n;
	char text[32], need[32];

	l->node0_memory = opts->node0_memory;
	if (!l->node0_memory) {
		l->node0_memory = (total / 4) & ~(UNITS_MIB - 1);
		if (l->node0_memory < NODE0_MEMORY_MIN)
			l->node0_memory = NODE0_MEMORY_MIN;
	}
	range_set_init(&pieces);
	if (!free_pieces(m, &pieces)) {
		range_set_free(&pieces);
		diag_fail(d, "out of memory");
		return false;
	}
	free_total = range_set_total(&pieces);
	control_size = ((uint64_t)(l->nodes + 1) * PLAN_CONTROL_PAGE_SIZE +
			LOWMEM_SIZE - 1) & ~(LOWMEM_SIZE - 1);
	per_node = 0;
	if (total > l->node0_memory + NODE_ALIGN &&
	    free_total > NODE_ALIGN)
		per_node = (total - l->node0_memory - NODE_ALIGN) / l->nodes;
	if (per_node > (free_total - NODE_ALIGN) / l->nodes)
		per_node = (free_total - NODE_ALIGN) / l->nodes;
	per_node &= ~(NODE_ALIGN - 1);
	if (per_node < NODE_MEMORY_MIN) {
		units_format_size(l->node0_memory, text, sizeof(text));
		units_format_size(NODE_MEMORY_MIN, need, sizeof(need));
		diag_fail(d, "with node0 keeping %s, %u nodes would get less "
			     "than %s each; ask for fewer nodes or a smaller "
			     "--node0-memory",
			  text, l->nodes, need);
		range_set_free(&pieces);
		return false;
	}
	/* the last node, on the highest CPUs, gets the highest RAM: both
	 * are the last socket's on most machines */
	for (unsigned id = l->nodes; id >= 1; id--) {
		if (take_from_top(&pieces, per_node, l->memory[id],
				  PLAN_CREATE_MAX_RANGES, &l->memory_count[id]))
			continue;
		diag_fail(d, "the free RAM is in too many small pieces: node%u "
			     "would need more than %d ranges",
			  id, PLAN_CREATE_MAX_RANGES);
		range_set_free(&pieces);
		return false;
	}
	/* below the nodes, in a 2 MiB piece of its own */
	if (!take_from_top(&pieces, NODE_ALIGN, control, 1, &n)) {
		diag_fail(d, "no 2 MiB of RAM left for the control area");
		range_set_free(&pieces);
		return false;
	}
	l->control = (struct mem_range){ .addr = control[0].addr,
					 .size = control_size };
	range_set_free(&pieces);
	return true;
}

static bool place_lowmem(const struct machine_facts *m, struct layout *l,
			 struct diag *d)
{
	uint64_t addr = LOWMEM_TOP;
	unsigned placed = 0;

	for (; placed < l->nodes && addr >= LOWMEM_BOTTOM; addr -= LOWMEM_SIZE)
		if (range_set_covers(&m->ram, addr, addr + LOWMEM_SIZE - 1))
			l->lowmem[++placed] = (struct mem_range){
				.addr = addr, .size = LOWMEM_SIZE };
	if (placed < l->nodes) {
		diag_fail(d, "RAM between 64 KiB and 640 KiB has room for %u "
			     "low window%s of 64K, fewer than the %u nodes",
			  placed, placed == 1 ? "" : "s", l->nodes);
		return false;
	}
	return true;
}

static uint32_t bus_order(const struct pci_ref *a)
{
	return (uint32_t)a->domain << 16 | (uint32_t)a->bus << 8 |
	       (uint32_t)a->dev << 3 | a->func;
}

static int by_address(const void *a, const void *b)
{
	uint32_t x = bus_order(&(*(const struct pci_device *const *)a)->address);
	uint32_t y = bus_order(&(*(const struct pci_device *const *)b)->address);

	return x < y ? -1 : x > y;
}

/* The devices in bus order, free ones first, then node0's. */
static bool write_devices(const struct machine_facts *m, FILE *out)
{
	const struct pci_device **sorted;
	bool any_free = false, any_node0 = false;

	sorted = calloc(m->pci.count ? m->pci.count : 1, sizeof(*sorted));
	if (!sorted)
		return false;
	for (size_t i = 0; i < m->pci.count; i++)
		sorted[i] = &m->pci.devices[i];
	qsort(sorted, m->pci.count, sizeof(*sorted), by_address);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->pci.count; i++) {
			const struct pci_device *dev = sorted[i];
			const char *why = node0_needs_why(&m->needs,
							  &dev->address);
			const struct iommu_group *group;
			char address[32];

			if (pci_device_is_bridge(dev) || (pass == 0) != !why)
				continue;
			if (pass == 0 && !any_free) {
				fputs("\n; PCI devices node0 does not need: give "
				      "each to at most one node\n; (pci = "
				      "ADDRESS, ...), a whole IOMMU group at "
				      "once.\n",
				      out);
				any_free = true;
			}
			if (pass == 1 && !any_node0) {
				fputs("\n; PCI devices node0 needs to live, which "
				      "no node may get:\n",
				      out);
				any_node0 = true;
			}
			units_format_pci(&dev->address, address,
					 sizeof(address));
			fprintf(out, ";   %s  %04x:%04x  class %04x", address,
				dev->vendor, dev->device, dev->class_code);
			group = iommu_group_of(&m->iommu, &dev->address);
			if (pass == 1)
				fprintf(out, "  %s\n", why);
			else if (group)
				fprintf(out, "  IOMMU group %u\n", group->id);
			else
				fputs("  no IOMMU translates it\n", out);
		}
	}
	free(sorted);
	return true;
}

static void write_ranges(const struct mem_range *ranges, size_t count,
			 FILE *out)
{
	for (size_t i = 0; i < count; i++) {
		char size[32];

		units_format_size(ranges[i].size, size, sizeof(size));
		fprintf(out, "%s%s@0x%" PRIx64, i ? ", " : "", size,
			ranges[i].addr);
	}
}

static bool write_plan(const struct machine_facts *m,
		       const struct plan_create_opts *opts,
		       const struct layout *l, FILE *out)
{
	char cpus[256], total[32], size[32];

	cpuset_format(&m->present, cpus, sizeof(cpus));
	units_format_size(range_set_total(&m->ram) & ~(UNITS_MIB - 1), total,
			  sizeof(total));
	fprintf(out,
		"; A plan for this machine, written by `%s`.\n"
		"; The machine: CPUs %s (%u cores), %s of RAM in the firmware "
		"map, %zu PCI\n; functions. Check it with `shoji check "
		"--offline PLAN`, boot node0 with what\n; `shoji check "
		"--boot-params PLAN` prints, then `shoji up PLAN` "
		"(shoji-plan(5)).\n\n",
		opts->command, cpus, l->cores, total, m->pci.count);
	units_format_size(l->control.size, size, sizeof(size));
	fprintf(out, "[machine]\n; one 4 KiB control page per node id\n"
		     "control = %s@0x%" PRIx64 "\n\n",
		size, l->control.addr);
	cpuset_format(&l->cpus[0], cpus, sizeof(cpus));
	units_format_size(l->node0_memory, size, sizeof(size));
	fprintf(out,
		"[node0]\n; CPU 0's core: Linux cannot take its boot CPU "
		"offline\ncpus = %s\n; the RAM at the bottom, with its "
		"kernel image, stays node0's\nmemory = %s\n",
		cpus, size);
	for (unsigned id = 1; id <= l->nodes; id++) {
		cpuset_format(&l->cpus[id], cpus, sizeof(cpus));
		units_format_size(l->lowmem[id].size, size, sizeof(size));
		fprintf(out, "\n[node%u]\ncpus = %s\nmemory = ", id, cpus);
		write_ranges(l->memory[id], l->memory_count[id], out);
		fprintf(out, "\nlowmem = %s@0x%" PRIx64 "\nkernel = %s\n",
			size, l->lowmem[id].addr, opts->kernel);
		if (opts->initrd)
			fprintf(out, "initrd = %s\n", opts->initrd);
		fputs("restart = on-failure\n", out);
	}
	return write_devices(m, out);
}

bool plan_create(const struct machine_facts *m,
		 const struct plan_create_opts *opts, FILE *out,
		 struct diag *d)
{
	struct layout *l = calloc(1, sizeof(*l));
	bool ok;

	if (!l) {
		diag_fail(d, "out of memory");
		return false;
	}
	l->nodes = opts->nodes;
	ok = share_cpus(m, l, d) && share_memory(m, opts, l, d) &&
	     place_lowmem(m, l, d);
	if (ok && !write_plan(m, opts, l, out)) {
		diag_fail(d, "out of memory");
		ok = false;
	}
	free(l);
	return ok;
}
