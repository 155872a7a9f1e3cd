#include "machine/machine_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/range_set.h"
#include "common/sysroot.h"
#include "machine/iommu_state.h"
#include "machine/kernel_signature.h"
#include "machine/memory_map.h"
#include "machine/node0_needs.h"
#include "machine/numa_map.h"
#include "machine/pci_devices.h"

/* The highest CPU id node0's kernel was built for (NR_CPUS - 1), or -1
 * when it does not say. */
static long kernel_max_cpu(void)
{
	char *text, *end;
	long max;

	if (sysroot_read("/sys/devices/system/cpu/kernel_max", &text))
		return -1;
	max = strtol(text, &end, 10);
	if (end == text || max < 0)
		max = -1;
	free(text);
	return max;
}

/* CPUs of a node above what node0's kernel was built for: it can neither
 * see them nor take them offline, however many the machine has. */
static bool report_above_kernel_max(const struct plan_node *node,
				    long kernel_max, struct diag *d)
{
	struct cpuset above;
	char text[128];

	if (kernel_max < 0 || kernel_max + 1 >= CPUSET_MAX)
		return false;
	cpuset_from(&above, &node->cpus, (unsigned)kernel_max + 1);
	if (cpuset_empty(&above))
		return false;
	cpuset_format(&above, text, sizeof(text));
	plan_key_error(d, node->cpus_key,
		       "%s %s %s above CPU %ld, the highest node0's kernel "
		       "was built for (NR_CPUS=%ld): boot node0 with a kernel "
		       "built for more CPUs",
		       cpuset_count(&above) == 1 ? "CPU" : "CPUs", text,
		       cpuset_count(&above) == 1 ? "is" : "are", kernel_max,
		       kernel_max + 1);
	return true;
}

bool machine_present_cpus(struct cpuset *present, struct diag *d)
{
	struct units_err err;
	char *text;
	int errnum = sysroot_read("/sys/devices/system/cpu/present", &text);

	if (errnum) {
		diag_fail(d, "cannot read /sys/devices/system/cpu/present: %s",
			  strerror(errnum));
		return false;
	}
	text[strcspn(text, "\n")] = '\0';
	if (!cpuset_parse(text, present, &err)) {
		diag_fail(d, "cannot parse /sys/devices/system/cpu/present: %s",
			  err.msg);
		free(text);
		return false;
	}
	free(text);
	return true;
}

static void check_cpus_present(const struct plan *plan, struct diag *d)
{
	long kernel_max = kernel_max_cpu();
	struct cpuset present, missing;
	char present_text[128], missing_text[128];

	if (!machine_present_cpus(&present, d))
		return;
	cpuset_format(&present, present_text, sizeof(present_text));
	for (unsigned id = 0; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		if (!node->present || !node->cpus_key ||
		    report_above_kernel_max(node, kernel_max, d))
			continue;
		cpuset_and_not(&missing, &node->cpus, &present);
		if (cpuset_empty(&missing))
			continue;
		cpuset_format(&missing, missing_text, sizeof(missing_text));
		plan_key_error(d, node->cpus_key,
			       "%s %s %s not present on this machine "
			       "(present: %s)",
			       cpuset_count(&missing) == 1 ? "CPU" : "CPUs",
			       missing_text,
			       cpuset_count(&missing) == 1 ? "is" : "are",
			       present_text);
	}
}

/* Calls fn for the control area and every node memory range and lowmem
 * window. */
static void for_each_range(const struct plan *plan,
			   void (*fn)(const struct plan_range *r, void *ctx),
			   void *ctx)
{
	if (plan->machine.has_control)
		fn(&plan->machine.control, ctx);
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		for (size_t i = 0; i < node->memory_count; i++)
			fn(&node->memory[i], ctx);
		if (node->has_lowmem)
			fn(&node->lowmem, ctx);
	}
}

struct ram_maps {
	struct range_set firmware;
	struct range_set iomem;
	struct range_set plan;
	struct diag *d;
	bool out_of_memory;
};

static void check_range_reserved(const struct plan_range *r, void *ctx)
{
	struct ram_maps *maps = ctx;
	uint64_t first = r->range.addr, last;
	char text[64], size[32];

	if (r->range.size == 0)
		return;
	last = mem_range_last(&r->range);
	units_format_range(&r->range, text, sizeof(text));
	if (!range_set_covers(&maps->firmware, first, last)) {
		plan_key_error(maps->d, r->key,
			       "%s is not RAM in the firmware map", text);
		return;
	}
	if (!range_set_overlaps(&maps->iomem, first, last))
		return;
	units_format_size(r->range.size, size, sizeof(size));
	plan_key_error(maps->d, r->key,
		       "%s is still System RAM of node0; boot node0 with "
		       "memmap=%s$0x%" PRIx64
		       " (all it needs: shoji check --boot-params)",
		       text, size, r->range.addr);
}

