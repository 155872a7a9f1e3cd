/* shoji status: a table for people and JSON for scripts (the schema is in
 * docs/status-json.md; fields are only ever added), of every node or of
 * one. node0 has a row of its own: what the manager knows of it is the
 * plan's [node0] and what its own kernel says (uptime, RAM). The caller
 * holds m->lock and the reply (cmd_lock): the text goes to the command
 * once the lock is released, and nothing here reads a file. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "common/text_tail.h"
#include "daemon/clock.h"
#include "daemon/guests.h"
#include "daemon/manager.h"
#include "daemon/restart_policy.h"
#include "daemon/status_json.h"

#define NODE0_CAUSE "the manager's own kernel"

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

static void cpu_list(const struct plan_node *pn, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < CPUSET_MAX && pn; c++)
		if (cpuset_has(&pn->cpus, c) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%u",
						 used ? "," : "", c);
}

/* node0: seconds since its kernel booted, and the RAM it has (a syscall
 * each, no file) */
static long long node0_uptime_s(void)
{
	struct timespec t;

	return clock_gettime(CLOCK_BOOTTIME, &t) ? 0 : (long long)t.tv_sec;
}

static uint64_t node0_memory_bytes(void)
{
	struct sysinfo si;

	return sysinfo(&si) ? 0 : (uint64_t)si.totalram * si.mem_unit;
}

/* node0's RAM is no plan's exact size: "7.6G", "912M" */
static void approx_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= UNITS_GIB)
		snprintf(buf, len, "%.1fG", (double)bytes / (double)UNITS_GIB);
	else
		snprintf(buf, len, "%" PRIu64 "M", bytes / UNITS_MIB);
}

