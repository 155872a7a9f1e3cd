/* Unit tests of the loader's boot image building, machine parsing and
 * kernel log reading: plain C, no QEMU. Prints a final line
 * "N passed, N failed". */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootimage.h"
#include "check.h"
#include "kmsg.h"
#include "machine.h"
#include "trampoline.h"

/* node1 of configs/two-nodes.ini */
static void node1(struct sl_node *n)
{
	memset(n, 0, sizeof(*n));
	n->id = 1;
	n->nr_cpus = 1;
	n->apic_ids[0] = 1;
	n->nr_ranges = 1;
	n->ranges[0] = (struct sl_range){ 0x100000000, 512 << 20 };
	n->lowmem = (struct sl_range){ 0x80000, 64 << 10 };
	n->control_pa = 0x7f000000 + 1 * 4096;
	n->nr_pci = 1;
	n->pci[0] = (struct shoji_pci_dev){ 0, 0, 3 << 3 };
	n->uart_port = 0x2f8;
	n->tsc_khz = 2000000;
	n->lapic_khz = 1000000;
	n->ecam_base = 0xb0000000;
	n->ecam_bus_end = 0xff;
	n->cmdline = "console=ttyS0";
}

/* node2 of configs/three-nodes.ini */
static void node2(struct sl_node *n)
{
	node1(n);
	n->id = 2;
	n->nr_cpus = 2;
	n->apic_ids[0] = 2;
	n->apic_ids[1] = 3;
	n->nr_ranges = 2;
	n->ranges[0] = (struct sl_range){ 0x120000000, 512 << 20 };
	n->ranges[1] = (struct sl_range){ 0x140000000, 256 << 20 };
	n->lowmem = (struct sl_range){ 0x70000, 64 << 10 };
	n->control_pa = 0x7f000000 + 2 * 4096;
	n->pci[0].devfn = 4 << 3;
	n->uart_port = 0x3e8;
}

static void test_e820(void)
{
	struct boot_e820_entry e[8];
	struct sl_node n;
	unsigned nr;

	node2(&n);
	nr = sl_build_e820(&n, e, 8);
	CHECK(nr == 5);
	CHECK(e[0].addr == 0x70000 && e[0].size == 0xf000 && e[0].type == 1);
	/* The park page */
	CHECK(e[1].addr == 0x7f000 && e[1].size == 4096 && e[1].type == 2);
	CHECK(e[2].addr == 0x7f002000 && e[2].size == 4096 && e[2].type == 2);
	CHECK(e[3].addr == 0x120000000 && e[3].size == 512 << 20 && e[3].type == 1);
	CHECK(e[4].addr == 0x140000000 && e[4].size == 256 << 20 && e[4].type == 1);
	CHECK(sl_build_e820(&n, e, 2) == 2);
}

static void test_setup(void)
{
	struct shoji_setup s;
	struct sl_node n;

	node2(&n);
	sl_build_setup(&s, &n);
	CHECK(s.magic == SHOJI_SETUP_MAGIC);
	CHECK(s.version == SHOJI_SETUP_VERSION);
	CHECK(s.size == sizeof(s));
	CHECK(s.node == 2 && s.nr_cpus == 2);
	CHECK(s.apic_ids[0] == 2 && s.apic_ids[1] == 3 && s.apic_ids[2] == 0);
	CHECK(s.nr_pci == 1 && s.pci[0].bus == 0 && s.pci[0].devfn == (4 << 3));
	CHECK(s.uart_port == 0x3e8);
	CHECK(s.control_pa == 0x7f002000 && s.control_size == SHOJI_CONTROL_SIZE);
	CHECK(s.ecam_base == 0xb0000000 && s.ecam_bus_end == 0xff);
	CHECK(s.tsc_khz == 2000000 && s.lapic_khz == 1000000);
	CHECK(s.nr_numa_domains == 0 && s.nr_numa_ranges == 0);
}

/* node2 of configs/three-nodes.ini on a machine whose domain 2 starts at
 * 0x130000000, in the middle of the node's first range, with its CPU of
 * APIC ID 3 */
