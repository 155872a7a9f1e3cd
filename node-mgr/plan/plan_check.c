#include "plan/plan_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOWMEM_MIN_ADDR UINT64_C(0x10000)	/* below is node0's */
#define LOWMEM_END UINT64_C(0x100000)		/* real mode reaches 1 MiB */
#define LOWMEM_MIN_SIZE (64 * UNITS_KIB)
#define NODE_MEMORY_ALIGN (2 * UNITS_MIB)

/* "SIZE@ADDR: " when the key lists several ranges, so that the user can
 * tell which one is meant; empty otherwise. */
static void range_prefix(const struct plan_range *r, char *buf, size_t len)
{
	char size[32];

	if (!strchr(r->key->value, ',')) {
		buf[0] = '\0';
		return;
	}
	units_format_size(r->range.size, size, sizeof(size));
	snprintf(buf, len, "%s@0x%" PRIx64 ": ", size, r->range.addr);
}

/* "0x1000 or 0x3000": the aligned values either side of a misaligned one
 * (the one below only when it is not zero), as sizes or as addresses. */
static void nearest_aligned(uint64_t value, uint64_t align, bool as_size,
			    char *buf, size_t len)
{
	uint64_t below = value - value % align, above = below + align;
	char below_text[32], above_text[32];

	if (as_size) {
		units_format_size(below, below_text, sizeof(below_text));
		units_format_size(above, above_text, sizeof(above_text));
	} else {
		snprintf(below_text, sizeof(below_text), "0x%" PRIx64, below);
		snprintf(above_text, sizeof(above_text), "0x%" PRIx64, above);
	}
	if (above < below)
		snprintf(buf, len, "%s", below_text);
	else if (below == 0 && as_size)
		snprintf(buf, len, "%s", above_text);
	else
		snprintf(buf, len, "%s or %s", below_text, above_text);
}

static void check_alignment(const struct plan_range *r, uint64_t align,
			    const char *align_name, struct diag *d)
{
	char prefix[64], nearest[80];

	range_prefix(r, prefix, sizeof(prefix));
	if (r->range.size == 0)
		plan_key_error(d, r->key, "%ssize must not be zero", prefix);
	if (r->range.addr % align) {
		nearest_aligned(r->range.addr, align, false, nearest,
				sizeof(nearest));
		plan_key_error(d, r->key,
			       "%saddress 0x%" PRIx64 " is not %s aligned "
			       "(nearest: %s)",
			       prefix, r->range.addr, align_name, nearest);
	}
	if (r->range.size % align) {
		nearest_aligned(r->range.size, align, true, nearest,
				sizeof(nearest));
		plan_key_error(d, r->key,
			       "%ssize 0x%" PRIx64 " is not a multiple of %s "
			       "(nearest: %s)",
			       prefix, r->range.size, align_name, nearest);
	}
}

static bool plan_has_nodes(const struct plan *plan)
{
	return plan_highest_node(plan) > 0;
}

static void check_control(const struct plan *plan, struct diag *d)
{
	const struct plan_machine *m = &plan->machine;
	uint64_t need = (plan_highest_node(plan) + 1) * PLAN_CONTROL_PAGE_SIZE;
	char need_text[32];

	if (!m->has_control) {
		if (!plan_has_nodes(plan))
			return;
		if (!m->section)
			diag_add(d, 0, "[machine]: missing section with the "
				       "required key 'control' (the plan has "
				       "nodes besides node0)");
		else if (!plan_section_key(m->section, "control"))
			plan_section_error(d, m->section,
					   "missing required key 'control' "
					   "(the plan has nodes besides node0)");
		return;
	}
	check_alignment(&m->control, PLAN_PAGE_SIZE, "4 KiB", d);
	if (m->control.range.size && m->control.range.size < need) {
		units_format_size(need, need_text, sizeof(need_text));
		plan_key_error(d, m->control.key,
			       "too small: node ids 0..%u need one 4 KiB "
			       "control page each, %s in all",
			       plan_highest_node(plan), need_text);
	}
}

static void check_lowmem(const struct plan_node *node, struct diag *d)
{
	const struct plan_range *r = &node->lowmem;
	uint64_t end = r->range.addr + r->range.size;
	char min_text[32];

	check_alignment(r, PLAN_PAGE_SIZE, "4 KiB", d);
	if (r->range.size && r->range.size < LOWMEM_MIN_SIZE) {
		units_format_size(LOWMEM_MIN_SIZE, min_text, sizeof(min_text));
		plan_key_error(d, r->key, "too small: the trampoline window "
					  "needs at least %s", min_text);
	}
	if (r->range.addr < LOWMEM_MIN_ADDR)
		plan_key_error(d, r->key,
			       "starts at 0x%" PRIx64 ", below 64 KiB "
			       "(0x10000), which node0 keeps",
			       r->range.addr);
	if (r->range.size && (end > LOWMEM_END || end < r->range.addr))
		plan_key_error(d, r->key,
			       "ends at 0x%" PRIx64 ", above 1 MiB (0x100000)",
			       end);
}

