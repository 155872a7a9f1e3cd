/* Checks against the machine, on a fake machine under $SHOJI_SYSROOT:
 * 4 CPUs, RAM at 0-2 GiB and 4-6 GiB, node0 booted with the reservations
 * of the good plan below, and four PCI devices. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/kernel_signature.h"
#include "machine/machine_check.h"
#include "machine/memory_map.h"
#include "machine/numa_map.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

#include "check.h"
#include "fixture.h"

static char *root;

static const char iomem_reserved[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0007ffff : System RAM\n"
	"00080000-0008ffff : Reserved\n"
	"00090000-0009fbff : System RAM\n"
	"000a0000-000fffff : PCI Bus 0000:00\n"
	"00100000-7effffff : System RAM\n"
	"  01000000-01ffffff : Kernel code\n"
	"7f000000-7f00ffff : Reserved\n"
	"7f010000-7fffffff : System RAM\n"
	"100000000-11fffffff : Reserved\n"
	"120000000-17fffffff : System RAM\n";

static const char interrupts_xapic[] =
	"           CPU0       CPU1\n"
	"  0:         41          0   IO-APIC   2-edge      timer\n"
	" 24:        310          0  PCI-MSIX-0000:00:02.0   0-edge      nvme0q0\n";

static const char interrupts_remapped[] =
	"            CPU0       CPU1\n"
	"   0:         41          0  IR-IO-APIC    2-edge      timer\n"
	"  24:        310          0  IR-PCI-MSIX-0000:00:02.0    0-edge      nvme0q0\n";

static void write_iommu_group(unsigned id, const char *type,
			      const char *device)
{
	char path[128];

	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%u/type", id);
	fixture_write(root, path, type);
	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%u/devices/%s",
		 id, device);
	fixture_write(root, path, "");
}

/* An IOMMU that puts each device in a group of its own, as on a server
 * with ACS: the machine most tests check against. */
static void write_isolated_groups(void)
{
	write_iommu_group(13, "DMA-FQ\n", "0000:00:03.0");
	write_iommu_group(14, "DMA-FQ\n", "0000:00:04.0");
	write_iommu_group(15, "DMA-FQ\n", "0000:00:05.0");
}

static void build_machine(void)
{
	fixture_write(root, "sys/devices/system/cpu/present", "0-3\n");
	fixture_memmap_entry(root, 0, "0x0\n", "0x9fbff\n", "System RAM\n");
	fixture_memmap_entry(root, 1, "0x9fc00\n", "0x9ffff\n", "Reserved\n");
	fixture_memmap_entry(root, 2, "0x100000\n", "0x7fffffff\n", "System RAM\n");
	fixture_memmap_entry(root, 3, "0x100000000\n", "0x17fffffff\n",
			   "System RAM\n");
	fixture_write(root, "proc/iomem", iomem_reserved);
	fixture_pci_device(root, "0000:00:03.0", "0x1af4\n", "0x1001\n", "0x010000\n");
	fixture_pci_device(root, "0000:00:04.0", "0x1af4\n", "0x1001\n", "0x010000\n");
	fixture_pci_device(root, "0000:00:05.0", "0x1af4\n", "0x1042\n", "0x010000\n");
	fixture_pci_device(root, "0000:00:1e.0", "0x8086\n", "0x244e\n", "0x060400\n");
	fixture_write(root, "proc/interrupts", interrupts_xapic);
	write_isolated_groups();
	fixture_write(root, "plans/bzImage", "kernel\n");
}

/* Checks a plan (the [node1] section and what follows are given) fully and
 * returns the rendered errors. */
static char *check(const char *node0, const char *nodes)
{
	char path[4096], text[4096];
	struct diag d;
	struct plan *plan;
	char *errors;

	snprintf(text, sizeof(text),
		 "[machine]\ncontrol = 64K@0x7f000000\n%s%s", node0, nodes);
	fixture_write(root, "plans/p.ini", text);
	snprintf(path, sizeof(path), "%s/plans/p.ini", root);
	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan) {
		plan_check(plan, &d);
		machine_check(plan, &d);
	}
	errors = fixture_render(&d);
	plan_free(plan);
	diag_free(&d);
	return errors;
}

static const char node0[] = "[node0]\ncpus = 0\n";
static const char good_node1[] = "[node1]\ncpus = 1\n"
				 "memory = 512M@0x100000000\n"
				 "lowmem = 64K@0x80000\n"
				 "pci = 00:03.0, 1af4:1042\n"
				 "kernel = bzImage\n";

