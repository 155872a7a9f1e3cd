/* A node's load request from a plan, through node-mgr's plan library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_req.h"

#include "machine/numa_map.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

_Static_assert(PLAN_MAX_NODE_CPUS == SHOJI_MAX_CPUS,
	       "the plan checker's limit is the kernel's");

static const uint16_t uart_ports[] = {
	[UART_NONE] = 0, [UART_COM1] = 0x3f8, [UART_COM2] = 0x2f8,
	[UART_COM3] = 0x3e8, [UART_COM4] = 0x2e8,
};

void load_numa_from_srat(struct sl_node *n)
{
	struct sl_numa_memory *memory = NULL;
	struct sl_numa_cpu *cpus = NULL;
	struct numa_map map;
	size_t i;

	n->nr_numa_domains = 0;
	n->nr_numa_ranges = 0;
	if (numa_map_read_machine(&map))
		return;
	cpus = calloc(map.cpu_count + 1, sizeof(*cpus));
	memory = calloc(map.memory_count + 1, sizeof(*memory));
	if (cpus && memory) {
		for (i = 0; i < map.cpu_count; i++)
			cpus[i] = (struct sl_numa_cpu){
				.apic_id = map.cpus[i].apic_id,
				.domain = map.cpus[i].domain };
		for (i = 0; i < map.memory_count; i++)
			memory[i] = (struct sl_numa_memory){
				.first = map.memory[i].first,
				.last = map.memory[i].last,
				.domain = map.memory[i].domain };
		sl_node_set_numa(n, cpus, map.cpu_count, memory,
				 map.memory_count);
	}
	free(cpus);
	free(memory);
	numa_map_free(&map);
}

int load_req_from_plan(struct load_req *req, const char *path, unsigned node)
{
	struct plan *plan;
	struct diag d;
	char err[512];
	int ret = -1;

	memset(req, 0, sizeof(*req));
	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan)
		plan_check(plan, &d);
	if (!plan || diag_failed(&d)) {
		diag_print(&d, stderr, path);
		goto out;
	}
	ret = load_req_from_plan_node(req, plan, node, err, sizeof(err));
	if (ret)
		fprintf(stderr, "shoji-load: %s: %s\n", path, err);
out:
	plan_free(plan);
	diag_free(&d);
	return ret;
}

int load_req_from_plan_node(struct load_req *req, const struct plan *plan,
			    unsigned node, char *err, size_t errlen)
{
	const struct plan_node *pn;
	unsigned cpu, i;

	memset(req, 0, sizeof(*req));
	pn = node < PLAN_MAX_NODES ? &plan->nodes[node] : NULL;
	if (!pn || !pn->present) {
		snprintf(err, errlen, "the plan has no [node%u]", node);
		return -1;
	}
	if (!pn->kernel) {
		snprintf(err, errlen, "[node%u] has no kernel", node);
		return -1;
	}
	req->n.id = node;
	req->compressed = pn->decompress == DECOMPRESS_NODE;
	for (cpu = 0; cpu < CPUSET_MAX && req->n.nr_cpus < cpuset_count(&pn->cpus); cpu++) {
		if (!cpuset_has(&pn->cpus, cpu))
			continue;
		if (req->n.nr_cpus >= SHOJI_MAX_CPUS) {
			snprintf(err, errlen, "[node%u] has more than %d CPUs", node, SHOJI_MAX_CPUS);
			return -1;
		}
		req->cpus[req->n.nr_cpus++] = cpu;
	}
	if (pn->memory_count > SHOJI_MAX_RANGES || pn->pci_count > SHOJI_MAX_PCI) {
		snprintf(err, errlen, "[node%u] has too many memory ranges or PCI devices", node);
		return -1;
	}
	for (i = 0; i < pn->memory_count; i++) {
		req->n.ranges[i].start = pn->memory[i].range.addr;
		req->n.ranges[i].size = pn->memory[i].range.size;
	}
	req->n.nr_ranges = (unsigned)pn->memory_count;
	if (pn->has_lowmem) {
		req->n.lowmem.start = pn->lowmem.range.addr;
		req->n.lowmem.size = pn->lowmem.range.size;
	}
	for (i = 0; i < pn->pci_count; i++) {
		const struct pci_ref *r = &pn->pci[i].ref;

		if (r->by_id) {
			snprintf(err, errlen, "[node%u] pci: give device %04x:%04x by its bus address", node, r->vendor, r->device);
			return -1;
		}
		req->n.pci[i].seg = r->domain;
		req->n.pci[i].bus = r->bus;
		req->n.pci[i].devfn = (uint8_t)(r->dev << 3 | r->func);
	}
	req->n.nr_pci = (unsigned)pn->pci_count;
	req->n.uart_port = uart_ports[pn->uart];
	if (plan->machine.has_control) {
		req->control.start = plan->machine.control.range.addr;
		req->control.size = plan->machine.control.range.size;
	}
	snprintf(req->kernel, sizeof(req->kernel), "%s", pn->kernel);
	if (pn->initrd)
		snprintf(req->initrd, sizeof(req->initrd), "%s", pn->initrd);
	snprintf(req->cmdline, sizeof(req->cmdline), "%s", pn->cmdline ? pn->cmdline : "");
	req->describe_numa = load_numa_from_srat;
	return 0;
}
