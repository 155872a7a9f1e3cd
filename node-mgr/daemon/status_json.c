/* shoji status: a table for people and JSON for scripts (the schema is in
 * docs/status-json.md; fields are only ever added). The caller holds
 * m->lock and the reply (cmd_lock): the text goes to the command once
 * the lock is released. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/manager.h"

#define STATUS_JSON_VERSION 1

static void json_string(struct reply *r, const char *s)
{
	char buf[1024];
	size_t len = 0;

	buf[len++] = '"';
	for (; *s && len < sizeof(buf) - 8; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"\\u%04x", ch);
		} else {
			buf[len++] = (char)ch;
		}
	}
	buf[len++] = '"';
	reply_write(r, 'o', buf, len);
}

static void cpu_list(const struct node_rec *n, const struct plan_node *pn,
		     char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < CPUSET_MAX && pn; c++)
		if (cpuset_has(&pn->cpus, c) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%u",
						 used ? "," : "", c);
	(void)n;
}

static uint64_t memory_bytes(const struct plan_node *pn)
{
	uint64_t total = 0;

	for (size_t i = 0; pn && i < pn->memory_count; i++)
		total += pn->memory[i].range.size;
	return total;
}

static bool is_up(const struct node_rec *n)
{
	return n->started_at && (n->health == H_BOOTING ||
				 n->health == H_RUNNING ||
				 n->health == H_DEGRADED);
}

static long long uptime_s(const struct node_rec *n)
{
	return is_up(n) ? (long long)(mono_ms_since(&n->started_mono) / 1000)
			: 0;
}

static long long heartbeat_age_ms(const struct node_rec *n)
{
	if (!n->page || !n->view.valid ||
	    n->view.state != SHOJI_STATE_RUNNING || !n->wanted)
		return -1;
	return (long long)mono_ms_since(&n->heartbeat_moved);
}

static void pci_text(const struct plan_node *pn, size_t i, char *buf,
		     size_t len)
{
	units_format_pci(&pn->pci[i].ref, buf, len);
}

void status_table(struct manager *m, struct reply *r)
{
	char cpus[256], mem[32];
	bool any = false;

	if (!m->plan) {
		reply_out(r, "No plan is up (shoji up PLAN).\n");
		return;
	}
	reply_out(r, "plan %s\n", m->plan_path);
	reply_out(r, "%-6s %-9s %-7s %-7s %-13s %-9s %-10s %-8s %s\n", "NODE",
		  "STATE", "CPUS", "MEMORY", "DEVICES", "UPTIME", "HEARTBEAT",
		  "RESTARTS", "LAST FAILURE");
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		const struct node_rec *n = &m->nodes[i];
		const struct plan_node *pn = plan_node_of(m, i);
		char devs[256] = "", hb[32] = "-", up[32] = "-", one[32];
		long long age = heartbeat_age_ms(n);

		if (!n->in_plan || !pn)
			continue;
		any = true;
		cpu_list(n, pn, cpus, sizeof(cpus));
		units_format_size(memory_bytes(pn), mem, sizeof(mem));
		for (size_t d = 0; d < pn->pci_count; d++) {
			pci_text(pn, d, one, sizeof(one));
			snprintf(devs + strlen(devs), sizeof(devs) - strlen(devs),
				 "%s%s", d ? "," : "",
				 strncmp(one, "0000:", 5) ? one : one + 5);
		}
		if (age >= 0)
			snprintf(hb, sizeof(hb), "%.1fs", (double)age / 1000);
		if (is_up(n))
			snprintf(up, sizeof(up), "%llds", uptime_s(n));
		reply_out(r, "node%-2u %-9s %-7s %-7s %-13s %-9s %-10s %-8u %s\n",
			  i, health_name(n->health), cpus, mem,
			  devs[0] ? devs : "-", up, hb, n->restarts,
			  n->last_failure[0] ? n->last_failure : "-");
	}
	if (!any)
		reply_out(r, "(the plan has no nodes besides node0)\n");
	if (m->guest_count) {
		reply_out(r, "\n");
		guests_table(m, r, true);
	}
}

/* The guests of node id, as a JSON array */
static void guests_json(struct manager *m, struct reply *r, unsigned id)
{
	bool first = true;

	reply_out(r, "[");
	for (size_t i = 0; i < m->guest_count; i++) {
		const struct guest_rec *g = &m->guests[i];
		const struct plan_guest *pg = guest_plan(m, g);

		if (g->node != id || !pg)
			continue;
		reply_out(r, "%s{\"name\": ", first ? "" : ", ");
		first = false;
		json_string(r, g->name);
		reply_out(r, ", \"state\": \"%s\", \"cause\": ",
			  guest_state_name(g->state));
		json_string(r, g->cause);
		reply_out(r, ", \"vcpus\": %u, \"memory_bytes\": %" PRIu64
			     ", \"autostart\": %s, \"pid\": %ld, \"disk\": ",
			  pg->vcpus, pg->memory, pg->autostart ? "true" : "false",
			  g->state == G_RUNNING ? g->pid : 0);
		json_string(r, pg->disk ? pg->disk : "");
		reply_out(r, "}");
	}
	reply_out(r, "]");
}

