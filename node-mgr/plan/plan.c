#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ITEM_MAX 1100	/* longer than any line iniparser accepts */

/* obj is the struct that the key's section fills: struct plan_machine,
 * plan_node or plan_guest, one kind for all the parsers of a table. */
typedef void (*key_parser)(struct plan *plan, void *obj,
			   const struct plan_key *key, struct diag *d);

struct key_rule {
	const char *name;
	key_parser parse;
	bool required;
};

/* The keys of one kind of section */
struct key_table {
	const struct key_rule *rules;
	size_t count;
	/* Keys of another kind of section that this one refuses with
	 * refused_why rather than as unknown (or NULL) */
	const struct key_table *refused;
	const char *refused_why;
};

static bool has_several_items(const char *value)
{
	return strchr(value, ',') != NULL;
}

/* A whole number 1..max in key's value; false after reporting why not */
static bool parse_count(const struct plan_key *key, unsigned max,
			unsigned *out, struct diag *d)
{
	struct units_err err;
	uint64_t n;

	if (!units_parse_u64(key->value, &n, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return false;
	}
	if (n < 1 || n > max) {
		plan_key_error(d, key, "must be 1..%u", max);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

/* ---- [machine] ---- */

static void parse_machine_cpus(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;

	(void)plan;
	if (!parse_count(key, CPUSET_MAX, &m->cpus, d))
		return;
	m->cpus_key = key;
}

static void parse_machine_memory(struct plan *plan, void *obj,
				 const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;
	struct units_err err;
	uint64_t size;

	(void)plan;
	if (!units_parse_size(key->value, &size, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	if (size == 0) {
		plan_key_error(d, key, "must not be zero");
		return;
	}
	m->memory = size;
	m->memory_key = key;
}

static void parse_control(struct plan *plan, void *obj,
			  const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;
	struct units_err err;
	struct mem_range r;

	(void)plan;
	if (!units_parse_range(key->value, &r, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	m->has_control = true;
	m->control = (struct plan_range){ .range = r, .key = key };
}

static bool parse_duration_in(const struct plan_key *key, uint64_t min_ms,
			      uint64_t max_ms, uint64_t *ms, struct diag *d)
{
	struct units_err err;
	char min_text[32], max_text[32];

	if (!units_parse_duration_ms(key->value, ms, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return false;
	}
	if (*ms < min_ms || *ms > max_ms) {
		units_format_duration(min_ms, min_text, sizeof(min_text));
		units_format_duration(max_ms, max_text, sizeof(max_text));
		plan_key_error(d, key, "must be %s..%s", min_text, max_text);
		return false;
	}
	return true;
}

static void parse_heartbeat(struct plan *plan, void *obj,
			    const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;

	(void)plan;
	if (parse_duration_in(key, 10, 10000, &m->heartbeat_ms, d))
		m->heartbeat_key = key;
}

static void parse_hung_timeout(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;

	(void)plan;
	if (parse_duration_in(key, 1, 3600000, &m->hung_timeout_ms, d))
		m->hung_timeout_key = key;
}

static void parse_boot_timeout(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_machine *m = obj;

	(void)plan;
	if (parse_duration_in(key, 1000, 3600000, &m->boot_timeout_ms, d))
		m->boot_timeout_key = key;
}

/* ---- nodes ---- */

static void parse_cpus(struct plan *plan, void *obj,
		       const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	struct units_err err;

	(void)plan;
	if (!cpuset_parse(key->value, &node->cpus, &err)) {
		cpuset_clear(&node->cpus);
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	if (cpuset_empty(&node->cpus)) {
		plan_key_error(d, key, "at least one CPU is needed");
		return;
	}
	node->cpus_key = key;
}

static void parse_node0_memory(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	struct units_err err;
	uint64_t size;

	(void)plan;
	if (strchr(key->value, '@')) {
		plan_key_error(d, key, "node0's memory is the size of RAM it "
				       "needs (e.g. 1G), not a SIZE@ADDR range");
		return;
	}
	if (!units_parse_size(key->value, &size, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	if (size == 0) {
		plan_key_error(d, key, "node0 needs memory of its own");
		return;
	}
	node->node0_memory = size;
	node->memory_key = key;
}

static bool append_range(struct plan_node *node, const struct mem_range *r,
			 const struct plan_key *key, struct diag *d)
{
	struct plan_range *grown = realloc(
		node->memory, (node->memory_count + 1) * sizeof(*grown));

	if (!grown) {
		d->out_of_memory = true;
		return false;
	}
	node->memory = grown;
	node->memory[node->memory_count++] =
		(struct plan_range){ .range = *r, .key = key };
	return true;
}

static void parse_node_memory(struct plan *plan, void *obj,
			      const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	bool several = has_several_items(key->value);
	struct units_err err;
	struct list_iter it;
	char item[ITEM_MAX];

	(void)plan;
	node->memory_key = key;
	list_iter_init(&it, key->value);
	while (list_iter_next(&it, item, sizeof(item))) {
		struct mem_range r;

		if (!item[0]) {
			plan_key_error(d, key, "empty item in the list");
		} else if (!units_parse_range(item, &r, &err)) {
			if (several)
				plan_key_error(d, key, "%s: %s", item, err.msg);
			else
				plan_key_error(d, key, "%s", err.msg);
		} else if (!append_range(node, &r, key, d)) {
			return;
		}
	}
	if (key->value[0] == '\0')
		plan_key_error(d, key, "at least one SIZE@ADDR range is needed");
}

static void parse_lowmem(struct plan *plan, void *obj,
			 const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	struct units_err err;
	struct mem_range r;

	(void)plan;
	if (!units_parse_range(key->value, &r, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	node->has_lowmem = true;
	node->lowmem = (struct plan_range){ .range = r, .key = key };
}

static void parse_pci(struct plan *plan, void *obj,
		      const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	bool several = has_several_items(key->value);
	struct units_err err;
	struct list_iter it;
	char item[ITEM_MAX];

	(void)plan;
	list_iter_init(&it, key->value);
	while (list_iter_next(&it, item, sizeof(item))) {
		struct pci_ref ref;
		struct plan_pci *grown;

		if (!item[0]) {
			plan_key_error(d, key, "empty item in the list");
			continue;
		}
		if (!units_parse_pci(item, &ref, &err)) {
			if (several)
				plan_key_error(d, key, "%s: %s", item, err.msg);
			else
				plan_key_error(d, key, "%s", err.msg);
			continue;
		}
		grown = realloc(node->pci, (node->pci_count + 1) *
						   sizeof(*grown));
		if (!grown) {
			d->out_of_memory = true;
			return;
		}
		node->pci = grown;
		node->pci[node->pci_count++] =
			(struct plan_pci){ .ref = ref, .key = key };
	}
}

static const char *const uart_names[] = { "none", "com1", "com2", "com3",
					  "com4" };

const char *plan_uart_name(enum plan_uart uart)
{
	return uart_names[uart];
}

static void parse_uart(struct plan *plan, void *obj,
		       const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;

	(void)plan;
	for (size_t i = 0; i < sizeof(uart_names) / sizeof(*uart_names); i++) {
		if (strcasecmp(key->value, uart_names[i]) == 0) {
			node->uart = (enum plan_uart)i;
			node->uart_key = key;
			return;
		}
	}
	plan_key_error(d, key, "unknown UART (use com1, com2, com3, com4 or "
			       "none)");
}

static char *resolve_path(const struct plan *plan, const char *path,
			  struct diag *d)
{
	size_t len;
	char *full;

	if (path[0] == '/') {
		full = strdup(path);
	} else {
		len = strlen(plan->dir) + strlen(path) + 2;
		full = malloc(len);
		if (full)
			snprintf(full, len, "%s/%s", plan->dir, path);
	}
	if (!full)
		d->out_of_memory = true;
	return full;
}

static void parse_kernel(struct plan *plan, void *obj,
			 const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;

	if (!key->value[0]) {
		plan_key_error(d, key, "empty path");
		return;
	}
	node->kernel = resolve_path(plan, key->value, d);
	node->kernel_key = key;
}

static void parse_initrd(struct plan *plan, void *obj,
			 const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;

	if (!key->value[0]) {
		plan_key_error(d, key, "empty path (leave the key out for no "
				       "initrd)");
		return;
	}
	node->initrd = resolve_path(plan, key->value, d);
	node->initrd_key = key;
}

static void parse_cmdline(struct plan *plan, void *obj,
			  const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;

	(void)plan;
	(void)d;
	node->cmdline = key->value;
}

/* The index of key's value among the n words; -1, with why said, if it
 * is none of them */
static int word_index(const struct plan_key *key, const char *const *words,
		      size_t n, const char *why, struct diag *d)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key->value, words[i]) == 0)
			return (int)i;
	plan_key_error(d, key, "%s", why);
	return -1;
}

static void parse_restart(struct plan *plan, void *obj,
			  const struct plan_key *key, struct diag *d)
{
	/* in the order of enum plan_restart */
	static const char *const words[] = { "never", "on-failure" };
	struct plan_node *node = obj;
	int i = word_index(key, words, 2,
			   "unknown restart policy (use never or on-failure)", d);

	(void)plan;
	if (i >= 0)
		node->restart = (enum plan_restart)i;
}

static void parse_restart_max(struct plan *plan, void *obj,
			      const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;

	(void)plan;
	parse_count(key, 100, &node->restart_max, d);
}

static void parse_restart_backoff(struct plan *plan, void *obj,
				  const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	uint64_t ms;

	(void)plan;
	if (parse_duration_in(key, 0, 600000, &ms, d))
		node->restart_backoff_ms = ms;
}

static void parse_on_reboot(struct plan *plan, void *obj,
			    const struct plan_key *key, struct diag *d)
{
	/* in the order of enum plan_on_reboot */
	static const char *const words[] = { "restart", "stop" };
	struct plan_node *node = obj;
	int i = word_index(key, words, 2, "use restart or stop", d);

	(void)plan;
	if (i >= 0)
		node->on_reboot = (enum plan_on_reboot)i;
}

const char *plan_on_reboot_name(enum plan_on_reboot on_reboot)
{
	return on_reboot == ON_REBOOT_STOP ? "stop" : "restart";
}

static void parse_decompress(struct plan *plan, void *obj,
			     const struct plan_key *key, struct diag *d)
{
	/* in the order of enum plan_decompress */
	static const char *const words[] = { "node0", "node" };
	struct plan_node *node = obj;
	int i = word_index(key, words, 2, "use node0 or node", d);

	(void)plan;
	if (i >= 0)
		node->decompress = (enum plan_decompress)i;
}

const char *plan_decompress_name(enum plan_decompress decompress)
{
	return decompress == DECOMPRESS_NODE ? "node" : "node0";
}

static void parse_stop_timeout(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_node *node = obj;
	uint64_t ms;

	(void)plan;
	if (parse_duration_in(key, 100, 600000, &ms, d))
		node->stop_timeout_ms = ms;
}


/* ---- [guest.NAME] ---- */

/* Resolves . and .. as text, so that the path names the same file on a
 * node's disk, where the directories on the way may not exist. */
static void normalize_path(char *path)
{
	char *out = path, *p = path;

	while (*p) {
		char *end;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, p, len);
			out += len;
		}
		p += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

char *plan_path_absolute(const char *path)
{
	char cwd[4096], *abs = NULL;

	if (path[0] == '/')
		abs = strdup(path);
	else if (!getcwd(cwd, sizeof(cwd)) ||
		 asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	if (abs)
		normalize_path(abs);
	return abs;
}

static char *guest_path(struct plan *plan, const struct plan_key *key,
			struct diag *d)
{
	char *full;

	if (!key->value[0]) {
		plan_key_error(d, key, "empty path");
		return NULL;
	}
	full = resolve_path(plan, key->value, d);
	if (full) {
		/* compare disks as absolute paths */
		char *abs = plan_path_absolute(full);

		if (abs) {
			free(full);
			full = abs;
		}
	}
	return full;
}

static void parse_guest_node(struct plan *plan, void *obj,
			     const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;
	const char *v = key->value, *digits = v;
	unsigned long id;
	char *end;

	(void)plan;
	if (!strncmp(v, "node", 4))
		digits = v + 4;
	id = strtoul(digits, &end, 10);
	if (!*digits || *end || digits[0] < '0' || digits[0] > '9' ||
	    (digits[0] == '0' && digits[1]) || id >= PLAN_MAX_NODES) {
		plan_key_error(d, key, "not a node name (node1..node%d)",
			       PLAN_MAX_NODES - 1);
		return;
	}
	if (id == 0) {
		plan_key_error(d, key, "guests run on node1..node%d; node0 "
				       "runs the manager and hosts none",
			       PLAN_MAX_NODES - 1);
		return;
	}
	g->node = (int)id;
	g->node_key = key;
}

static void parse_guest_vcpus(struct plan *plan, void *obj,
			      const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	(void)plan;
	if (!parse_count(key, PLAN_GUEST_MAX_VCPUS, &g->vcpus, d))
		return;
	g->vcpus_key = key;
}

static void parse_guest_memory(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;
	struct units_err err;
	char min_text[32];
	uint64_t size;

	(void)plan;
	if (!units_parse_size(key->value, &size, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	if (size < PLAN_GUEST_MIN_MEMORY) {
		units_format_size(PLAN_GUEST_MIN_MEMORY, min_text,
				  sizeof(min_text));
		plan_key_error(d, key, "too small: a guest needs at least %s",
			       min_text);
		return;
	}
	if (size % UNITS_MIB) {
		plan_key_error(d, key, "must be a whole number of MiB");
		return;
	}
	g->memory = size;
	g->memory_key = key;
}

static void parse_guest_kernel(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	g->kernel = guest_path(plan, key, d);
	g->kernel_key = key;
}

static void parse_guest_initrd(struct plan *plan, void *obj,
			       const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	if (!key->value[0]) {
		plan_key_error(d, key, "empty path (leave the key out for no "
				       "initrd)");
		return;
	}
	g->initrd = guest_path(plan, key, d);
	g->initrd_key = key;
}

static void parse_guest_cmdline(struct plan *plan, void *obj,
				const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	(void)plan;
	for (const char *p = key->value; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			plan_key_error(d, key, "control characters are not "
					       "allowed");
			return;
		}
	}
	g->cmdline = key->value;
}

static void parse_guest_disk(struct plan *plan, void *obj,
			     const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	g->disk = guest_path(plan, key, d);
	g->disk_key = key;
}

static void parse_guest_disk_size(struct plan *plan, void *obj,
				  const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;
	struct units_err err;
	uint64_t size;

	(void)plan;
	if (!units_parse_size(key->value, &size, &err)) {
		plan_key_error(d, key, "%s", err.msg);
		return;
	}
	if (size < UNITS_MIB || size % UNITS_MIB) {
		plan_key_error(d, key, "must be a whole number of MiB, at "
				       "least 1M");
		return;
	}
	g->disk_size = size;
	g->disk_size_key = key;
}

static void parse_guest_autostart(struct plan *plan, void *obj,
				  const struct plan_key *key, struct diag *d)
{
	struct plan_guest *g = obj;

	(void)plan;
	if (!strcmp(key->value, "yes"))
		g->autostart = true;
	else if (!strcmp(key->value, "no"))
		g->autostart = false;
	else
		plan_key_error(d, key, "use yes or no");
}

/* ---- the keys of every kind of section ---- */

static const struct key_rule machine_rules[] = {
	{ "cpus", parse_machine_cpus, false },
	{ "memory", parse_machine_memory, false },
	{ "control", parse_control, false },
	{ "heartbeat", parse_heartbeat, false },
	{ "hung_timeout", parse_hung_timeout, false },
	{ "boot_timeout", parse_boot_timeout, false },
};

static const struct key_rule node0_rules[] = {
	{ "cpus", parse_cpus, true },
	{ "memory", parse_node0_memory, false },
	{ "uart", parse_uart, false },
};

static const struct key_rule node_rules[] = {
	{ "cpus", parse_cpus, true },
	{ "memory", parse_node_memory, true },
	{ "lowmem", parse_lowmem, true },
	{ "pci", parse_pci, false },
	{ "uart", parse_uart, false },
	{ "kernel", parse_kernel, true },
	{ "initrd", parse_initrd, false },
	{ "cmdline", parse_cmdline, false },
	{ "restart", parse_restart, false },
	{ "restart_max", parse_restart_max, false },
	{ "restart_backoff", parse_restart_backoff, false },
	{ "stop_timeout", parse_stop_timeout, false },
	{ "on_reboot", parse_on_reboot, false },
	{ "decompress", parse_decompress, false },
};

static const struct key_rule guest_rules[] = {
	{ "node", parse_guest_node, true },
	{ "vcpus", parse_guest_vcpus, false },
	{ "memory", parse_guest_memory, false },
	{ "kernel", parse_guest_kernel, true },
	{ "initrd", parse_guest_initrd, false },
	{ "cmdline", parse_guest_cmdline, false },
	{ "disk", parse_guest_disk, false },
	{ "disk_size", parse_guest_disk_size, false },
	{ "autostart", parse_guest_autostart, false },
};

#define RULE_COUNT(r) (sizeof(r) / sizeof(*(r)))

/* The names a misspelt key is compared with are gathered on the stack */
#define KEYS_MAX 14
_Static_assert(RULE_COUNT(machine_rules) <= KEYS_MAX &&
	       RULE_COUNT(node0_rules) <= KEYS_MAX &&
	       RULE_COUNT(node_rules) <= KEYS_MAX &&
	       RULE_COUNT(guest_rules) <= KEYS_MAX,
	       "a section has more than KEYS_MAX keys");

static const struct key_table machine_keys = {
	.rules = machine_rules, .count = RULE_COUNT(machine_rules)
};

static const struct key_table node_keys = {
	.rules = node_rules, .count = RULE_COUNT(node_rules)
};

static const struct key_table node0_keys = {
	.rules = node0_rules, .count = RULE_COUNT(node0_rules),
	.refused = &node_keys,
	.refused_why = "not a key of [node0] (node0 is the running kernel; "
		       "it takes only cpus, memory and uart)"
};

static const struct key_table guest_keys = {
	.rules = guest_rules, .count = RULE_COUNT(guest_rules)
};

static const struct key_rule *find_rule(const struct key_table *table,
					const char *name)
{
	for (size_t i = 0; i < table->count; i++)
		if (strcmp(table->rules[i].name, name) == 0)
			return &table->rules[i];
	return NULL;
}

static void report_unknown_key(const struct plan_key *key,
			       const struct key_table *table, struct diag *d)
{
	const char *names[KEYS_MAX];
	const char *best;

	if (table->refused && find_rule(table->refused, key->name)) {
		plan_key_error(d, key, "%s", table->refused_why);
		return;
	}
	for (size_t i = 0; i < table->count; i++)
		names[i] = table->rules[i].name;
	best = nearest_name(key->name, names, table->count);
	if (best)
		plan_key_error(d, key, "unknown key; did you mean '%s'?", best);
	else
		plan_key_error(d, key, "unknown key");
}

/* Gives each key of section s to its parser in table, with obj, the
 * section's struct; reports the keys table lacks and the required keys
 * s lacks. */
static void parse_keys(struct plan *plan, void *obj,
		       const struct plan_section *s,
		       const struct key_table *table, struct diag *d)
{
	for (size_t i = 0; i < s->key_count; i++) {
		const struct plan_key *key = s->keys[i];
		const struct key_rule *rule = find_rule(table, key->name);

		if (rule)
			rule->parse(plan, obj, key, d);
		else
			report_unknown_key(key, table, d);
	}
	for (size_t i = 0; i < table->count; i++)
		if (table->rules[i].required &&
		    !plan_section_key(s, table->rules[i].name))
			plan_section_error(d, s, "missing required key '%s'",
					   table->rules[i].name);
}

/* ---- sections ---- */

static bool guest_name_ok(const char *name)
{
	if (!*name || strlen(name) > PLAN_GUEST_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

static void parse_guest_section(struct plan *plan,
				const struct plan_section *s, struct diag *d)
{
	const char *name = s->name + 6;
	struct plan_guest *g, *grown;

	if (strncmp(s->name, "guest.", 6) || !guest_name_ok(name)) {
		plan_section_error(d, s, "a guest section is [guest.NAME], "
					 "NAME of 1 to %d letters, digits, "
					 "'-' or '_'",
				   PLAN_GUEST_NAME_MAX);
		return;
	}
	if (plan->guest_count >= PLAN_MAX_GUESTS) {
		plan_section_error(d, s, "too many guests (at most %d)",
				   PLAN_MAX_GUESTS);
		return;
	}
	grown = realloc(plan->guests, (plan->guest_count + 1) * sizeof(*grown));
	if (!grown) {
		d->out_of_memory = true;
		return;
	}
	plan->guests = grown;
	g = &plan->guests[plan->guest_count++];
	*g = (struct plan_guest){ .section = s, .node = -1, .vcpus = 1,
				  .memory = PLAN_DEFAULT_GUEST_MEMORY,
				  .disk_size = PLAN_DEFAULT_GUEST_DISK_SIZE,
				  .cmdline = "" };
	snprintf(g->name, sizeof(g->name), "%s", name);
	parse_keys(plan, g, s, &guest_keys, d);
	if (g->disk_size_key && !plan_section_key(s, "disk"))
		plan_key_error(d, g->disk_size_key, "there is no disk to size "
						    "(add disk = FILE)");
}

static void init_node(struct plan_node *node, unsigned id,
		      const struct plan_section *s)
{
	node->present = true;
	node->id = id;
	node->section = s;
	node->uart = id == 0 ? UART_COM1 : UART_NONE;
	node->node0_memory = id == 0 ? PLAN_DEFAULT_NODE0_MEMORY : 0;
	node->restart = RESTART_NEVER;
	node->restart_max = PLAN_DEFAULT_RESTART_MAX;
	node->restart_backoff_ms = PLAN_DEFAULT_RESTART_BACKOFF_MS;
	node->stop_timeout_ms = PLAN_DEFAULT_STOP_TIMEOUT_MS;
	node->on_reboot = ON_REBOOT_RESTART;
	node->decompress = DECOMPRESS_NODE0;
	node->cmdline = "";
}

/* Returns the node id of a "nodeN" name, -1 if it is not one, or -2 with
 * a reason for a malformed one. */
static int node_id_of(const char *name, const char **why)
{
	const char *digits = name + 4;
	unsigned long id = 0;

	if (strncmp(name, "node", 4) != 0 || !*digits ||
	    strspn(digits, "0123456789") != strlen(digits))
		return -1;
	if (digits[0] == '0' && digits[1]) {
		*why = "node ids are written without leading zeros";
		return -2;
	}
	if (strlen(digits) > 3 || (id = strtoul(digits, NULL, 10)) >= 64) {
		*why = "node ids are 1..63";
		return -2;
	}
	return (int)id;
}

static void report_unknown_section(const struct plan_section *s,
				   struct diag *d)
{
	const char *names[1 + PLAN_MAX_NODES];
	char node_names[PLAN_MAX_NODES][16];
	const char *best;

	names[0] = "machine";
	for (unsigned i = 0; i < PLAN_MAX_NODES; i++) {
		snprintf(node_names[i], sizeof(node_names[i]), "node%u", i);
		names[1 + i] = node_names[i];
	}
	best = nearest_name(s->name, names, 1 + PLAN_MAX_NODES);
	if (best)
		plan_section_error(d, s, "unknown section; did you mean [%s]?",
				   best);
	else
		plan_section_error(d, s, "unknown section (expected [machine], "
					 "[node0], [node1]..[node63] or "
					 "[guest.NAME])");
}

static void parse_section(struct plan *plan, const struct plan_section *s,
			  struct diag *d)
{
	const char *why = NULL;
	int id;

	if (strcmp(s->name, "machine") == 0) {
		plan->machine.section = s;
		parse_keys(plan, &plan->machine, s, &machine_keys, d);
		return;
	}
	if (strcmp(s->name, "guest") == 0 ||
	    strncmp(s->name, "guest.", 6) == 0) {
		parse_guest_section(plan, s, d);
		return;
	}
	id = node_id_of(s->name, &why);
	if (id == -2) {
		plan_section_error(d, s, "%s", why);
	} else if (id < 0) {
		report_unknown_section(s, d);
	} else {
		struct plan_node *node = &plan->nodes[id];

		init_node(node, (unsigned)id, s);
		parse_keys(plan, node, s, id == 0 ? &node0_keys : &node_keys,
			   d);
	}
}

static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

struct plan *plan_load(const char *path, struct diag *d)
{
	struct plan *plan = calloc(1, sizeof(*plan));

	if (!plan || !(plan->dir = directory_of(path))) {
		free(plan);
		diag_fail(d, "out of memory");
		return NULL;
	}
	plan->machine.heartbeat_ms = PLAN_DEFAULT_HEARTBEAT_MS;
	plan->machine.hung_timeout_ms = PLAN_DEFAULT_HUNG_TIMEOUT_MS;
	plan->machine.boot_timeout_ms = PLAN_DEFAULT_BOOT_TIMEOUT_MS;
	plan->src = plan_source_load(path, d);
	if (!plan->src) {
		plan_free(plan);
		return NULL;
	}
	if (plan->src->syntax_errors)
		return plan;
	for (size_t i = 0; i < plan->src->section_count; i++)
		parse_section(plan, plan->src->sections[i], d);
	if (!plan->nodes[0].present)
		diag_add(d, 0, "[node0]: missing required section (it names "
			       "the CPUs node0 keeps)");
	if (diag_failed(d)) {
		plan_free(plan);
		return NULL;
	}
	return plan;
}

void plan_free(struct plan *plan)
{
	if (!plan)
		return;
	for (int i = 0; i < PLAN_MAX_NODES; i++) {
		free(plan->nodes[i].memory);
		free(plan->nodes[i].pci);
		free(plan->nodes[i].kernel);
		free(plan->nodes[i].initrd);
	}
	for (size_t i = 0; i < plan->guest_count; i++) {
		free(plan->guests[i].kernel);
		free(plan->guests[i].initrd);
		free(plan->guests[i].disk);
	}
	free(plan->guests);
	plan_source_free(plan->src);
	free(plan->dir);
	free(plan);
}

unsigned plan_highest_node(const struct plan *plan)
{
	unsigned highest = 0;

	for (unsigned i = 1; i < PLAN_MAX_NODES; i++)
		if (plan->nodes[i].present)
			highest = i;
	return highest;
}

const struct plan_guest *plan_guest_named(const struct plan *plan,
					  const char *name)
{
	for (size_t i = 0; plan && i < plan->guest_count; i++)
		if (!strcmp(plan->guests[i].name, name))
			return &plan->guests[i];
	return NULL;
}

uint64_t plan_node_memory(const struct plan_node *node)
{
	uint64_t total = 0;

	for (size_t i = 0; node && i < node->memory_count; i++)
		total += node->memory[i].range.size;
	return total;
}