static void check_node_shapes(const struct plan *plan, struct diag *d)
{
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (!node->present)
			continue;
		for (size_t i = 0; i < node->memory_count; i++)
			check_alignment(&node->memory[i], NODE_MEMORY_ALIGN,
					"2 MiB", d);
		if (node->has_lowmem)
			check_lowmem(node, d);
	}
}

static void report_cpus(struct diag *d, const struct plan_key *key,
			const struct cpuset *cpus, const char *what)
{
	char list[128];

	cpuset_format(cpus, list, sizeof(list));
	plan_key_error(d, key, "%s %s %s %s",
		       cpuset_count(cpus) == 1 ? "CPU" : "CPUs", list,
		       cpuset_count(cpus) == 1 ? "is" : "are", what);
}

static void check_cpus(const struct plan *plan, struct diag *d)
{
	const struct plan_machine *m = &plan->machine;
	char what[128];
	struct cpuset both;

	for (unsigned id = 0; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (!node->present || !node->cpus_key)
			continue;
		if (id > 0 && cpuset_count(&node->cpus) > PLAN_MAX_NODE_CPUS)
			plan_key_error(d, node->cpus_key,
				       "%u CPUs; a node has at most %u",
				       cpuset_count(&node->cpus),
				       PLAN_MAX_NODE_CPUS);
		/* x86 Linux has no way to take its boot CPU offline. */
		if (id > 0 && cpuset_has(&node->cpus, 0))
			plan_key_error(d, node->cpus_key,
				       "CPU 0 is node0's boot CPU, which its "
				       "kernel cannot take offline; give "
				       "[node%u] other CPUs",
				       id);
		for (unsigned other = 0; other < id; other++) {
			const struct plan_node *o = &plan->nodes[other];

			if (!o->present || !o->cpus_key)
				continue;
			cpuset_and(&both, &node->cpus, &o->cpus);
			if (cpuset_empty(&both))
				continue;
			snprintf(what, sizeof(what),
				 "already given to [node%u] (cpus at line %u)",
				 other, o->cpus_key->line);
			report_cpus(d, node->cpus_key, &both, what);
		}
		if (m->cpus_key) {
			cpuset_from(&both, &node->cpus, m->cpus);
			if (cpuset_empty(&both))
				continue;
			snprintf(what, sizeof(what),
				 "beyond the machine's %u CPUs ([machine] "
				 "cpus at line %u)",
				 m->cpus, m->cpus_key->line);
			report_cpus(d, node->cpus_key, &both, what);
		}
	}
}

struct owned_range {
	const struct plan_range *r;
	const char *section;
};

static size_t collect_ranges(const struct plan *plan, struct owned_range *out)
{
	size_t n = 0;

	if (plan->machine.has_control)
		out[n++] = (struct owned_range){ &plan->machine.control,
						 "machine" };
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (!node->present)
			continue;
		for (size_t i = 0; i < node->memory_count; i++)
			out[n++] = (struct owned_range){ &node->memory[i],
							 node->section->name };
		if (node->has_lowmem)
			out[n++] = (struct owned_range){ &node->lowmem,
							 node->section->name };
	}
	return n;
}

static size_t count_ranges(const struct plan *plan)
{
	size_t n = 1;

	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		n += plan->nodes[id].memory_count + 1;
	return n;
}

static void report_overlap(const struct owned_range *later,
			   const struct owned_range *earlier, struct diag *d)
{
	char prefix[64], other[64];

	range_prefix(later->r, prefix, sizeof(prefix));
	units_format_range(&earlier->r->range, other, sizeof(other));
	if (later->r->key == earlier->r->key)
		plan_key_error(d, later->r->key,
			       "%soverlaps %s, given earlier in the same list",
			       prefix, other);
	else
		plan_key_error(d, later->r->key,
			       "%soverlaps [%s] %s at line %u (%s)", prefix,
			       earlier->section, earlier->r->key->name,
			       earlier->r->key->line, other);
}