static void test_good_plan(void)
{
	char *errors = check(node0, good_node1);

	CHECK_STR(errors, "");
	free(errors);
}

static void test_cpus_not_present(void)
{
	char *errors = check(node0, "[node1]\ncpus = 2-5\n"
				    "memory = 512M@0x100000000\n"
				    "lowmem = 64K@0x80000\n"
				    "kernel = bzImage\n");

	CHECK_STR(errors, "p.ini:6: [node1] cpus = 2-5: CPUs 4-5 are not "
			  "present on this machine (present: 0-3)\n");
	free(errors);
}

static void test_not_ram(void)
{
	char *errors = check(node0, "[node1]\ncpus = 1\n"
				    "memory = 512M@0x100000000, "
				    "512M@0x200000000\n"
				    "lowmem = 64K@0x90000\n"
				    "kernel = bzImage\n");

	CHECK_STR(errors,
		  "p.ini:7: [node1] memory = 512M@0x100000000, "
		  "512M@0x200000000: 0x200000000-0x21fffffff is not RAM in "
		  "the firmware map\n"
		  "p.ini:8: [node1] lowmem = 64K@0x90000: 0x90000-0x9ffff is "
		  "not RAM in the firmware map\n");
	free(errors);
}

static void test_not_reserved(void)
{
	char *errors = check(node0, "[node1]\ncpus = 1\n"
				    "memory = 512M@0x100000000, "
				    "256M@0x120000000\n"
				    "lowmem = 64K@0x80000\n"
				    "kernel = bzImage\n");

	CHECK_STR(errors,
		  "p.ini:7: [node1] memory = 512M@0x100000000, "
		  "256M@0x120000000: 0x120000000-0x12fffffff is still System "
		  "RAM of node0; boot node0 with memmap=256M$0x120000000 (all "
		  "it needs: shoji check --boot-params)\n");
	free(errors);
}

static void test_node0_keeps_too_little(void)
{
	/* System RAM in iomem: 508K + 63K + 2031M + 16320K + 1536M, of
	 * which the node takes 1G that is not reserved yet. */
	char *errors = check("[node0]\ncpus = 0\nmemory = 3G\n",
			     "[node1]\ncpus = 1\n"
			     "memory = 512M@0x100000000, 1G@0x140000000\n"
			     "lowmem = 64K@0x80000\n"
			     "kernel = bzImage\n");

	CHECK_STR(errors,
		  "p.ini:5: [node0] memory = 3G: node0 would keep only 2559M "
		  "of System RAM, less than the 3G it needs\n"
		  "p.ini:8: [node1] memory = 512M@0x100000000, 1G@0x140000000: "
		  "0x140000000-0x17fffffff is still System RAM of node0; boot "
		  "node0 with memmap=1G$0x140000000 (all it needs: shoji check "
		  "--boot-params)\n");
	free(errors);
}

static void test_pci(void)
{
	char *errors = check(node0, "[node1]\ncpus = 1\n"
				    "memory = 512M@0x100000000\n"
				    "lowmem = 64K@0x80000\n"
				    "pci = 1af4:1001, 00:1e.0, 00:07.0, 00:05.0\n"
				    "kernel = bzImage\n"
				    "[node2]\ncpus = 2\n"
				    "memory = 2M@0x17fe00000\n"
				    "lowmem = 64K@0x70000\n"
				    "pci = 1af4:1042\n"
				    "kernel = bzImage\n");

	CHECK_STR(errors,
		  "p.ini:9: [node1] pci = 1af4:1001, 00:1e.0, 00:07.0, 00:05.0: "
		  "1af4:1001 matches 2 devices (0000:00:03.0, 0000:00:04.0); "
		  "give a bus address instead\n"
		  "p.ini:9: [node1] pci = 1af4:1001, 00:1e.0, 00:07.0, 00:05.0: "
		  "0000:00:1e.0 is a PCI bridge (class 0604); a node cannot own "
		  "a bridge\n"
		  "p.ini:9: [node1] pci = 1af4:1001, 00:1e.0, 00:07.0, 00:05.0: "
		  "0000:00:07.0: no such PCI device\n"
		  "p.ini:13: [node2] memory = 2M@0x17fe00000: "
		  "0x17fe00000-0x17fffffff is still System RAM of node0; boot "
		  "node0 with memmap=2M$0x17fe00000 (all it needs: shoji check "
		  "--boot-params)\n"
		  "p.ini:14: [node2] lowmem = 64K@0x70000: 0x70000-0x7ffff is "
		  "still System RAM of node0; boot node0 with "
		  "memmap=64K$0x70000 (all it needs: shoji check "
		  "--boot-params)\n"
		  "p.ini:15: [node2] pci = 1af4:1042: 0000:00:05.0 (1af4:1042) "
		  "is already given to [node1] (pci at line 9)\n");
	free(errors);
}

