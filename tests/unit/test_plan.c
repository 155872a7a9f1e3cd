/* Loading a plan into its typed form: values, defaults, line numbers and
 * the corners of iniparser's syntax. */
#include <stdlib.h>

#include "plan/boot_params.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

#include "check.h"
#include "fixture.h"

static char *dir;

/* Loads text as DIR/p.ini; *errors gets the rendered errors. */
static struct plan *load(const char *text, char **errors)
{
	char path[4096];
	struct diag d;
	struct plan *plan;

	fixture_write(dir, "p.ini", text);
	snprintf(path, sizeof(path), "%s/p.ini", dir);
	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan)
		plan_check(plan, &d);
	*errors = fixture_render(&d);
	diag_free(&d);
	return plan;
}

static const char full_plan[] =
	"[machine]\n"
	"cpus = 4\n"
	"memory = 4G\n"
	"control = 64K@0x7f000000\n"
	"\n"
	"[node0]\n"
	"cpus = 0\n"
	"\n"
	"[node2]\n"
	"cpus = 1-2\n"
	"memory = 512M@0x100000000, 256M@0x140000000\n"
	"lowmem = 64K@0x80000\n"
	"pci = 00:03.0, 1af4:1001\n"
	"uart = com2\n"
	"kernel = bzImage\n"
	"initrd = /dev/null\n"
	"cmdline = \"console=ttyS1; quiet\"\n"
	"restart = on-failure\n"
	"restart_max = 7\n"
	"restart_backoff = 250ms\n"
	"stop_timeout = 1m\n"
	"on_reboot = stop\n"
	"decompress = node\n";

static void test_values(void)
{
	char *errors;
	char expected_kernel[4200];
	struct plan *plan = load(full_plan, &errors);
	const struct plan_node *n;

	CHECK(plan != NULL);
	/* initrd = /dev/null is not a regular file: the one error. */
	CHECK_STR(errors, "p.ini:16: [node2] initrd = /dev/null: not a "
			  "regular file\n");
	free(errors);
	if (!plan)
		return;
	CHECK(plan->machine.cpus == 4);
	CHECK_U64(plan->machine.memory, 4 * UNITS_GIB);
	CHECK(plan->machine.has_control);
	CHECK_U64(plan->machine.control.range.addr, 0x7f000000);
	CHECK_U64(plan->machine.heartbeat_ms, PLAN_DEFAULT_HEARTBEAT_MS);
	CHECK_U64(plan->machine.hung_timeout_ms, PLAN_DEFAULT_HUNG_TIMEOUT_MS);
	CHECK_U64(plan->machine.boot_timeout_ms, PLAN_DEFAULT_BOOT_TIMEOUT_MS);
	CHECK(plan->nodes[0].present && plan->nodes[0].uart == UART_COM1);
	CHECK_U64(plan->nodes[0].node0_memory, PLAN_DEFAULT_NODE0_MEMORY);
	CHECK(!plan->nodes[1].present);
	CHECK(plan_highest_node(plan) == 2);

	n = &plan->nodes[2];
	CHECK(n->present && n->id == 2);
	CHECK(n->section->line == 9);
	CHECK(cpuset_count(&n->cpus) == 2 && cpuset_has(&n->cpus, 2));
	CHECK(n->memory_count == 2);
	CHECK_U64(n->memory[1].range.addr, 0x140000000);
	CHECK_U64(n->memory[1].range.size, 256 * UNITS_MIB);
	CHECK(n->memory[1].key->line == 11);
	CHECK(n->has_lowmem && n->lowmem.range.addr == 0x80000);
	CHECK(n->pci_count == 2 && !n->pci[0].ref.by_id && n->pci[1].ref.by_id);
	CHECK(n->uart == UART_COM2);
	snprintf(expected_kernel, sizeof(expected_kernel), "%s/bzImage", dir);
	CHECK_STR(n->kernel, expected_kernel);
	CHECK_STR(n->initrd, "/dev/null");
	CHECK_STR(n->cmdline, "console=ttyS1; quiet");
	CHECK(n->restart == RESTART_ON_FAILURE && n->restart_max == 7);
	CHECK_U64(n->restart_backoff_ms, 250);
	CHECK_U64(n->stop_timeout_ms, 60000);
	CHECK(n->on_reboot == ON_REBOOT_STOP);
	CHECK_STR(plan_on_reboot_name(n->on_reboot), "stop");
	CHECK(n->decompress == DECOMPRESS_NODE);
	CHECK_STR(plan_decompress_name(n->decompress), "node");
	plan_free(plan);
}