static void test_numa(void)
{
	static const struct sl_numa_cpu cpus[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 2 },
	};
	static const struct sl_numa_memory memory[] = {
		{ 0, 0x9ffff, 0 },
		{ 0x100000000, 0x12fffffff, 0 },
		{ 0x130000000, 0x1ffffffff, 2 },
	};
	struct sl_numa_memory many[SHOJI_MAX_NUMA_DOMAINS + 1];
	struct shoji_setup s;
	struct sl_node n;

	node2(&n);
	CHECK(sl_node_set_numa(&n, cpus, 4, memory, 3));
	CHECK(n.nr_numa_domains == 2);
	CHECK(n.numa_domains[0] == 0 && n.numa_domains[1] == 2);
	CHECK(n.cpu_numa[0] == 0 && n.cpu_numa[1] == 1);
	CHECK(n.nr_numa_ranges == 3);
	CHECK(n.numa_ranges[0].start == 0x120000000 &&
	      n.numa_ranges[0].size == 256 << 20 && n.numa_ranges[0].domain == 0);
	CHECK(n.numa_ranges[1].start == 0x130000000 &&
	      n.numa_ranges[1].size == 256 << 20 && n.numa_ranges[1].domain == 1);
	CHECK(n.numa_ranges[2].start == 0x140000000 &&
	      n.numa_ranges[2].size == 256 << 20 && n.numa_ranges[2].domain == 1);
	sl_build_setup(&s, &n);
	CHECK(s.nr_numa_domains == 2 && s.numa_domains[1] == 2);
	CHECK(s.nr_numa_ranges == 3 && s.numa_ranges[1].start == 0x130000000);
	CHECK(s.cpu_numa[0] == 0 && s.cpu_numa[1] == 1);

	/* A CPU the SRAT leaves out: nothing told */
	CHECK(!sl_node_set_numa(&n, cpus, 3, memory, 3));
	CHECK(n.nr_numa_domains == 0 && n.nr_numa_ranges == 0);
	/* RAM no entry covers is the node's to place: no range for it */
	CHECK(sl_node_set_numa(&n, cpus, 4, memory, 2));
	CHECK(n.nr_numa_domains == 2 && n.nr_numa_ranges == 1);
	CHECK(n.numa_ranges[0].size == 256 << 20);
	/* More domains than the layout holds: nothing told */
	for (unsigned i = 0; i < SHOJI_MAX_NUMA_DOMAINS + 1; i++)
		many[i] = (struct sl_numa_memory){
			0x120000000 + i * SL_2M, 0x120000000 + (i + 1) * SL_2M - 1, 10 + i };
	CHECK(!sl_node_set_numa(&n, cpus, 4, many, SHOJI_MAX_NUMA_DOMAINS + 1));
	CHECK(n.nr_numa_domains == 0 && n.nr_numa_ranges == 0);
}

/* Walks the tables the way the CPU does; returns the physical address
 * or UINT64_MAX if va is not mapped. */
static uint64_t translate(const uint8_t *buf, uint64_t buf_pa, uint64_t cr3,
			  bool la57, uint64_t va)
{
	int level = la57 ? 5 : 4;
	uint64_t table = cr3, e;

	for (; level >= 2; level--) {
		unsigned idx = (va >> (12 + 9 * (level - 1))) & 511;

		memcpy(&e, buf + (table - buf_pa) + idx * 8, 8);
		if (!(e & 1))
			return UINT64_MAX;
		if (level == 2) {
			if (!(e & 0x80))
				return UINT64_MAX;
			return (e & ~UINT64_C(0x1fffff) & ((UINT64_C(1) << 52) - 1)) |
			       (va & 0x1fffff);
		}
		table = e & ~UINT64_C(0xfff) & ((UINT64_C(1) << 52) - 1);
	}
	return UINT64_MAX;
}