static void test_pci_unreadable(void)
{
	char path[4200];
	char *errors;

	fixture_write(root, "sys/bus/pci/devices/0000:00:09.0/vendor",
		      "0x1234\n");
	errors = check(node0, good_node1);
	CHECK(errors && strstr(errors, "shoji: cannot list PCI devices: ") &&
	      strstr(errors, "0000:00:09.0/device"));
	free(errors);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:00:09.0",
		 root);
	fixture_remove(path);
}

static void test_iomem_needs_root(void)
{
	char *errors;

	fixture_write(root, "proc/iomem",
		      "00000000-00000000 : Reserved\n"
		      "00000000-00000000 : System RAM\n");
	errors = check(node0, good_node1);
	CHECK_STR(errors, "shoji: /proc/iomem shows every address as zero: "
			  "checking a plan against the machine needs root (or "
			  "use --offline)\n");
	free(errors);
	fixture_write(root, "proc/iomem", iomem_reserved);
}

static void test_no_firmware_map(void)
{
	char path[4200], moved[4200];
	char *errors;

	snprintf(path, sizeof(path), "%s/sys/firmware/memmap", root);
	snprintf(moved, sizeof(moved), "%s/sys/firmware/memmap.away", root);
	if (rename(path, moved) != 0) {
		perror("rename");
		check_failed++;
		return;
	}
	errors = check(node0, good_node1);
	CHECK(errors && strstr(errors, "shoji: cannot read the firmware "
				       "memory map "));
	free(errors);
	if (rename(moved, path) != 0)
		perror("rename");
}

static void test_iomem_parse(void)
{
	struct range_set ram;
	bool all_zero;

	range_set_init(&ram);
	CHECK(iomem_parse("garbage\n 1-2 : System RAM\nzz-1 : x\n"
			  "100000000-1ffffffff : System RAM",
			  &ram, &all_zero));
	CHECK(!all_zero);
	range_set_normalize(&ram);
	CHECK(ram.count == 2);
	CHECK_U64(range_set_total(&ram), 2 + 0x100000000);
	CHECK(range_set_covers(&ram, 0x100000000, 0x1ffffffff));
	CHECK(!range_set_covers(&ram, 0x100000000, 0x200000000));
	CHECK(range_set_overlaps(&ram, 0, 1));
	CHECK_U64(range_set_bytes_in(&ram, 0, 0x100000fff), 0x1002);
	range_set_free(&ram);
	CHECK(range_set_add(&ram, 0, UINT64_MAX));
	CHECK(range_set_add(&ram, 5, 6));
	range_set_normalize(&ram);
	CHECK(ram.count == 1);
	CHECK_U64(range_set_total(&ram), UINT64_MAX);
	range_set_free(&ram);
}

/* An SRAT assembled entry by entry, little-endian as ACPI has it. */
struct srat {
	unsigned char bytes[512];
	size_t len;
};

static void put(struct srat *t, size_t at, uint64_t value, int size)
{
	for (int i = 0; i < size; i++)
		t->bytes[at + (size_t)i] = (unsigned char)(value >> (8 * i));
}

static void srat_begin(struct srat *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->bytes, "SRAT", 4);
	t->len = 48;
}

static void srat_end(struct srat *t)
{
	put(t, 4, t->len, 4);
}

static void srat_local_apic(struct srat *t, uint8_t apic, uint32_t domain,
			    bool enabled)
{
	unsigned char *e = t->bytes + t->len;

	e[0] = 0;
	e[1] = 16;
	e[2] = (unsigned char)domain;
	e[3] = apic;
	put(t, t->len + 4, enabled, 4);
	put(t, t->len + 9, domain >> 8, 3);
	t->len += 16;
}

static void srat_x2apic(struct srat *t, uint32_t apic, uint32_t domain)
{
	t->bytes[t->len] = 2;
	t->bytes[t->len + 1] = 24;
	put(t, t->len + 4, domain, 4);
	put(t, t->len + 8, apic, 4);
	put(t, t->len + 12, 1, 4);
	t->len += 24;
}