static void check_overlaps(const struct plan *plan, struct diag *d)
{
	struct owned_range *ranges = calloc(count_ranges(plan),
					    sizeof(*ranges));
	size_t n;

	if (!ranges) {
		d->out_of_memory = true;
		return;
	}
	n = collect_ranges(plan, ranges);
	for (size_t j = 0; j < n; j++) {
		for (size_t i = 0; i < j; i++) {
			const struct owned_range *a = &ranges[i], *b = &ranges[j];

			if (!mem_ranges_overlap(&a->r->range, &b->r->range))
				continue;
			/* Report at the place the reader meets second. */
			if (a->r->key->line > b->r->key->line)
				report_overlap(a, b, d);
			else
				report_overlap(b, a, d);
		}
	}
	free(ranges);
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void check_machine_memory(const struct plan *plan, struct diag *d)
{
	const struct plan_machine *m = &plan->machine;
	uint64_t nodes = 0, total;
	char nodes_text[32], node0_text[32], total_text[32];

	if (!m->memory_key || !plan->nodes[0].present)
		return;
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		for (size_t i = 0; i < plan->nodes[id].memory_count; i++)
			nodes = add_saturating(
				nodes, plan->nodes[id].memory[i].range.size);
	total = add_saturating(nodes, plan->nodes[0].node0_memory);
	if (total <= m->memory)
		return;
	units_format_size(nodes, nodes_text, sizeof(nodes_text));
	units_format_size(plan->nodes[0].node0_memory, node0_text,
			  sizeof(node0_text));
	units_format_size(total, total_text, sizeof(total_text));
	plan_key_error(d, m->memory_key,
		       "the nodes' memory (%s) and node0's (%s) add up to %s, "
		       "more than the machine has",
		       nodes_text, node0_text, total_text);
}

static void report_pci_twice(const struct plan_pci *p,
			     const struct plan_node *other_node,
			     const struct plan_pci *other, struct diag *d)
{
	const char *hint = p->ref.by_id ? "; a vendor:device id must name "
					  "exactly one device, use bus "
					  "addresses for several"
					: "";
	char name[32];

	units_format_pci(&p->ref, name, sizeof(name));
	if (p->key == other->key)
		plan_key_error(d, p->key, "%s is given twice in this list%s",
			       name, hint);
	else
		plan_key_error(d, p->key,
			       "%s is already given to [%s] (pci at line %u)%s",
			       name, other_node->section->name,
			       other->key->line, hint);
}

static void check_pci(const struct plan *plan, struct diag *d)
{
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		for (size_t i = 0; i < node->pci_count; i++) {
			bool reported = false;

			for (unsigned oid = 1; oid <= id && !reported; oid++) {
				const struct plan_node *o = &plan->nodes[oid];
				size_t end = oid == id ? i : o->pci_count;

				for (size_t j = 0; j < end && !reported; j++) {
					if (!pci_ref_equal(&node->pci[i].ref,
							   &o->pci[j].ref))
						continue;
					report_pci_twice(&node->pci[i], o,
							 &o->pci[j], d);
					reported = true;
				}
			}
		}
	}
}

static void check_uart_pair(const struct plan_node *node,
			    const struct plan_node *o, struct diag *d)
{
	const char *name = plan_uart_name(node->uart);

	if (o->uart_key)
		plan_key_error(d, node->uart_key,
			       "%s is already given to [%s] (uart at line %u)",
			       name, o->section->name, o->uart_key->line);
	else
		plan_key_error(d, node->uart_key,
			       "%s is node0's by default; set [node0] uart = "
			       "none to give it to a node",
			       name);
}

static void check_uarts(const struct plan *plan, struct diag *d)
{

	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (!node->present || node->uart == UART_NONE)
			continue;
		for (unsigned other = 0; other < id; other++) {
			const struct plan_node *o = &plan->nodes[other];

			if (o->present && o->uart == node->uart) {
				check_uart_pair(node, o, d);
				break;
			}
		}
	}
}

static void check_timeouts(const struct plan *plan, struct diag *d)
{
	const struct plan_machine *m = &plan->machine;
	char hb[32], ht[32];

	if (m->hung_timeout_ms > 2 * m->heartbeat_ms)
		return;
	units_format_duration(m->heartbeat_ms, hb, sizeof(hb));
	units_format_duration(m->hung_timeout_ms, ht, sizeof(ht));
	if (m->hung_timeout_key)
		plan_key_error(d, m->hung_timeout_key,
			       "must be more than twice heartbeat (%s)", hb);
	else if (m->heartbeat_key)
		plan_key_error(d, m->heartbeat_key,
			       "hung_timeout (default %s) must be more than "
			       "twice heartbeat; raise hung_timeout",
			       ht);
}