static void test_page_tables(void)
{
	static uint8_t buf[16 * 4096];
	uint64_t pa = 0x81000, cr3 = 0;
	struct sl_node n;
	size_t used;

	node1(&n);
	used = sl_build_page_tables(buf, sizeof(buf), pa, n.ranges, n.nr_ranges, false, &cr3);
	/* PML4, PDPT, PD for GiB 0, PD for GiB 4 */
	CHECK(used == 4 * 4096);
	CHECK(cr3 == pa);
	CHECK(translate(buf, pa, cr3, false, 0x80060) == 0x80060);
	CHECK(translate(buf, pa, cr3, false, 0x100000000) == 0x100000000);
	CHECK(translate(buf, pa, cr3, false, 0x11fffffff) == 0x11fffffff);
	CHECK(translate(buf, pa, cr3, false, 0x120000000) == UINT64_MAX);
	CHECK(translate(buf, pa, cr3, false, 0x200000) == UINT64_MAX);

	used = sl_build_page_tables(buf, sizeof(buf), pa, n.ranges, n.nr_ranges, true, &cr3);
	CHECK(used == 5 * 4096);
	CHECK(translate(buf, pa, cr3, true, 0x100200000) == 0x100200000);
	CHECK(translate(buf, pa, cr3, true, 0x7f000000) == UINT64_MAX);

	node2(&n);
	used = sl_build_page_tables(buf, sizeof(buf), pa, n.ranges, n.nr_ranges, false, &cr3);
	/* PML4, PDPT, PDs for GiB 0, 4 and 5 */
	CHECK(used == 5 * 4096);
	CHECK(translate(buf, pa, cr3, false, 0x13fe00000) == 0x13fe00000);
	CHECK(translate(buf, pa, cr3, false, 0x14fffffff) == 0x14fffffff);
	CHECK(translate(buf, pa, cr3, false, 0x150000000) == UINT64_MAX);

	CHECK(sl_build_page_tables(buf, 3 * 4096, pa, n.ranges, n.nr_ranges, false, &cr3) == 0);
}

/* A minimal bzImage: a setup header and a few bytes of "kernel" */
static uint8_t *fake_bzimage_abi(size_t *size, uint16_t version, uint16_t xlf,
				 const char *marker)
{
	size_t setup = 2 * 512, kernel = 8192;
	uint8_t *d = calloc(1, setup + kernel);
	struct setup_header h;

	memset(&h, 0, sizeof(h));
	h.setup_sects = 1;
	h.boot_flag = 0xaa55;
	h.jump = 0x66eb;	/* jmp to 0x268 */
	h.header = 0x53726448;
	h.version = version;
	h.relocatable_kernel = 1;
	h.xloadflags = xlf;
	h.kernel_alignment = 0x200000;
	h.cmdline_size = 2047;
	h.init_size = 0x1000000;
	memcpy(d + 0x1f1, &h, sizeof(h));
	if (marker)
		memcpy(d + 0x300, marker, strlen(marker));
	memset(d + setup, 0x90, kernel);
	*size = setup + kernel;
	return d;
}

static uint8_t *fake_bzimage(size_t *size, uint16_t version, uint16_t xlf,
			     bool marker)
{
	return fake_bzimage_abi(size, version, xlf, marker ? SHOJI_BZIMAGE_MARKER : NULL);
}

static void test_bzimage(void)
{
	struct sl_bzimage bz;
	char err[256];
	size_t size;
	uint8_t *d;

	d = fake_bzimage(&size, 0x020f, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, true);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	CHECK(bz.shoji);
	CHECK(bz.shoji_abi == SHOJI_VERSION_MAJOR(SHOJI_SETUP_VERSION) &&
	      bz.shoji_abi == sl_abi_version());
	CHECK(bz.setup_size == 1024);
	CHECK(bz.init_size == 0x1000000);
	free(d);

	d = fake_bzimage(&size, 0x020f, XLF_KERNEL_64, false);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	CHECK(!bz.shoji);
	free(d);

	d = fake_bzimage_abi(&size, 0x020f, XLF_KERNEL_64, "ShojiNodeABI=12");
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	CHECK(bz.shoji && bz.shoji_abi == 12);
	free(d);

	d = fake_bzimage_abi(&size, 0x020f, XLF_KERNEL_64, "ShojiNodeABI=X");
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	CHECK(!bz.shoji);
	free(d);

	d = fake_bzimage(&size, 0x020b, XLF_KERNEL_64, true);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == -1);
	CHECK(strstr(err, "2.12") != NULL);
	free(d);

	d = fake_bzimage(&size, 0x020f, 0, true);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == -1);
	CHECK(strstr(err, "64-bit") != NULL);
	free(d);

	/* kernel_alignment (setup header offset 0x230): 3 MiB */
	d = fake_bzimage(&size, 0x020f, XLF_KERNEL_64, true);
	d[0x230] = 0;
	d[0x231] = 0;
	d[0x232] = 0x30;
	d[0x233] = 0;
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == -1);
	CHECK(strstr(err, "alignment 0x300000 is not a power of two") != NULL);
	free(d);

	d = calloc(1, 8192);
	CHECK(sl_bzimage_parse(&bz, d, 8192, err, sizeof(err)) == -1);
	free(d);

	/* A file that cannot be read is not an empty one */
	errno = 0;
	CHECK(sl_read_file("/", &size) == NULL && errno == EISDIR);
}