static void srat_memory(struct srat *t, uint64_t base, uint64_t length,
			uint32_t domain)
{
	t->bytes[t->len] = 1;
	t->bytes[t->len + 1] = 40;
	put(t, t->len + 2, domain, 4);
	put(t, t->len + 8, base, 8);
	put(t, t->len + 16, length, 8);
	put(t, t->len + 28, 1, 4);
	t->len += 40;
}

/* Two sockets: APIC IDs 0-1 and RAM 0-2 GiB, 4-5 GiB in domain 0; APIC
 * IDs 2-3 and RAM 5-6 GiB in domain 1; APIC ID 9 disabled. */
static void build_two_sockets(struct srat *t)
{
	srat_begin(t);
	srat_local_apic(t, 0, 0, true);
	srat_x2apic(t, 1, 0);
	srat_local_apic(t, 2, 1, true);
	srat_local_apic(t, 3, 1, true);
	srat_local_apic(t, 9, 1, false);
	srat_memory(t, 0, 0x80000000, 0);
	srat_memory(t, 0x100000000, 0x40000000, 0);
	srat_memory(t, 0x140000000, 0x40000000, 1);
	srat_end(t);
}

static void test_srat_parse(void)
{
	struct srat t;
	struct numa_map map;
	uint32_t domain = 99;

	build_two_sockets(&t);
	CHECK(numa_map_parse_srat(t.bytes, t.len, &map) == 0);
	CHECK(map.cpu_count == 4);
	CHECK(map.memory_count == 3);
	CHECK(numa_map_cpu_domain(&map, 1, &domain) && domain == 0);
	CHECK(numa_map_cpu_domain(&map, 3, &domain) && domain == 1);
	CHECK(!numa_map_cpu_domain(&map, 9, &domain));
	CHECK(numa_map_range_domain(&map, 0x100000000, 0x11fffffff, &domain) &&
	      domain == 0);
	CHECK(numa_map_range_domain(&map, 0x140000000, 0x17fffffff, &domain) &&
	      domain == 1);
	/* across the domains, and partly outside every entry */
	CHECK(!numa_map_range_domain(&map, 0x120000000, 0x15fffffff, &domain));
	CHECK(!numa_map_range_domain(&map, 0x170000000, 0x18fffffff, &domain));
	numa_map_free(&map);

	/* not an SRAT; a length past the data; an entry past the table */
	CHECK(numa_map_parse_srat((const unsigned char *)"APIC", 4, &map) ==
	      -EINVAL);
	CHECK(numa_map_parse_srat(t.bytes, t.len - 1, &map) == -EINVAL);
	t.bytes[48 + 1] = 200;
	CHECK(numa_map_parse_srat(t.bytes, t.len, &map) == -EINVAL);
	t.bytes[48 + 1] = 0;
	CHECK(numa_map_parse_srat(t.bytes, t.len, &map) == -EINVAL);
}

static void test_numa_warning(void)
{
	struct srat t;
	char path[4096];
	char *errors;

	build_two_sockets(&t);
	fixture_write_bytes(root, "sys/firmware/acpi/tables/SRAT", t.bytes, t.len);
	fixture_write(root, "proc/cpuinfo",
		      "processor\t: 0\napicid\t\t: 0\n\n"
		      "processor\t: 1\napicid\t\t: 1\n\n"
		      "processor\t: 2\napicid\t\t: 2\n\n"
		      "processor\t: 3\napicid\t\t: 3\n\n");

	/* CPU 1 and 4-5 GiB: both in domain 0 */
	errors = check(node0, good_node1);
	CHECK_STR(errors, "");
	free(errors);

	/* CPU 2 in domain 1, its memory in domain 0: allowed, said */
	errors = check(node0, "[node1]\ncpus = 2\n"
			      "memory = 512M@0x100000000\n"
			      "lowmem = 64K@0x80000\n"
			      "kernel = bzImage\n");
	CHECK_STR(errors,
		  "p.ini:7: warning: [node1] memory = 512M@0x100000000: "
		  "0x100000000-0x11fffffff is in NUMA "
		  "domain 0, the node's CPUs 2 (cpus at line 6) in domain 1: "
		  "allowed, but every memory access crosses sockets\n");
	free(errors);

	snprintf(path, sizeof(path), "%s/sys/firmware/acpi/tables/SRAT", root);
	unlink(path);
}