static void collect_plan_range(const struct plan_range *r, void *ctx)
{
	struct ram_maps *maps = ctx;

	if (r->range.size &&
	    !range_set_add(&maps->plan, r->range.addr,
			   mem_range_last(&r->range)))
		maps->out_of_memory = true;
}

static void check_node0_keeps_enough(const struct plan *plan,
				     struct ram_maps *maps)
{
	const struct plan_node *node0 = &plan->nodes[0];
	uint64_t total = range_set_total(&maps->iomem), taken = 0, left;
	char left_text[32], need_text[32];

	if (!node0->present)
		return;
	for_each_range(plan, collect_plan_range, maps);
	if (maps->out_of_memory) {
		diag_fail(maps->d, "out of memory");
		return;
	}
	range_set_normalize(&maps->plan);
	for (size_t i = 0; i < maps->plan.count; i++)
		taken += range_set_bytes_in(&maps->iomem,
					    maps->plan.spans[i].first,
					    maps->plan.spans[i].last);
	left = total - taken;
	if (left >= node0->node0_memory)
		return;
	/* Sizes in MiB: System RAM is rarely a whole number of GiB. */
	snprintf(left_text, sizeof(left_text), "%" PRIu64 "M",
		 left / UNITS_MIB);
	units_format_size(node0->node0_memory, need_text, sizeof(need_text));
	if (node0->memory_key)
		plan_key_error(maps->d, node0->memory_key,
			       "node0 would keep only %s of System RAM, less "
			       "than the %s it needs",
			       left_text, need_text);
	else
		plan_section_error(maps->d, node0->section,
				   "node0 would keep only %s of System RAM, "
				   "less than the default memory = %s",
				   left_text, need_text);
}

static void check_memory(const struct plan *plan, struct diag *d)
{
	struct ram_maps maps = { .d = d };

	range_set_init(&maps.firmware);
	range_set_init(&maps.iomem);
	range_set_init(&maps.plan);
	if (firmware_ram_read(&maps.firmware, d) &&
	    iomem_ram_read(&maps.iomem, d)) {
		for_each_range(plan, check_range_reserved, &maps);
		check_node0_keeps_enough(plan, &maps);
	}
	range_set_free(&maps.firmware);
	range_set_free(&maps.iomem);
	range_set_free(&maps.plan);
}

static bool plan_has_pci(const struct plan *plan)
{
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		if (plan->nodes[id].pci_count)
			return true;
	return false;
}

/* A device one plan entry resolved to, for finding a device given twice
 * in different forms (an id here, a bus address there). */
struct resolved {
	const struct pci_device *dev;
	const struct plan_pci *entry;
	const struct plan_node *node;
};

static void list_matches(const struct pci_device_list *list,
			 const struct pci_ref *ref, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < list->count && used + 16 < len; i++) {
		char name[32];

		if (!pci_device_matches(&list->devices[i], ref))
			continue;
		units_format_pci(&list->devices[i].address, name, sizeof(name));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "", name);
	}
}

/* Returns the one device entry names, or NULL after reporting why not. */
static const struct pci_device *resolve(const struct pci_device_list *list,
					const struct plan_pci *entry,
					struct diag *d)
{
	const struct pci_device *found = NULL;
	size_t matches = 0;
	char name[32], all[256];

	units_format_pci(&entry->ref, name, sizeof(name));
	for (size_t i = 0; i < list->count; i++) {
		if (pci_device_matches(&list->devices[i], &entry->ref)) {
			found = &list->devices[i];
			matches++;
		}
	}
	if (matches == 0) {
		plan_key_error(d, entry->key, "%s: no such PCI device", name);
		return NULL;
	}
	if (matches > 1) {
		list_matches(list, &entry->ref, all, sizeof(all));
		plan_key_error(d, entry->key,
			       "%s matches %zu devices (%s); give a bus "
			       "address instead",
			       name, matches, all);
		return NULL;
	}
	if (pci_device_is_bridge(found)) {
		units_format_pci(&found->address, all, sizeof(all));
		plan_key_error(d, entry->key,
			       "%s is a PCI bridge (class %04x); a node cannot "
			       "own a bridge",
			       all, found->class_code);
		return NULL;
	}
	return found;
}