static const struct sl_segment *find_seg(const struct sl_image *img, uint64_t pa)
{
	unsigned i;

	for (i = 0; i < img->nr; i++)
		if (pa >= img->seg[i].mem && pa < img->seg[i].mem + img->seg[i].memsz)
			return &img->seg[i];
	return NULL;
}

static void test_image(void)
{
	static const char initrd[] = "an initrd";
	const struct sl_segment *s, *low;
	const struct boot_params *bp;
	const struct setup_data *sd;
	const struct shoji_setup *ss;
	struct sl_bzimage bz;
	struct sl_image img;
	struct sl_node n;
	char err[256];
	uint64_t cmdline, q;
	uint32_t v;
	size_t size;
	unsigned i;
	uint8_t *d;

	d = fake_bzimage(&size, 0x020f, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, true);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	node1(&n);
	CHECK(sl_build_image(&img, &n, &bz, NULL, initrd, sizeof(initrd), err, sizeof(err)) == 0);
	CHECK(img.nr == 4);
	CHECK(img.entry == 0x80000);
	CHECK(img.kernel == 0x100000000);
	for (i = 0; i < img.nr; i++) {
		/* In the node's memory; in the low window, below the park page */
		bool inside = (img.seg[i].mem >= 0x100000000 &&
			       img.seg[i].mem + img.seg[i].memsz <= 0x120000000) ||
			      (img.seg[i].mem >= 0x80000 &&
			       img.seg[i].mem + img.seg[i].memsz <= 0x8f000);

		CHECK(inside);
		CHECK(img.seg[i].mem % 4096 == 0 && img.seg[i].memsz % 4096 == 0);
		CHECK(img.seg[i].bufsz <= img.seg[i].memsz);
	}
	/* The kernel's extraction area stays clear of everything else */
	CHECK(img.boot_params >= img.kernel + bz.init_size);

	s = find_seg(&img, img.boot_params);
	CHECK(s != NULL);
	bp = (const struct boot_params *)((const uint8_t *)s->buf + (img.boot_params - s->mem));
	CHECK(bp->hdr.header == 0x53726448);
	CHECK(bp->hdr.type_of_loader == 0xff);
	CHECK(bp->e820_entries == 4);
	CHECK(bp->e820_table[0].addr == 0x80000 && bp->e820_table[0].type == 1);
	CHECK(bp->e820_table[1].addr == 0x8f000 && bp->e820_table[1].type == 2);
	CHECK(bp->e820_table[2].addr == 0x7f001000 && bp->e820_table[2].type == 2);
	CHECK(bp->e820_table[3].addr == 0x100000000 && bp->e820_table[3].type == 1);
	cmdline = bp->hdr.cmd_line_ptr | (uint64_t)bp->ext_cmd_line_ptr << 32;
	CHECK(cmdline >> 32 == 1);
	CHECK(!strcmp((const char *)s->buf + (cmdline - s->mem), "console=ttyS0 shoji.node=1 apic_extnmi=none retain_initrd"));
	/* what SHOJI_IOC_LOAD_FILE hands node0: the same command line */
	CHECK(img.cmdline == (const char *)s->buf + (cmdline - s->mem));
	q = bp->hdr.ramdisk_image | (uint64_t)bp->ext_ramdisk_image << 32;
	CHECK(q == img.initrd && bp->hdr.ramdisk_size == sizeof(initrd));
	CHECK(find_seg(&img, q) && !memcmp(find_seg(&img, q)->buf, initrd, sizeof(initrd)));
	sd = (const struct setup_data *)((const uint8_t *)s->buf + (bp->hdr.setup_data - s->mem));
#ifdef SERIES_SETUP_SHOJI
	/* The loader's own SETUP_SHOJI is the number the series gives it */
	CHECK_U64(SETUP_SHOJI, SERIES_SETUP_SHOJI);
#endif
	CHECK(sd->type == SETUP_SHOJI && sd->next == 0 && sd->len == sizeof(struct shoji_setup));
	ss = (const struct shoji_setup *)sd->data;
	CHECK(ss->magic == SHOJI_SETUP_MAGIC && ss->node == 1 && ss->apic_ids[0] == 1);
	CHECK(img.setup == ss);

	/* The test-only layouts of other loaders: one field each that a
	 * node must refuse, and a newer minor version it must take */
	CHECK(sl_setup_layout_parse("bad-magic") == SL_SETUP_BAD_MAGIC);
	CHECK(sl_setup_layout_parse("bad-version") == SL_SETUP_BAD_VERSION);
	CHECK(sl_setup_layout_parse("bad-size") == SL_SETUP_BAD_SIZE);
	CHECK(sl_setup_layout_parse("newer-minor") == SL_SETUP_NEWER_MINOR);
	CHECK(sl_setup_layout_parse("magic") == SL_SETUP_AS_BUILT);
	CHECK(sl_setup_layout_parse("") == SL_SETUP_AS_BUILT);
	CHECK(img.setup_data == sd);
	sl_alter_setup(&img, SL_SETUP_AS_BUILT);
	CHECK(ss->magic == SHOJI_SETUP_MAGIC && ss->version == SHOJI_SETUP_VERSION &&
	      ss->size == sizeof(*ss));
	sl_alter_setup(&img, SL_SETUP_BAD_MAGIC);
	CHECK(ss->magic == 0x4a4f4853 && ss->version == SHOJI_SETUP_VERSION &&
	      ss->size == sizeof(*ss));
	sl_alter_setup(&img, SL_SETUP_BAD_MAGIC);
	sl_alter_setup(&img, SL_SETUP_BAD_VERSION);
	CHECK(ss->magic == SHOJI_SETUP_MAGIC &&
	      ss->version == SHOJI_SETUP_VERSION + SHOJI_VERSION(1, 0) &&
	      ss->size == sizeof(*ss));
	img.setup->version = SHOJI_SETUP_VERSION;
	sl_alter_setup(&img, SL_SETUP_BAD_SIZE);
	CHECK(ss->magic == SHOJI_SETUP_MAGIC && ss->version == SHOJI_SETUP_VERSION &&
	      ss->size == sizeof(*ss) + 8 && sd->len == sizeof(*ss));
	img.setup->size = sizeof(*ss);
	sl_alter_setup(&img, SL_SETUP_NEWER_MINOR);
	{
		uint64_t field;

		memcpy(&field, ss + 1, sizeof(field));
		CHECK(ss->magic == SHOJI_SETUP_MAGIC &&
		      ss->version == SHOJI_SETUP_VERSION + SHOJI_VERSION(0, 1));
		CHECK(ss->size == sizeof(*ss) + 8 && sd->len == ss->size);
		CHECK(field != 0);
	}
	img.setup->version = SHOJI_SETUP_VERSION;
	img.setup->size = sizeof(*ss);
	img.setup_data->len = sizeof(*ss);

	/* The trampoline, relocated to the low window */
	low = find_seg(&img, 0x80000);
	CHECK(low != NULL && low->mem == 0x80000);
	memcpy(&v, (const uint8_t *)low->buf + TRAMP_GDTR + 2, 4);
	CHECK(v == 0x80000 + TRAMP_GDT);
	memcpy(&v, (const uint8_t *)low->buf + TRAMP_PM32_PTR, 4);
	CHECK(v > 0x80000 + TRAMP_CODE && v < 0x80000 + TRAMP_SIZE);
	memcpy(&v, (const uint8_t *)low->buf + TRAMP_CR3, 4);
	CHECK(v == img.cr3 && v == 0x80000 + TRAMP_SIZE);
	memcpy(&q, (const uint8_t *)low->buf + TRAMP_ENTRY, 8);
	CHECK(q == 0x100000200);
	memcpy(&q, (const uint8_t *)low->buf + TRAMP_BOOT_PARAMS, 8);
	CHECK(q == img.boot_params);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, img.kernel + 0x200) == img.kernel + 0x200);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, img.boot_params + 3 * 4096 - 1) ==
	      img.boot_params + 3 * 4096 - 1);
	sl_image_free(&img);

	/*
	 * A node of 1 TiB in four ranges: the tables map the first 2 MiB,
	 * the kernel and its boot data, not the whole node, and fit in the
	 * 64 KiB low window with room to spare.
	 */
	for (i = 0; i < 4; i++)
		n.ranges[i] = (struct sl_range){ (UINT64_C(1) << 40) * (i + 1), UINT64_C(256) << 30 };
	n.nr_ranges = 4;
	CHECK(sl_build_image(&img, &n, &bz, NULL, initrd, sizeof(initrd), err, sizeof(err)) == 0);
	low = find_seg(&img, 0x80000);
	CHECK(low != NULL && low->memsz <= 0x10000 - 4096);
	CHECK(low->memsz <= 8 * 4096);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, 0x80000) == 0x80000);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, img.kernel) == img.kernel);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, img.boot_params + 4096) ==
	      img.boot_params + 4096);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, n.ranges[3].start) == UINT64_MAX);
	CHECK(translate(low->buf, 0x80000, img.cr3, false, n.ranges[0].start + (UINT64_C(255) << 30)) ==
	      UINT64_MAX);
	sl_image_free(&img);
	node1(&n);

	/* Too little memory for kernel, boot data and initrd */
	n.ranges[0].size = 16 << 20;
	CHECK(sl_build_image(&img, &n, &bz, NULL, initrd, sizeof(initrd), err, sizeof(err)) == -1);
	CHECK(strstr(err, "first memory range") != NULL);
	free(d);
}