static void test_iommu(void)
{
	char path[4096];
	char *errors;

	/* No IOMMU groups and no remapping: the node runs, its DMA
	 * unconfined */
	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", root);
	fixture_remove(path);
	errors = check(node0, good_node1);
	CHECK_STR(errors,
		  "p.ini:9: warning: [node1] pci = 00:03.0, 1af4:1042: "
		  "0000:00:03.0: no IOMMU translates it (it is in no IOMMU "
		  "group), so its DMA is not confined to [node1]'s memory and "
		  "can reach all of it; turn the IOMMU (VT-d, AMD-Vi) on in "
		  "the firmware and boot node0 with intel_iommu=on or "
		  "amd_iommu=on\n"
		  "p.ini:9: warning: [node1] pci = 00:03.0, 1af4:1042: "
		  "0000:00:05.0: no IOMMU translates it (it is in no IOMMU "
		  "group), so its DMA is not confined to [node1]'s memory and "
		  "can reach all of it; turn the IOMMU (VT-d, AMD-Vi) on in "
		  "the firmware and boot node0 with intel_iommu=on or "
		  "amd_iommu=on\n");
	free(errors);

	write_isolated_groups();
	fixture_write(root, "proc/interrupts", interrupts_remapped);
	/* Intel VT-d remaps: node0's kernel lends the node entries */
	fixture_write(root, "sys/class/iommu/dmar0/uevent", "");
	errors = check(node0, good_node1);
	CHECK_STR(errors, "");
	free(errors);
	/* AMD-Vi remaps: it cannot */
	fixture_write(root, "sys/class/iommu/ivhd0/uevent", "");
	errors = check(node0, good_node1);
	CHECK_STR(errors,
		  "p.ini:9: [node1] pci = 00:03.0, 1af4:1042: 0000:00:03.0: "
		  "node0's AMD IOMMU remaps interrupts (IR- chips in "
		  "/proc/interrupts), and node0's kernel lends remapping "
		  "entries to a node only on Intel VT-d: the device's "
		  "interrupts would never reach [node1]; boot node0 with "
		  "intremap=off, or give the node no PCI devices\n"
		  "p.ini:9: [node1] pci = 00:03.0, 1af4:1042: 0000:00:05.0: "
		  "node0's AMD IOMMU remaps interrupts (IR- chips in "
		  "/proc/interrupts), and node0's kernel lends remapping "
		  "entries to a node only on Intel VT-d: the device's "
		  "interrupts would never reach [node1]; boot node0 with "
		  "intremap=off, or give the node no PCI devices\n");
	free(errors);
	{
		char class_dir[4096];

		snprintf(class_dir, sizeof(class_dir), "%s/sys/class/iommu",
			 root);
		fixture_remove(class_dir);
	}
	fixture_write(root, "proc/interrupts", interrupts_xapic);

	/* 00:03.0 alone in a translated group: the node gets its own
	 * domain. 00:05.0 with 00:04.0, which node1 does not get, and a
	 * bridge, which does not count */
	fixture_remove(path);
	write_iommu_group(3, "DMA-FQ\n", "0000:00:03.0");
	write_iommu_group(4, "identity\n", "0000:00:05.0");
	write_iommu_group(4, "identity\n", "0000:00:04.0");
	write_iommu_group(4, "identity\n", "0000:00:1e.0");
	errors = check(node0, good_node1);
	CHECK_STR(errors,
		  "p.ini:9: [node1] pci = 00:03.0, 1af4:1042: 0000:00:05.0 "
		  "shares IOMMU group 4 with 0000:00:04.0, which [node1] does "
		  "not get: give the node every device of the group, or "
		  "none\n");
	free(errors);

	/* every device of each group: good, whatever their domains */
	errors = check(node0, "[node1]\ncpus = 1\n"
			      "memory = 512M@0x100000000\n"
			      "lowmem = 64K@0x80000\n"
			      "pci = 00:03.0, 00:04.0, 00:05.0\n"
			      "kernel = bzImage\n");
	CHECK_STR(errors, "");
	free(errors);

	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", root);
	fixture_remove(path);
	write_isolated_groups();
}

static void write_siblings(unsigned cpu, const char *list)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
		 cpu);
	fixture_write(root, path, list);
}