static void test_node_defaults(void)
{
	char *errors;
	struct plan *plan = load("[machine]\ncontrol = 8K@0x7f000000\n"
				 "[node0]\ncpus = 0\n"
				 "[node1]\ncpus = 1\n"
				 "memory = 2M@0x100000000\n"
				 "lowmem = 64K@0x80000\n"
				 "kernel = bzImage\n",
				 &errors);

	CHECK_STR(errors, "");
	free(errors);
	if (!plan)
		return;
	CHECK(plan->nodes[1].uart == UART_NONE);
	CHECK(plan->nodes[1].restart == RESTART_NEVER);
	CHECK(plan->nodes[1].restart_max == PLAN_DEFAULT_RESTART_MAX);
	CHECK_U64(plan->nodes[1].restart_backoff_ms,
		  PLAN_DEFAULT_RESTART_BACKOFF_MS);
	CHECK_U64(plan->nodes[1].stop_timeout_ms,
		  PLAN_DEFAULT_STOP_TIMEOUT_MS);
	/* a reboot asked by the node restarts it, as on a machine of its own */
	CHECK(plan->nodes[1].on_reboot == ON_REBOOT_RESTART);
	CHECK_STR(plan_on_reboot_name(plan->nodes[1].on_reboot), "restart");
	CHECK(plan->nodes[1].decompress == DECOMPRESS_NODE0);
	CHECK(plan->nodes[1].initrd == NULL && plan->nodes[1].pci_count == 0);
	CHECK_STR(plan->nodes[1].cmdline, "");
	plan_free(plan);
}

/* A '\' at the end of a line continues it; lines keep their numbers. */
static void test_continuation_lines(void)
{
	char *errors;
	struct plan *plan = load("[node0]\n"
				 "cpus = 0,\\\n"
				 "  1\n"
				 "bogus = 1\n",
				 &errors);

	CHECK_STR(errors, "p.ini:4: [node0] bogus = 1: unknown key\n");
	free(errors);
	if (!plan)
		return;
	CHECK(cpuset_count(&plan->nodes[0].cpus) == 2);
	CHECK(plan->nodes[0].cpus_key->line == 2);
	plan_free(plan);
}

static void test_duplicates_keep_last_value(void)
{
	char *errors;
	struct plan *plan = load("[node0]\ncpus = 0\ncpus = 1\n", &errors);

	CHECK_STR(errors, "p.ini:3: [node0] cpus: duplicate key (first given "
			  "at line 2)\n");
	free(errors);
	if (!plan)
		return;
	CHECK(cpuset_has(&plan->nodes[0].cpus, 1));
	CHECK(plan->nodes[0].cpus_key->line == 3);
	plan_free(plan);
}

static void test_syntax_errors_stop_the_check(void)
{
	char *errors;
	struct plan *plan = load("[node0]\ncpus\n[node1]\nfoo\n", &errors);

	CHECK(plan != NULL && plan->src->syntax_errors);
	CHECK_STR(errors,
		  "p.ini:2: syntax error: 'cpus' is not a [section] header, a "
		  "key = value line or a comment\n"
		  "p.ini:4: syntax error: 'foo' is not a [section] header, a "
		  "key = value line or a comment\n");
	free(errors);
	plan_free(plan);
}

static void test_binary_garbage(void)
{
	char *errors;
	struct plan *plan = load("[node0]\ncpus = 0\x01\x02\n\xff\xfe=\x7f\n",
				 &errors);

	CHECK(plan != NULL);
	CHECK_STR(errors, "p.ini:2: [node0] cpus = 0?" "?: '0?" "?' is not a CPU "
			  "or CPU range (expected e.g. 0,2-3)\n"
			  "p.ini:3: [node0] \xff\xfe = ?: unknown key\n");
	free(errors);
	plan_free(plan);
}

static void test_unreadable_plan(void)
{
	struct diag d;

	diag_init(&d);
	CHECK(plan_load("/no/such/plan.ini", &d) == NULL);
	CHECK(diag_failed(&d));
	CHECK_STR(d.failure, "cannot read the plan /no/such/plan.ini: No such "
			     "file or directory");
	diag_free(&d);
}

static void test_boot_params(void)
{
	char *errors, *line;
	struct plan *plan = load("[machine]\ncontrol = 8K@0x7f000000\n"
				 "[node0]\ncpus = 0\nuart = none\n"
				 "[node1]\ncpus = 1\n"
				 "memory = 1G@0x140000000, 6M@0x100000000\n"
				 "lowmem = 68K@0x80000\n"
				 "uart = com1\n"
				 "kernel = bzImage\n",
				 &errors);

	CHECK_STR(errors, "");
	free(errors);
	if (!plan)
		return;
	line = boot_params_format(plan);
	CHECK_STR(line, "memmap=68K$0x80000 memmap=8K$0x7f000000 "
			"memmap=6M$0x100000000 memmap=1G$0x140000000 "
			"no_ipi_broadcast=1");
	free(line);
	plan_free(plan);
}

int main(void)
{
	dir = fixture_tempdir();
	fixture_write(dir, "bzImage", "kernel\n");
	test_values();
	test_node_defaults();
	test_continuation_lines();
	test_duplicates_keep_last_value();
	test_syntax_errors_stop_the_check();
	test_binary_garbage();
	test_unreadable_plan();
	test_boot_params();
	fixture_remove(dir);
	free(dir);
	return check_summary();
}