/* The plan's command line and the node's own parameters: those last,
 * but before "--", and nothing built from a quote left open */
static void test_cmdline(void)
{
	static const struct {
		const char *plan, *node;
	} cases[] = {
		{ "", "shoji.node=1 apic_extnmi=none retain_initrd" },
		{ "console=ttyS0 -- single", "console=ttyS0 shoji.node=1 apic_extnmi=none retain_initrd -- single" },
		{ "console=ttyS0  --", "console=ttyS0 shoji.node=1 apic_extnmi=none retain_initrd --" },
		{ "-- x -- y", "shoji.node=1 apic_extnmi=none retain_initrd -- x -- y" },
		{ "a=\"b -- c\" d--e --f", "a=\"b -- c\" d--e --f shoji.node=1 apic_extnmi=none retain_initrd" },
		{ "quiet \"--\" x", "quiet shoji.node=1 apic_extnmi=none retain_initrd \"--\" x" },
		{ "quiet\t--\tx", "quiet shoji.node=1 apic_extnmi=none retain_initrd --\tx" },
		{ "-- \"x", "shoji.node=1 apic_extnmi=none retain_initrd -- \"x" },
	};
	struct sl_bzimage bz;
	struct sl_image img;
	struct sl_node n;
	char err[256];
	size_t size;
	uint8_t *d;

	d = fake_bzimage(&size, 0x020f, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G, true);
	CHECK(sl_bzimage_parse(&bz, d, size, err, sizeof(err)) == 0);
	node1(&n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n.cmdline = cases[i].plan;
		CHECK(sl_build_image(&img, &n, &bz, NULL, NULL, 0, err, sizeof(err)) == 0);
		CHECK(!strcmp(img.cmdline, cases[i].node));
		sl_image_free(&img);
	}
	n.cmdline = "console=ttyS0 a=\"b -- c";
	CHECK(sl_build_image(&img, &n, &bz, NULL, NULL, 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "leaves a quote (\") open") != NULL);
	free(d);
}