/* "YYYY-MM-DDTHH:MM:SSZ", "" for 0 */
static void utc_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	buf[0] = '\0';
	if (t && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* When node id's state began: node0's boot for node0 */
static time_t state_since(struct manager *m, unsigned id)
{
	return id ? m->nodes[id].health_since : time(NULL) - node0_uptime_s();
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
	char cpus[256], mem[32], node0_up[32];
	bool any = false;

	if (!m->plan) {
		reply_out(r, "No plan is up (shoji up PLAN).\n");
		return;
	}
	reply_out(r, "plan %s\n", m->plan_path);
	reply_out(r, "%-6s %-9s %-7s %-7s %-13s %-9s %-10s %-8s %s\n", "NODE",
		  "STATE", "CPUS", "MEMORY", "DEVICES", "UPTIME", "HEARTBEAT",
		  "RESTARTS", "LAST FAILURE");
	cpu_list(plan_node_of(m, 0), cpus, sizeof(cpus));
	approx_size(node0_memory_bytes(), mem, sizeof(mem));
	snprintf(node0_up, sizeof(node0_up), "%llds", node0_uptime_s());
	reply_out(r, "node0  %-9s %-7s %-7s %-13s %-9s %-10s %-8s %s\n",
		  "running", cpus, mem, "-", node0_up, "-", "-", NODE0_CAUSE);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		const struct node_rec *n = &m->nodes[i];
		const struct plan_node *pn = plan_node_of(m, i);
		char devs[256] = "", hb[32] = "-", up[32] = "-", one[32];
		long long age = heartbeat_age_ms(n);

		if (!n->in_plan || !pn)
			continue;
		any = true;
		cpu_list(pn, cpus, sizeof(cpus));
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

/* node0's fields, of the same names and types as a node's */
static void node0_json_fields(struct manager *m, struct reply *r)
{
	const struct plan_node *pn = plan_node_of(m, 0);
	char since[32];

	utc_text(state_since(m, 0), since, sizeof(since));
	reply_out(r, "\"name\": \"node0\", \"id\": 0, \"role\": \"node0\", "
		     "\"state\": \"running\", \"cause\": \"" NODE0_CAUSE "\", "
		     "\"state_since\": \"%s\", \"kernel_state\": \"running\", "
		     "\"cpus\": [", since);
	for (unsigned c = 0, k = 0; pn && c < CPUSET_MAX; c++)
		if (cpuset_has(&pn->cpus, c))
			reply_out(r, "%s%u", k++ ? ", " : "", c);
	reply_out(r, "], \"memory_bytes\": %" PRIu64 ", \"memory\": [], "
		     "\"devices\": [], \"dma_confined\": true, \"dma_faults\": 0, "
		     "\"interrupts_remapped\": false, \"partitioned\": false, "
		     "\"uptime_s\": %lld, \"heartbeat\": 0, \"heartbeat_age_ms\": -1, "
		     "\"restart_count\": 0, \"failures_in_a_row\": 0, "
		     "\"restart_policy\": \"never\", \"restart_max\": 0, "
		     "\"on_reboot\": \"restart\", "
		     "\"last_failure\": \"\", \"last_failure_time\": \"\", "
		     "\"agent\": {\"heard\": false, \"age_ms\": -1, \"uptime_s\": 0, "
		     "\"load1\": 0.00, \"mem_total_kb\": 0, \"mem_avail_kb\": 0, "
		     "\"guests\": 0}, \"guests\": []",
		  node0_memory_bytes(), node0_uptime_s());
}

/* The fields of node i of the plan (pn), without the braces */
static void node_json_fields(struct manager *m, struct reply *r, unsigned i,
			     const struct plan_node *pn)
{
	const struct node_rec *n = &m->nodes[i];
	long long agent_age = -1;
	char buf[256];

	reply_out(r, "\"name\": \"node%u\", \"id\": %u, \"role\": \"node\", "
		     "\"state\": \"%s\", \"cause\": ",
		  i, i, health_name(n->health));
	json_string(r, n->cause);
	utc_text(state_since(m, i), buf, sizeof(buf));
	reply_out(r, ", \"state_since\": \"%s\", \"kernel_state\": \"%s\", \"cpus\": [",
		  buf, n->page && n->view.valid ? ctl_state_name(n->view.state)
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
		     "\"on_reboot\": \"%s\", \"last_failure\": ",
		  n->partitioned ? "true" : "false", uptime_s(n),
		  n->view.valid ? n->view.heartbeat : 0,
		  heartbeat_age_ms(n), n->restarts, n->failures,
		  pn->restart == RESTART_ON_FAILURE ? "on-failure" : "never",
		  pn->restart_max, plan_on_reboot_name(pn->on_reboot));
	json_string(r, n->last_failure);
	utc_text(n->last_failure_at, buf, sizeof(buf));
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
}

void status_json(struct manager *m, struct reply *r)
{
	reply_out(r, "{\"version\": %d, \"manager\": {\"pid\": %d, "
		     "\"state_dir\": ", STATUS_JSON_VERSION, (int)getpid());
	json_string(r, m->state_dir);
	reply_out(r, ", \"plan\": ");
	json_string(r, m->plan ? m->plan_path : "");
	reply_out(r, "}, \"nodes\": [");
	if (!m->plan) {
		reply_out(r, "]}\n");
		return;
	}
	/* one node per line, node0 first */
	reply_out(r, "\n  {");
	node0_json_fields(m, r);
	reply_out(r, "}");
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		const struct plan_node *pn = plan_node_of(m, i);

		if (!m->nodes[i].in_plan || !pn)
			continue;
		reply_out(r, ",\n  {");
		node_json_fields(m, r, i, pn);
		reply_out(r, "}");
	}
	reply_out(r, "\n]}\n");
}

/* The last `lines` lines of node n's console, as its control page holds
 * them now; *why says why there are none */
static size_t log_tail(const struct node_rec *n, unsigned lines,
		       const char **text, const char **why)
{
	static __thread struct ctl_copy copy;
	static __thread char console[SHOJI_CONTROL_SIZE + 1];
	struct ctl_view v;
	uint32_t next, lost;
	size_t len, start;

	*text = console;
	*why = NULL;
	if (!n->page) {
		*why = "it was never loaded";
		return 0;
	}
	/* a copy of a mapped page: memory only, as under m->lock it must be */
	ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
	if (!ctl_read(&copy, &v)) {
		*why = "its control page is invalid";
		return 0;
	}
	len = ctl_console(&copy, &v, 0, console, sizeof(console) - 1, &next,
			  &lost);
	start = text_tail_start(console, len, lines);
	*text = console + start;
	return len - start;
}

/* One JSON string per line of text */
static void json_lines(struct reply *r, const char *text, size_t len)
{
	char line[1024];
	bool first = true;

	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl ? (size_t)(nl - text) : len;

		snprintf(line, sizeof(line), "%.*s", (int)(l < sizeof(line) ? l : sizeof(line) - 1), text);
		reply_out(r, "%s", first ? "" : ", ");
		json_string(r, line);
		first = false;
		text += nl ? l + 1 : l;
		len -= nl ? l + 1 : l;
	}
}

static void node0_text(struct manager *m, struct reply *r)
{
	char cpus[256], mem[32], since[32];

	cpu_list(plan_node_of(m, 0), cpus, sizeof(cpus));
	approx_size(node0_memory_bytes(), mem, sizeof(mem));
	utc_text(state_since(m, 0), since, sizeof(since));
	reply_out(r, "node0: running since %s (%llds): " NODE0_CAUSE "\n",
		  since, node0_uptime_s());
	reply_out(r, "  CPUs:      %s\n", cpus[0] ? cpus : "(no plan is up)");
	reply_out(r, "  memory:    %s (what its kernel has: all RAM no node was given)\n",
		  mem);
	reply_out(r, "  devices:   every PCI device no node was given\n");
	reply_out(r, "  log:       dmesg on node0\n");
}