static void check_resolved_twice(const struct resolved *done, size_t count,
				 const struct resolved *now, struct diag *d)
{
	char address[32], id[32];

	for (size_t i = 0; i < count; i++) {
		if (done[i].dev != now->dev)
			continue;
		/* The same text twice was reported without the machine. */
		if (pci_ref_equal(&done[i].entry->ref, &now->entry->ref))
			return;
		units_format_pci(&now->dev->address, address, sizeof(address));
		snprintf(id, sizeof(id), "%04x:%04x", now->dev->vendor,
			 now->dev->device);
		plan_key_error(d, now->entry->key,
			       "%s (%s) is already given to [%s] (pci at line "
			       "%u)",
			       address, id, done[i].node->section->name,
			       done[i].entry->key->line);
		return;
	}
}

static const struct pci_device *device_at(const struct pci_device_list *list,
					  const struct pci_ref *address)
{
	for (size_t i = 0; i < list->count; i++)
		if (pci_ref_equal(&list->devices[i].address, address))
			return &list->devices[i];
	return NULL;
}

/* Whether NODE's plan gives it DEV. */
static bool node_gets(const struct plan_node *node,
		      const struct pci_device *dev)
{
	for (size_t k = 0; k < node->pci_count; k++)
		if (pci_device_matches(dev, &node->pci[k].ref))
			return true;
	return false;
}

/* What node0's IOMMU would do to a device once a node drives it: with
 * remapping on, a node's MSIs arrive only through entries node0's kernel
 * lends it, which it can on Intel VT-d alone; its DMA addresses are
 * physical, which node0's kernel maps in a domain of the node's memory.
 * An IOMMU group is isolated as a whole, so it goes to one node whole
 * (bridges aside, which no node gets). */
static void check_iommu(const struct iommu_state *iommu,
			const struct pci_device_list *list,
			const struct resolved *now, struct diag *d)
{
	const struct iommu_group *group;
	char address[32], other[32];

	units_format_pci(&now->dev->address, address, sizeof(address));
	if (iommu->interrupts_remapped && iommu->amd_vi)
		plan_key_error(d, now->entry->key,
			       "%s: node0's AMD IOMMU remaps interrupts (IR- "
			       "chips in /proc/interrupts), and node0's "
			       "kernel lends remapping entries to a node only "
			       "on Intel VT-d: the device's interrupts would "
			       "never reach [%s]; boot node0 with "
			       "intremap=off, or give the node no PCI devices",
			       address, now->node->section->name);
	group = iommu_group_of(iommu, &now->dev->address);
	if (!group) {
		plan_key_warning(d, now->entry->key,
				 "%s: no IOMMU translates it (it is in no "
				 "IOMMU group), so its DMA is not confined to "
				 "[%s]'s memory and can reach all of it; turn "
				 "the IOMMU (VT-d, AMD-Vi) on in the firmware "
				 "and boot node0 with intel_iommu=on or "
				 "amd_iommu=on",
				 address, now->node->section->name);
		return;
	}
	for (size_t i = 0; i < group->device_count; i++) {
		const struct pci_ref *member = &group->devices[i];
		const struct pci_device *dev = device_at(list, member);

		if (dev == now->dev ||
		    (dev && (pci_device_is_bridge(dev) ||
			     node_gets(now->node, dev))))
			continue;
		units_format_pci(member, other, sizeof(other));
		plan_key_error(d, now->entry->key,
			       "%s shares IOMMU group %u with %s, which "
			       "[%s] does not get: give the node every "
			       "device of the group, or none",
			       address, group->id, other,
			       now->node->section->name);
	}
}

static void check_node0_needs(const struct node0_needs *needs,
			      const struct resolved *now, struct diag *d)
{
	const char *why = node0_needs_why(needs, &now->dev->address);
	char address[32];

	if (!why)
		return;
	units_format_pci(&now->dev->address, address, sizeof(address));
	plan_key_error(d, now->entry->key,
		       "%s is node0's: it carries %s; [%s] would take it from "
		       "under node0",
		       address, why, now->node->section->name);
}

static size_t count_pci(const struct plan *plan)
{
	size_t n = 0;

	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		n += plan->nodes[id].pci_count;
	return n;
}