static void test_iomem(void)
{
	static const char iomem[] =
		"00000000-00000fff : Reserved\n"
		"00001000-0006ffff : System RAM\n"
		"00070000-0007ffff : Reserved\n"
		"00080000-0008ffff : Reserved\n"
		"00090000-0009fbff : System RAM\n"
		"7f000000-7f00ffff : Reserved\n"
		"b0000000-bfffffff : PCI ECAM 0000 [bus 00-ff]\n"
		"  b0000000-bfffffff : Reserved\n"
		"100000000-11fffffff : Reserved\n"
		"120000000-17fffffff : System RAM\n"
		"  121000000-121ffffff : Kernel code\n";
	uint64_t base = 0;
	uint8_t b0 = 1, b1 = 0;

	CHECK(sl_iomem_reserved(iomem, 0x100000000, 512 << 20));
	CHECK(sl_iomem_reserved(iomem, 0x70000, 0x20000));
	CHECK(sl_iomem_reserved(iomem, 0x7f001000, 4096));
	CHECK(!sl_iomem_reserved(iomem, 0x120000000, 512 << 20));
	CHECK(!sl_iomem_reserved(iomem, 0x80000, 0x20000));
	CHECK(!sl_iomem_reserved(iomem, 0x11ff00000, 2 << 20));
	CHECK(sl_iomem_ecam(iomem, &base, &b0, &b1));
	CHECK(base == 0xb0000000 && b0 == 0 && b1 == 0xff);
	CHECK(!sl_iomem_ecam("00000000-00000fff : Reserved\n", &base, &b0, &b1));
}