static void node_text(struct manager *m, struct reply *r, unsigned id,
		      const struct plan_node *pn, const char *log,
		      size_t log_len, const char *no_log, unsigned lines)
{
	const struct node_rec *n = &m->nodes[id];
	char buf[256], one[64];
	long long age = heartbeat_age_ms(n);

	utc_text(state_since(m, id), buf, sizeof(buf));
	reply_out(r, "node%u: %s since %s\n", id, health_name(n->health),
		  buf[0] ? buf : "unknown");
	reply_out(r, "  cause:     %s\n", n->cause[0] ? n->cause : "-");
	reply_out(r, "  kernel:    %s", n->page && n->view.valid
					? ctl_state_name(n->view.state) : "none");
	if (age >= 0)
		reply_out(r, ", heartbeat %" PRIu64 " (moved %.1f s ago)",
			  n->view.heartbeat, (double)age / 1000);
	if (is_up(n))
		reply_out(r, ", up %llds", uptime_s(n));
	reply_out(r, "\n");
	cpu_list(pn, buf, sizeof(buf));
	reply_out(r, "  CPUs:      %s\n", buf);
	units_format_size(memory_bytes(pn), one, sizeof(one));
	reply_out(r, "  memory:    %s", one);
	for (size_t k = 0; k < pn->memory_count; k++) {
		units_format_range(&pn->memory[k].range, buf, sizeof(buf));
		units_format_size(pn->memory[k].range.size, one, sizeof(one));
		reply_out(r, "%s%s %s", k ? ", " : ": ", one, buf);
	}
	reply_out(r, "\n");
	reply_out(r, "  devices:   ");
	for (size_t d = 0; d < pn->pci_count; d++) {
		pci_text(pn, d, one, sizeof(one));
		reply_out(r, "%s%s", d ? ", " : "", one);
	}
	if (!pn->pci_count)
		reply_out(r, "-");
	else
		reply_out(r, " (DMA %sconfined by node0's IOMMU)",
			  n->nr_pci == pn->pci_count && n->pci_confined == n->nr_pci
				  ? "" : "not ");
	reply_out(r, "\n");
	reply_out(r, "  restarts:  %u (restart = %s, restart_max %u, failures in a row: %u; on_reboot = %s)\n",
		  n->restarts,
		  pn->restart == RESTART_ON_FAILURE ? "on-failure" : "never",
		  pn->restart_max, n->failures,
		  plan_on_reboot_name(pn->on_reboot));
	utc_text(n->last_failure_at, buf, sizeof(buf));
	reply_out(r, "  last failure: %s%s%s%s\n",
		  n->last_failure[0] ? n->last_failure : "-",
		  buf[0] ? " (" : "", buf, buf[0] ? ")" : "");
	if (n->agent_heard)
		reply_out(r, "  agent:     load %.2f, %" PRIu64 " of %" PRIu64
			     " kB free, %u guest(s) running\n",
			  n->report.load1, n->report.mem_avail_kb,
			  n->report.mem_total_kb, n->report.guests);
	if (!lines)
		return;
	if (no_log) {
		reply_out(r, "\nNo log: %s.\n", no_log);
		return;
	}
	reply_out(r, "\nThe last %u lines of its log (shoji logs node%u for all):\n",
		  lines, id);
	reply_write(r, 'o', log, log_len);
	if (log_len && log[log_len - 1] != '\n')
		reply_out(r, "\n");
}

void status_node(struct manager *m, struct reply *r, unsigned id,
		 unsigned log_lines, bool json)
{
	const struct plan_node *pn = plan_node_of(m, id);
	const char *log = "", *no_log = NULL;
	size_t log_len = 0;

	if (id && pn)
		log_len = log_tail(&m->nodes[id], log_lines, &log, &no_log);
	if (!json) {
		if (!id)
			node0_text(m, r);
		else if (pn)
			node_text(m, r, id, pn, log, log_len, no_log, log_lines);
		return;
	}
	reply_out(r, "{\"version\": %d, ", STATUS_JSON_VERSION);
	if (!id)
		node0_json_fields(m, r);
	else if (pn)
		node_json_fields(m, r, id, pn);
	reply_out(r, ", \"log\": [");
	json_lines(r, log, log_len);
	reply_out(r, "]}\n");
}