static void check_pci(const struct plan *plan, struct diag *d)
{
	struct pci_device_list list;
	struct iommu_state iommu;
	struct node0_needs needs;
	struct resolved *done;
	size_t count = 0;
	int e;

	if (!plan_has_pci(plan) || !pci_devices_scan(&list, d))
		return;
	e = iommu_state_read(&iommu);
	if (e) {
		diag_fail(d, "cannot read what node0's IOMMU does "
			     "(/proc/interrupts, /sys/kernel/iommu_groups): %s",
			  strerror(e));
		pci_devices_free(&list);
		return;
	}
	done = calloc(count_pci(plan), sizeof(*done));
	if (!done || node0_needs_read(&needs)) {
		diag_fail(d, "out of memory");
		free(done);
		iommu_state_free(&iommu);
		pci_devices_free(&list);
		return;
	}
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];

		for (size_t i = 0; i < node->pci_count; i++) {
			struct resolved now = { .entry = &node->pci[i],
						.node = node };

			now.dev = resolve(&list, &node->pci[i], d);
			if (!now.dev)
				continue;
			check_resolved_twice(done, count, &now, d);
			check_node0_needs(&needs, &now, d);
			check_iommu(&iommu, &list, &now, d);
			done[count++] = now;
		}
	}
	free(done);
	node0_needs_free(&needs);
	iommu_state_free(&iommu);
	pci_devices_free(&list);
}

/* The APIC ID of every online CPU, from /proc/cpuinfo; -1 where unknown
 * (offline CPUs are not listed there). */
static void read_apic_ids(int64_t *apic_of, size_t count)
{
	char *text, *line, *save = NULL;
	long processor = -1;

	for (size_t i = 0; i < count; i++)
		apic_of[i] = -1;
	if (sysroot_read("/proc/cpuinfo", &text))
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *colon = strchr(line, ':');
		long value;

		if (!colon)
			continue;
		value = strtol(colon + 1, NULL, 10);
		if (!strncmp(line, "processor", 9))
			processor = value;
		else if (!strncmp(line, "apicid", 6) && processor >= 0 &&
			 (size_t)processor < count)
			apic_of[processor] = value;
	}
	free(text);
}

/* Up to 64 domains of a node's CPUs, as a bit set; more are not told. */
static uint64_t cpu_domains(const struct plan_node *node,
			    const struct numa_map *numa,
			    const int64_t *apic_of, size_t count)
{
	uint64_t domains = 0;

	for (size_t cpu = 0; cpu < count; cpu++) {
		uint32_t domain;

		if (!cpuset_has(&node->cpus, (unsigned)cpu) || apic_of[cpu] < 0 ||
		    !numa_map_cpu_domain(numa, (uint32_t)apic_of[cpu], &domain) ||
		    domain >= 64)
			continue;
		domains |= UINT64_C(1) << domain;
	}
	return domains;
}

static void format_domains(uint64_t domains, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 64 && used < len; i++)
		if (domains & (UINT64_C(1) << i))
			used += (size_t)snprintf(buf + used, len - used, "%s%u",
						 used ? ", " : "", i);
}

/*
 * A node whose memory lies in another NUMA domain than its CPUs works, but
 * every access crosses the sockets' link: warn, naming both. Without an
 * SRAT (one domain, or no ACPI) there is nothing to compare.
 */
static void check_numa(const struct plan *plan, struct diag *d)
{
	int64_t *apic_of;
	struct numa_map numa;

	if (numa_map_read_machine(&numa))
		return;
	apic_of = calloc(CPUSET_MAX, sizeof(*apic_of));
	if (!apic_of) {
		numa_map_free(&numa);
		diag_fail(d, "out of memory");
		return;
	}
	read_apic_ids(apic_of, CPUSET_MAX);
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];
		uint64_t domains;
		char cpus[128], cpu_domain_text[128];

		if (!node->present || !node->cpus_key)
			continue;
		domains = cpu_domains(node, &numa, apic_of, CPUSET_MAX);
		if (!domains)
			continue;
		cpuset_format(&node->cpus, cpus, sizeof(cpus));
		format_domains(domains, cpu_domain_text, sizeof(cpu_domain_text));
		for (size_t i = 0; i < node->memory_count; i++) {
			const struct plan_range *r = &node->memory[i];
			uint32_t domain;
			char range[64];

			if (!r->range.size ||
			    !numa_map_range_domain(&numa, r->range.addr,
						   mem_range_last(&r->range),
						   &domain) ||
			    (domain < 64 && (domains & (UINT64_C(1) << domain))))
				continue;
			units_format_range(&r->range, range, sizeof(range));
			plan_key_warning(d, r->key,
					 "%s is in NUMA domain %u, the node's "
					 "CPUs %s (cpus at line %u) in domain "
					 "%s: allowed, but every memory access "
					 "crosses sockets",
					 range, domain, cpus,
					 node->cpus_key->line, cpu_domain_text);
		}
	}
	free(apic_of);
	numa_map_free(&numa);
}