/* Two cores of two threads each: CPUs 0-1 and 2-3 */
static void test_smt_split(void)
{
	static const char node1_core[] = "[node1]\ncpus = 2-3\n"
					 "memory = 512M@0x100000000\n"
					 "lowmem = 64K@0x80000\n"
					 "pci = 00:03.0, 1af4:1042\n"
					 "kernel = bzImage\n";
	static const char two_nodes[] = "[node1]\ncpus = 1,3\n"
					"memory = 256M@0x100000000\n"
					"lowmem = 64K@0x80000\n"
					"kernel = bzImage\n"
					"[node2]\ncpus = 2\n"
					"memory = 256M@0x110000000\n"
					"lowmem = 64K@0x70000\n"
					"kernel = bzImage\n";
	char path[4096], *errors;

	write_siblings(0, "0-1\n");
	write_siblings(1, "0-1\n");
	write_siblings(2, "2-3\n");
	write_siblings(3, "2-3\n");

	/* node1 on CPU 1, node0 on its sibling CPU 0 */
	errors = check(node0, good_node1);
	CHECK_STR(errors,
		  "p.ini:6: warning: [node1] cpus = 1: CPU 1 shares its core "
		  "with CPU 0 of [node0] (SMT siblings): allowed, but the two "
		  "kernels share the core's caches, execution units and some "
		  "MSRs, and each slows the other; give [node1] whole cores\n");
	free(errors);

	/* a whole core: nothing to say */
	errors = check(node0, node1_core);
	CHECK_STR(errors, "");
	free(errors);

	/* node1 and node2 split core 2-3 (told once) and node1 shares
	 * node0's core; node0 reserved a low window for node2 too */
	fixture_write(root, "proc/iomem",
		      "00000000-00000fff : Reserved\n"
		      "00001000-0006ffff : System RAM\n"
		      "00070000-0008ffff : Reserved\n"
		      "00090000-0009fbff : System RAM\n"
		      "00100000-7effffff : System RAM\n"
		      "7f000000-7f00ffff : Reserved\n"
		      "7f010000-7fffffff : System RAM\n"
		      "100000000-11fffffff : Reserved\n"
		      "120000000-17fffffff : System RAM\n");
	errors = check(node0, two_nodes);
	CHECK_STR(errors,
		  "p.ini:6: warning: [node1] cpus = 1,3: CPU 1 shares its "
		  "core with CPU 0 of [node0] (SMT siblings): allowed, but the "
		  "two kernels share the core's caches, execution units and "
		  "some MSRs, and each slows the other; give [node1] whole "
		  "cores\n"
		  "p.ini:11: warning: [node2] cpus = 2: CPU 2 shares its core "
		  "with CPU 3 of [node1] (SMT siblings): allowed, but the two "
		  "kernels share the core's caches, execution units and some "
		  "MSRs, and each slows the other; give [node2] whole cores\n");
	free(errors);
	fixture_write(root, "proc/iomem", iomem_reserved);

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu0", root);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		path[strlen(path) - 1] = (char)('0' + cpu);
		fixture_remove(path);
	}
}

/* root/relative -> target, creating directories */
static void write_link(const char *relative, const char *target)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, relative);
	fixture_mkdirs(path);
	if (symlink(target, path) != 0) {
		perror(path);
		exit(1);
	}
}

/*
 * node0's root filesystem on an NVMe partition (00:03.0), its /srv on
 * device mapper over md over a partition of 00:04.0 and a swap partition
 * there too, its console on a PCI serial card (00:05.0) and its default
 * route on a bond over a NIC of 00:05.0: none of them can go to a node.
 */
