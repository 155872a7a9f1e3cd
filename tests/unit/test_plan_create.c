/* shoji plan create on a fake machine under $SHOJI_SYSROOT: 8 CPUs in 4
 * cores of 2 threads, 8 GiB of RAM in three ranges with node0's kernel at
 * 16-40 MiB, an NVMe disk that holds node0's root, a NIC and a bridge. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/plan.h"
#include "plan/plan_check.h"
#include "plan/plan_create.h"

#include "check.h"
#include "fixture.h"

static char *root;

static void build_machine(void)
{
	char path[4096];

	fixture_write(root, "sys/devices/system/cpu/present", "0-7\n");
	for (unsigned cpu = 0; cpu < 8; cpu++) {
		char siblings[16], topology[96];

		snprintf(topology, sizeof(topology),
			 "sys/devices/system/cpu/cpu%u/topology/"
			 "thread_siblings_list",
			 cpu);
		snprintf(siblings, sizeof(siblings), "%u-%u\n", cpu & ~1u,
			 cpu | 1u);
		fixture_write(root, topology, siblings);
	}
	fixture_memmap_entry(root, 0, "0x0\n", "0x9fbff\n", "System RAM\n");
	fixture_memmap_entry(root, 1, "0x100000\n", "0x7fffffff\n", "System RAM\n");
	fixture_memmap_entry(root, 2, "0x100000000\n", "0x27fffffff\n", "System RAM\n");
	fixture_write(root, "proc/iomem",
		      "00000000-00000fff : Reserved\n"
		      "00001000-0009fbff : System RAM\n"
		      "00100000-7fffffff : System RAM\n"
		      "  01000000-01ffffff : Kernel code\n"
		      "  02000000-023fffff : Kernel rodata\n"
		      "  02400000-027fffff : Kernel data\n"
		      "100000000-27fffffff : System RAM\n");
	fixture_pci_device(root, "0000:00:03.0", "0x1b36\n", "0x0010\n", "0x010802\n");
	fixture_pci_device(root, "0000:00:04.0", "0x8086\n", "0x10d3\n", "0x020000\n");
	fixture_pci_device(root, "0000:00:1e.0", "0x8086\n", "0x244e\n", "0x060400\n");
	fixture_write(root, "proc/interrupts", "           CPU0\n");
	fixture_write(root, "sys/kernel/iommu_groups/7/type", "DMA\n");
	fixture_write(root, "sys/kernel/iommu_groups/7/devices/0000:00:04.0",
		      "");
	fixture_write(root, "sys/devices/pci0000:00/0000:00:03.0/nvme/nvme0/"
			    "nvme0n1/nvme0n1p1/dev",
		      "259:1\n");
	snprintf(path, sizeof(path), "%s/sys/dev/block/259:1", root);
	fixture_mkdirs(path);
	if (symlink("../../devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1/"
		    "nvme0n1p1",
		    path)) {
		perror(path);
		exit(1);
	}
	fixture_write(root, "proc/self/mountinfo",
		      "26 1 259:1 / / rw - ext4 /dev/nvme0n1p1 rw\n"
		      "27 26 259:1 /srv /srv rw - ext4 /dev/nvme0n1p1 rw\n");
	fixture_write(root, "plans/bzImage", "kernel\n");
}

/* The plan for NODES nodes (node0 keeping NODE0_MEMORY, 0: default), or
 * NULL with the failure in *failure */
static char *create(unsigned nodes, uint64_t node0_memory, char **failure)
{
	struct plan_create_opts opts = {
		.nodes = nodes,
		.node0_memory = node0_memory,
		.kernel = "bzImage",
		.command = "shoji plan create",
	};
	struct machine_facts m;
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	bool ok;

	diag_init(&d);
	ok = machine_facts_read(&m, &d);
	CHECK(ok);
	if (ok) {
		ok = plan_create(&m, &opts, out, &d);
		machine_facts_free(&m);
	}
	fclose(out);
	*failure = d.failure ? strdup(d.failure) : NULL;
	diag_free(&d);
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

/* The errors of plan_check on TEXT, as shoji prints them */
static char *check_text(const char *text)
{
	char path[4096];
	struct plan *plan;
	struct diag d;
	char *errors;

	fixture_write(root, "plans/p.ini", text);
	snprintf(path, sizeof(path), "%s/plans/p.ini", root);
	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan)
		plan_check(plan, &d);
	errors = fixture_render(&d);
	plan_free(plan);
	diag_free(&d);
	return errors;
}