static void check_file(const char *path, const struct plan_key *key,
		       struct diag *d)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && strcmp(path, key->value)) {
			char *abs = plan_path_absolute(path);

			plan_key_error(d, key, "no such file: %s (a relative "
					       "path starts at the plan's "
					       "directory)",
				       abs ? abs : path);
			free(abs);
		} else if (errno == ENOENT)
			plan_key_error(d, key, "no such file");
		else
			plan_key_error(d, key, "%s", strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode))
		plan_key_error(d, key, "not a regular file");
	else if (access(path, R_OK) != 0)
		plan_key_error(d, key, "not readable: %s", strerror(errno));
}

static void check_files(const struct plan *plan, struct diag *d)
{
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (node->kernel)
			check_file(node->kernel, node->kernel_key, d);
		if (node->initrd)
			check_file(node->initrd, node->initrd_key, d);
	}
}


static void known_nodes(const struct plan *plan, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned id = 1; id < PLAN_MAX_NODES && used < len; id++)
		if (plan->nodes[id].present)
			used += (size_t)snprintf(buf + used, len - used, "%snode%u",
						 used ? ", " : "", id);
}

/* Where each guest runs: its node must be in the plan and able to hold it
 * (vCPUs no more than the node's cores, the memory of all its guests no
 * more than the node's memory less what the node keeps for itself). */
static void check_guests(const struct plan *plan, struct diag *d)
{
	uint64_t used[PLAN_MAX_NODES] = { 0 };
	bool reported[PLAN_MAX_NODES] = { false };
	char nodes[512], a[32], b[32], c[32], e[32];

	for (size_t i = 0; i < plan->guest_count; i++) {
		const struct plan_guest *g = &plan->guests[i];
		const struct plan_node *node;
		uint64_t total, reserve = PLAN_GUEST_NODE_RESERVE, avail;
		unsigned cores;

		if (g->kernel)
			check_file(g->kernel, g->kernel_key, d);
		if (g->initrd)
			check_file(g->initrd, g->initrd_key, d);
		if (g->node < 0)
			continue;
		node = &plan->nodes[g->node];
		if (!node->present) {
			known_nodes(plan, nodes, sizeof(nodes));
			if (nodes[0])
				plan_key_error(d, g->node_key,
					       "no such node in this plan "
					       "(its nodes: %s)", nodes);
			else
				plan_key_error(d, g->node_key,
					       "no such node in this plan (it "
					       "has no nodes besides node0)");
			continue;
		}
		cores = node->cpus_key ? cpuset_count(&node->cpus) : 0;
		if (cores && g->vcpus > cores)
			plan_key_error(d, g->vcpus_key,
				       "more vCPUs than the %u %s of [%s] "
				       "(cpus at line %u)",
				       cores, cores == 1 ? "CPU" : "CPUs",
				       node->section->name, node->cpus_key->line);
		for (size_t j = 0; j < i; j++) {
			const struct plan_guest *o = &plan->guests[j];

			if (o->node == g->node && g->disk && o->disk &&
			    !strcmp(g->disk, o->disk))
				plan_key_error(d, g->disk_key,
					       "already the disk of [%s] (disk "
					       "at line %u), on the same node",
					       o->section->name, o->disk_key->line);
		}
		/* a memory value that did not parse was reported already */
		if (!node->memory_count || reported[g->node] ||
		    (!g->memory_key && plan_section_key(g->section, "memory")))
			continue;
		total = plan_node_memory(node);
		avail = total > reserve ? total - reserve : 0;
		used[g->node] += g->memory;
		if (used[g->node] <= avail)
			continue;
		reported[g->node] = true;
		units_format_size(used[g->node], a, sizeof(a));
		units_format_size(avail, b, sizeof(b));
		units_format_size(total, c, sizeof(c));
		units_format_size(reserve, e, sizeof(e));
		plan_key_error(d, g->memory_key ? g->memory_key : g->node_key,
			       "the guests of [%s] up to this one need %s%s, "
			       "more than the %s it can give them (its %s "
			       "less %s it keeps for its own kernel and QEMU)",
			       node->section->name, a,
			       g->memory_key ? "" : " (this one has the "
						    "default memory)",
			       b, c, e);
	}
}

void plan_check(const struct plan *plan, struct diag *d)
{
	if (plan->src->syntax_errors)
		return;
	check_control(plan, d);
	check_node_shapes(plan, d);
	check_cpus(plan, d);
	check_overlaps(plan, d);
	check_machine_memory(plan, d);
	check_pci(plan, d);
	check_uarts(plan, d);
	check_timeouts(plan, d);
	check_files(plan, d);
	check_guests(plan, d);
}