static void test_node0_needs(void)
{
	static const char nvme[] = "sys/devices/pci0000:00/0000:00:03.0/"
				   "nvme/nvme0/nvme0n1";
	static const char sata[] = "sys/devices/pci0000:00/0000:00:04.0/"
				   "ata1/host0/target0:0:0/0:0:0:0/block/sda";
	static const char card[] = "sys/devices/pci0000:00/0000:00:05.0";
	static const char *const written[] = {
		"proc/self", "proc/swaps", "proc/net", "sys/class", "sys/dev",
		"sys/devices/virtual", "sys/devices/pci0000:00",
	};
	char path[4096], *errors;

	snprintf(path, sizeof(path), "%s/nvme0n1p2/dev", nvme);
	fixture_write(root, path, "259:2\n");
	write_link("sys/dev/block/259:2",
		   "../../devices/pci0000:00/0000:00:03.0/nvme/nvme0/nvme0n1/"
		   "nvme0n1p2");
	snprintf(path, sizeof(path), "%s/sda1/dev", sata);
	fixture_write(root, path, "8:1\n");
	snprintf(path, sizeof(path), "%s/sda2/dev", sata);
	fixture_write(root, path, "8:2\n");
	write_link("sys/class/block/sda1",
		   "../../devices/pci0000:00/0000:00:04.0/ata1/host0/"
		   "target0:0:0/0:0:0:0/block/sda/sda1");
	write_link("sys/class/block/sda2",
		   "../../devices/pci0000:00/0000:00:04.0/ata1/host0/"
		   "target0:0:0/0:0:0:0/block/sda/sda2");
	fixture_write(root, "sys/devices/virtual/block/md0/slaves/sda1", "");
	fixture_write(root, "sys/devices/virtual/block/dm-0/slaves/md0", "");
	write_link("sys/class/block/md0", "../../devices/virtual/block/md0");
	write_link("sys/dev/block/253:0", "../../devices/virtual/block/dm-0");
	fixture_write(root, "dev/sda2", "");
	fixture_write(root, "proc/self/mountinfo",
		      "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
		      "26 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n"
		      "30 26 253:0 / /srv rw - xfs /dev/mapper/srv rw\n");
	fixture_write(root, "proc/swaps",
		      "Filename\tType\t\tSize\tUsed\tPriority\n"
		      "/dev/sda2\tpartition\t4194300\t0\t-2\n"
		      "/swapfile\tfile\t\t1048572\t0\t-3\n");
	snprintf(path, sizeof(path), "%s/tty/ttyS4/dev", card);
	fixture_write(root, path, "4:68\n");
	write_link("sys/class/tty/ttyS4",
		   "../../devices/pci0000:00/0000:00:05.0/tty/ttyS4");
	write_link("sys/devices/pci0000:00/0000:00:05.0/tty/ttyS4/device",
		   "../../../0000:00:05.0");
	fixture_write(root, "sys/class/tty/console/active", "tty0 ttyS4\n");
	write_link("sys/class/net/eth0/device",
		   "../../../devices/pci0000:00/0000:00:05.0");
	write_link("sys/class/net/bond0/lower_eth0", "../eth0");
	fixture_write(root, "proc/net/route",
		      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\t"
		      "Metric\tMask\t\tMTU\tWindow\tIRTT\n"
		      "bond0\t00000000\t0102000A\t0003\t0\t0\t0\t"
		      "00000000\t0\t0\t0\n"
		      "bond0\t0002000A\t00000000\t0001\t0\t0\t0\t"
		      "00FFFFFF\t0\t0\t0\n");

	errors = check(node0, "[node1]\ncpus = 1\n"
				    "memory = 512M@0x100000000\n"
				    "lowmem = 64K@0x80000\n"
				    "pci = 00:03.0, 00:04.0, 00:05.0\n"
				    "kernel = bzImage\n");
	CHECK_STR(errors,
		  "p.ini:9: [node1] pci = 00:03.0, 00:04.0, 00:05.0: "
		  "0000:00:03.0 is node0's: it carries the filesystem on / "
		  "(nvme0n1p2); [node1] would take it from under node0\n"
		  "p.ini:9: [node1] pci = 00:03.0, 00:04.0, 00:05.0: "
		  "0000:00:04.0 is node0's: it carries the filesystem on /srv "
		  "(dm-0), swap (sda2); [node1] would take it from under "
		  "node0\n"
		  "p.ini:9: [node1] pci = 00:03.0, 00:04.0, 00:05.0: "
		  "0000:00:05.0 is node0's: it carries the console (ttyS4), "
		  "the default route (bond0); [node1] would take it from "
		  "under node0\n");
	free(errors);

	/* what node0 does not use still goes to a node */
	fixture_write(root, "proc/self/mountinfo",
		      "26 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n");
	fixture_write(root, "proc/swaps", "Filename\tType\n");
	fixture_write(root, "sys/class/tty/console/active", "tty0\n");
	fixture_write(root, "proc/net/route", "Iface\tDestination\n");
	errors = check(node0, "[node1]\ncpus = 1\n"
				    "memory = 512M@0x100000000\n"
				    "lowmem = 64K@0x80000\n"
				    "pci = 00:04.0, 00:05.0\n"
				    "kernel = bzImage\n");
	CHECK_STR(errors, "");
	free(errors);

	for (size_t i = 0; i < sizeof(written) / sizeof(*written); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, written[i]);
		fixture_remove(path);
	}
}

/* CPUs node0's kernel cannot see, however many the machine has */
static void test_above_kernel_max(void)
{
	char path[4096], *errors;

	fixture_write(root, "sys/devices/system/cpu/kernel_max", "1\n");
	errors = check(node0, good_node1);
	CHECK_STR(errors, "");
	free(errors);
	errors = check(node0, "[node1]\ncpus = 1-3\n"
				    "memory = 512M@0x100000000\n"
				    "lowmem = 64K@0x80000\n"
				    "kernel = bzImage\n");
	CHECK_STR(errors,
		  "p.ini:6: [node1] cpus = 1-3: CPUs 2-3 are above CPU 1, the "
		  "highest node0's kernel was built for (NR_CPUS=2): boot "
		  "node0 with a kernel built for more CPUs\n");
	free(errors);
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/kernel_max",
		 root);
	fixture_remove(path);
}