static const char two_nodes[] =
	"; A plan for this machine, written by `shoji plan create`.\n"
	"; The machine: CPUs 0-7 (4 cores), 8191M of RAM in the firmware "
	"map, 3 PCI\n"
	"; functions. Check it with `shoji check --offline PLAN`, boot node0 "
	"with what\n"
	"; `shoji check --boot-params PLAN` prints, then `shoji up PLAN` "
	"(shoji-plan(5)).\n"
	"\n"
	"[machine]\n"
	"; one 4 KiB control page per node id\n"
	"control = 64K@0x100200000\n"
	"\n"
	"[node0]\n"
	"; CPU 0's core: Linux cannot take its boot CPU offline\n"
	"cpus = 0-1\n"
	"; the RAM at the bottom, with its kernel image, stays node0's\n"
	"memory = 2047M\n"
	"\n"
	"[node1]\n"
	"cpus = 2-5\n"
	"memory = 3070M@0x100400000\n"
	"lowmem = 64K@0x80000\n"
	"kernel = bzImage\n"
	"restart = on-failure\n"
	"\n"
	"[node2]\n"
	"cpus = 6-7\n"
	"memory = 3070M@0x1c0200000\n"
	"lowmem = 64K@0x70000\n"
	"kernel = bzImage\n"
	"restart = on-failure\n"
	"\n"
	"; PCI devices node0 does not need: give each to at most one node\n"
	"; (pci = ADDRESS, ...), a whole IOMMU group at once.\n"
	";   0000:00:04.0  8086:10d3  class 0200  IOMMU group 7\n"
	"\n"
	"; PCI devices node0 needs to live, which no node may get:\n"
	";   0000:00:03.0  1b36:0010  class 0108  the filesystem on / "
	"(nvme0n1p1)\n";

static void test_two_nodes(void)
{
	char *failure, *text = create(2, 0, &failure), *errors;

	CHECK(text != NULL);
	if (!text) {
		fprintf(stderr, "failure: %s\n", failure);
		free(failure);
		return;
	}
	CHECK_STR(text, two_nodes);
	errors = check_text(text);
	CHECK_STR(errors, "");
	free(errors);
	free(text);
}

/* Every count of nodes the cores allow gives a plan the check accepts,
 * with the RAM node0 asked for left to it. */
static void test_every_count(void)
{
	for (unsigned nodes = 1; nodes <= 3; nodes++) {
		char *failure, *text = create(nodes, UINT64_C(1) << 30,
					      &failure);
		char *errors;

		CHECK(text != NULL);
		if (!text) {
			fprintf(stderr, "%u nodes: %s\n", nodes, failure);
			free(failure);
			continue;
		}
		CHECK(strstr(text, "memory = 1G\n") != NULL);
		errors = check_text(text);
		CHECK_STR(errors, "");
		free(errors);
		free(text);
	}
}

static void test_too_little(void)
{
	char *failure, *text;

	text = create(4, 0, &failure);
	CHECK(text == NULL);
	CHECK_STR(failure, "this machine has 3 cores besides CPU 0's, too "
			   "few for 4 nodes of whole cores");
	free(failure);
	free(text);

	text = create(2, UINT64_C(8100) << 20, &failure);
	CHECK(text == NULL);
	CHECK_STR(failure, "with node0 keeping 8100M, 2 nodes would get less "
			   "than 64M each; ask for fewer nodes or a smaller "
			   "--node0-memory");
	free(failure);
	free(text);

	/* low RAM that ends at 128 KiB: one window (0x10000) fits */
	fixture_memmap_entry(root, 0, "0x0\n", "0x1ffff\n", "System RAM\n");
	text = create(2, 0, &failure);
	CHECK(text == NULL);
	CHECK_STR(failure, "RAM between 64 KiB and 640 KiB has room for 1 low "
			   "window of 64K, fewer than the 2 nodes");
	free(failure);
	free(text);
	fixture_memmap_entry(root, 0, "0x0\n", "0x9fbff\n", "System RAM\n");
}

int main(void)
{
	root = fixture_tempdir();
	if (setenv("SHOJI_SYSROOT", root, 1) != 0)
		return 1;
	build_machine();
	test_two_nodes();
	test_every_count();
	test_too_little();
	fixture_remove(root);
	free(root);
	return check_summary();
}