/* A socket that keeps record boundaries stands in for /dev/kmsg, whose
 * every read returns one record. */
static int fake_kmsg(const char *const *records)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -1;
	for (; *records; records++)
		if (write(sv[1], *records, strlen(*records)) < 0)
			break;
	close(sv[1]);
	return sv[0];
}

static void test_kmsg(void)
{
	const char *const log[] = {
		"6,100,5000,-;Shoji: node2: CPU 3 came back online\n",
		"no header separator\n",
		"4,101,5001,-;Shoji: node1: something else\n",
		"3,102,5002,-;Shoji: node2: segment outside the node's memory\n",
		NULL,
	};
	char record[256], reason[256], *msg;
	int fd = fake_kmsg(log);

	CHECK(fd >= 0);
	msg = sl_kmsg_next(fd, record, sizeof(record));
	CHECK_STR(msg, "Shoji: node2: CPU 3 came back online");
	msg = sl_kmsg_next(fd, record, sizeof(record));
	CHECK_STR(msg, "Shoji: node1: something else");
	close(fd);

	sl_kmsg_reason(fake_kmsg(log), 2, reason, sizeof(reason));
	CHECK_STR(reason, "Shoji: node2: CPU 3 came back online; "
		  "Shoji: node2: segment outside the node's memory");
	sl_kmsg_reason(fake_kmsg(log), 3, reason, sizeof(reason));
	CHECK_STR(reason, "");
	sl_kmsg_reason(-1, 2, reason, sizeof(reason));
	CHECK_STR(reason, "");
}

/* The name sysfs and the kernel's messages give a device, the largest
 * numbers included */
static void test_pci_name(void)
{
	char name[SL_PCI_NAME_LEN];

	sl_pci_dev_name(&(struct shoji_pci_dev){ 0, 0, 3 << 3 }, name);
	CHECK_STR(name, "0000:00:03.0");
	sl_pci_dev_name(&(struct shoji_pci_dev){ 0xffff, 0xff, 0xff }, name);
	CHECK_STR(name, "ffff:ff:1f.7");
}

int main(void)
{
	test_e820();
	test_setup();
	test_numa();
	test_page_tables();
	test_bzimage();
	test_image();
	test_cmdline();
	test_iomem();
	test_kmsg();
	test_pci_name();
	return check_summary();
}