/* A bzImage's PE headers as the EFI stub lays them out, with a
 * certificate table of sig_len bytes at the end of a 8 KiB file */
static void write_pe_kernel(const char *relative, uint32_t sig_len)
{
	unsigned char image[8192 + 64] = { 'M', 'Z' };
	unsigned char *opt = image + 0x80 + 4 + 20;
	const uint32_t pe = 0x80, dirs = 6, at = 8192;

	memcpy(image + 0x3c, &pe, 4);
	memcpy(image + pe, "PE\0\0", 4);
	opt[0] = 0x0b;
	opt[1] = 0x02;
	memcpy(opt + 108, &dirs, 4);
	memcpy(opt + 112 + 8 * 4, &at, 4);
	memcpy(opt + 112 + 8 * 4 + 4, &sig_len, 4);
	fixture_write_bytes(root, relative, image, at + sig_len);
}

static void test_kernel_signature(void)
{
	char path[4096], *errors;
	static const char signed_node1[] = "[node1]\ncpus = 1\n"
					   "memory = 512M@0x100000000\n"
					   "lowmem = 64K@0x80000\n"
					   "kernel = signed\n";
	static const char unsigned_node1[] = "[node1]\ncpus = 1\n"
					     "memory = 512M@0x100000000\n"
					     "lowmem = 64K@0x80000\n"
					     "kernel = unsigned\n";

	/* headers cut short, or pointing past what was read */
	CHECK(kernel_signature_of((const unsigned char *)"MZ", 2, 2) ==
	      KERNEL_NOT_PE);
	{
		unsigned char head[0x40] = { 'M', 'Z' };

		head[0x3c] = 0x3c;
		CHECK(kernel_signature_of(head, sizeof(head), 1 << 20) ==
		      KERNEL_NOT_PE);
		head[0x3d] = 0x10;
		CHECK(kernel_signature_of(head, sizeof(head), 1 << 20) ==
		      KERNEL_NOT_PE);
	}
	write_pe_kernel("plans/signed", 64);
	write_pe_kernel("plans/unsigned", 0);
	/* not locked down: nothing to say, signed or not */
	errors = check(node0, unsigned_node1);
	CHECK_STR(errors, "");
	free(errors);
	fixture_write(root, "sys/kernel/security/lockdown",
		      "[none] integrity confidentiality\n");
	errors = check(node0, good_node1);
	CHECK_STR(errors, "");
	free(errors);

	fixture_write(root, "sys/kernel/security/lockdown",
		      "none [integrity] confidentiality\n");
	errors = check(node0, signed_node1);
	CHECK_STR(errors, "");
	free(errors);
	errors = check(node0, unsigned_node1);
	CHECK_STR(errors,
		  "p.ini:9: [node1] kernel = unsigned: node0 is locked down "
		  "(integrity) and loads only a node kernel whose signature "
		  "its keyrings verify; this one carries no signature: sign "
		  "it with a key node0 trusts (sbsign --key KEY --cert CERT)\n");
	free(errors);
	/* good_node1's bzImage is no PE image at all */
	errors = check(node0, good_node1);
	CHECK(strstr(errors, "[node1] kernel = bzImage: node0 is locked down "
			     "(integrity)") != NULL);
	CHECK(strstr(errors, "is no PE image, which a signature needs") != NULL);
	free(errors);
	snprintf(path, sizeof(path), "%s/sys/kernel/security/lockdown", root);
	fixture_remove(path);
}

int main(void)
{
	root = fixture_tempdir();
	if (setenv("SHOJI_SYSROOT", root, 1) != 0)
		return 1;
	build_machine();
	test_good_plan();
	test_cpus_not_present();
	test_not_ram();
	test_not_reserved();
	test_node0_keeps_too_little();
	test_pci();
	test_pci_unreadable();
	test_iomem_needs_root();
	test_no_firmware_map();
	test_iomem_parse();
	test_srat_parse();
	test_numa_warning();
	test_iommu();
	test_smt_split();
	test_node0_needs();
	test_above_kernel_max();
	test_kernel_signature();
	fixture_remove(root);
	free(root);
	return check_summary();
}