/* The kernel that gets a CPU: a node that names it, else node0 */
static unsigned cpu_owner(const struct plan *plan, unsigned cpu)
{
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++)
		if (plan->nodes[id].present &&
		    cpuset_has(&plan->nodes[id].cpus, cpu))
			return id;
	return 0;
}

bool machine_cpu_siblings(unsigned cpu, struct cpuset *siblings)
{
	char path[96], *text;
	struct units_err err;
	bool ok;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
		 cpu);
	if (sysroot_read(path, &text))
		return false;
	text[strcspn(text, "\n")] = '\0';
	ok = cpuset_parse(text, siblings, &err);
	free(text);
	return ok;
}

/*
 * SMT siblings share their core's caches, execution units and some MSRs:
 * two kernels on one core both run, but each slows the other and can time
 * it. Warn once per pair of sibling CPUs that two kernels get, on the cpus
 * key of the node (of the first node when both are nodes).
 */
static void check_smt(const struct plan *plan, struct diag *d)
{
	for (unsigned cpu = 0; cpu < CPUSET_MAX; cpu++) {
		unsigned owner = cpu_owner(plan, cpu);
		const struct plan_node *node = &plan->nodes[owner];
		struct cpuset siblings;

		if (!owner || !node->cpus_key ||
		    !machine_cpu_siblings(cpu, &siblings))
			continue;
		for (unsigned s = 0; s < CPUSET_MAX; s++) {
			unsigned other;
			char other_name[16];

			if (s == cpu || !cpuset_has(&siblings, s))
				continue;
			other = cpu_owner(plan, s);
			/* a pair of two nodes is told from its lower CPU */
			if (other == owner || (other && s < cpu))
				continue;
			snprintf(other_name, sizeof(other_name), "node%u", other);
			plan_key_warning(d, node->cpus_key,
					 "CPU %u shares its core with CPU %u of "
					 "[%s] (SMT siblings): allowed, but the "
					 "two kernels share the core's caches, "
					 "execution units and some MSRs, and "
					 "each slows the other; give [%s] whole "
					 "cores",
					 cpu, s, other_name,
					 node->section->name);
		}
	}
}

/* node0's lockdown level ("integrity"), or "" when it is not locked down
 * or has no securityfs to say so */
static void lockdown_level(char *level, size_t len)
{
	char *text = NULL, *open, *close;

	level[0] = '\0';
	if (sysroot_read("/sys/kernel/security/lockdown", &text))
		return;
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	if (close && strncmp(open, "[none]", 6))
		snprintf(level, len, "%.*s", (int)(close - open - 1), open + 1);
	free(text);
}

/* A locked-down node0 loads only a node kernel whose signature verifies:
 * say so now of one that carries none, rather than at `shoji up` */
static void check_kernel_signatures(const struct plan *plan, struct diag *d)
{
	char level[32];

	lockdown_level(level, sizeof(level));
	if (!level[0])
		return;
	for (unsigned id = 1; id < PLAN_MAX_NODES; id++) {
		const struct plan_node *node = &plan->nodes[id];
		enum kernel_signature sig;

		/* a file it cannot read has its error from plan_check */
		if (!node->kernel || kernel_signature_read(node->kernel, &sig) ||
		    sig == KERNEL_SIGNED)
			continue;
		plan_key_error(d, node->kernel_key,
			       "node0 is locked down (%s) and loads only a node "
			       "kernel whose signature its keyrings verify; this "
			       "one %s",
			       level,
			       sig == KERNEL_UNSIGNED ?
			       "carries no signature: sign it with a key node0 "
			       "trusts (sbsign --key KEY --cert CERT)" :
			       "is no PE image, which a signature needs: build "
			       "it with CONFIG_EFI_STUB and sign it");
	}
}

void machine_check(const struct plan *plan, struct diag *d)
{
	if (plan->src->syntax_errors)
		return;
	check_cpus_present(plan, d);
	if (!diag_failed(d))
		check_memory(plan, d);
	if (!diag_failed(d))
		check_pci(plan, d);
	if (!diag_failed(d))
		check_numa(plan, d);
	if (!diag_failed(d))
		check_smt(plan, d);
	check_kernel_signatures(plan, d);
}