void status_json(struct manager *m, struct reply *r)
{
	char buf[256];
	bool first = true;

	reply_out(r, "{\"version\": %d, \"manager\": {\"pid\": %d, "
		     "\"state_dir\": ", STATUS_JSON_VERSION, (int)getpid());
	json_string(r, m->state_dir);
	reply_out(r, ", \"plan\": ");
	json_string(r, m->plan ? m->plan_path : "");
	reply_out(r, "}, \"nodes\": [");
	for (unsigned i = 1; m->plan && i < PLAN_MAX_NODES; i++) {
		const struct node_rec *n = &m->nodes[i];
		const struct plan_node *pn = plan_node_of(m, i);
		long long agent_age = -1;

		if (!n->in_plan || !pn)
			continue;
		reply_out(r, "%s\n  {\"name\": \"node%u\", \"id\": %u, \"state\": \"%s\", \"cause\": ",
			  first ? "" : ",", i, i, health_name(n->health));
		first = false;
		json_string(r, n->cause);
		reply_out(r, ", \"kernel_state\": \"%s\", \"cpus\": [",
			  n->page && n->view.valid ? ctl_state_name(n->view.state)
						   : "none");
		for (unsigned c = 0, k = 0; c < CPUSET_MAX; c++)
			if (cpuset_has(&pn->cpus, c))
				reply_out(r, "%s%u", k++ ? ", " : "", c);
		reply_out(r, "], \"memory_bytes\": %" PRIu64 ", \"memory\": [",
			  memory_bytes(pn));
		for (size_t k = 0; k < pn->memory_count; k++)
			reply_out(r, "%s{\"start\": %" PRIu64 ", \"size\": %" PRIu64 "}",
				  k ? ", " : "", pn->memory[k].range.addr,
				  pn->memory[k].range.size);
		reply_out(r, "], \"devices\": [");
		for (size_t d = 0; d < pn->pci_count; d++) {
			pci_text(pn, d, buf, sizeof(buf));
			reply_out(r, "%s", d ? ", " : "");
			json_string(r, buf);
		}
		if (n->agent_heard)
			agent_age = (long long)mono_ms_since(&n->agent_moved);
		reply_out(r, "], \"dma_confined\": %s, \"dma_faults\": %u, \"interrupts_remapped\": %s",
			  !pn->pci_count || (n->nr_pci == pn->pci_count &&
					     n->pci_confined == n->nr_pci)
				  ? "true" : "false", n->dma_faults,
			  pn->pci_count && n->nr_pci == pn->pci_count &&
					  n->pci_remapped == n->nr_pci
				  ? "true" : "false");
		reply_out(r, ", \"partitioned\": %s, \"uptime_s\": %lld, "
			     "\"heartbeat\": %" PRIu64 ", \"heartbeat_age_ms\": %lld, "
			     "\"restart_count\": %u, \"failures_in_a_row\": %u, "
			     "\"restart_policy\": \"%s\", \"restart_max\": %u, "
			     "\"last_failure\": ",
			  n->partitioned ? "true" : "false", uptime_s(n),
			  n->view.valid ? n->view.heartbeat : 0,
			  heartbeat_age_ms(n), n->restarts, n->failures,
			  pn->restart == RESTART_ON_FAILURE ? "on-failure"
							    : "never",
			  pn->restart_max);
		json_string(r, n->last_failure);
		buf[0] = '\0';
		if (n->last_failure_at) {
			struct tm tm;

			gmtime_r(&n->last_failure_at, &tm);
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		reply_out(r, ", \"last_failure_time\": ");
		json_string(r, buf);
		reply_out(r, ", \"agent\": {\"heard\": %s, \"age_ms\": %lld, "
			     "\"uptime_s\": %" PRIu64 ", \"load1\": %.2f, "
			     "\"mem_total_kb\": %" PRIu64 ", \"mem_avail_kb\": %" PRIu64
			     ", \"guests\": %u}, \"guests\": ",
			  n->agent_heard ? "true" : "false", agent_age,
			  n->report.uptime_s, n->report.load1,
			  n->report.mem_total_kb, n->report.mem_avail_kb,
			  n->report.guests);
		guests_json(m, r, i);
		reply_out(r, "}");
	}
	reply_out(r, "%s]}\n", first ? "" : "\n");
}
