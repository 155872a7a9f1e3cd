#define _POSIX_C_SOURCE 200809L /* pthread_rwlock_t */

#include "bootimage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "trampoline.h"
#include "vmlinux.h"

#define HDR_OFFSET	0x1f1
#define HDR_MAGIC	0x53726448	/* "HdrS" */
#define E820_RAM	1
#define E820_RESERVED	2
#define PTE_PRESENT	UINT64_C(0x1)
#define PTE_RW		UINT64_C(0x2)
#define PTE_PS		UINT64_C(0x80)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* "ShojiNodeABI=" */
static size_t marker_prefix_len(void)
{
	return (size_t)(strchr(SHOJI_BZIMAGE_MARKER, '=') - SHOJI_BZIMAGE_MARKER) + 1;
}

unsigned sl_abi_version(void)
{
	static const char marker[] = SHOJI_BZIMAGE_MARKER;

	return (unsigned)strtoul(&marker[marker_prefix_len()], NULL, 10);
}

int sl_bzimage_parse(struct sl_bzimage *bz, const void *data, size_t size,
		     char *err, size_t errlen)
{
	const uint8_t *d = data;
	const struct setup_header *h;
	struct setup_header hdr;
	size_t prefix_len = marker_prefix_len();
	size_t i;

	memset(bz, 0, sizeof(*bz));
	if (size < 0x1000 || get32(d + 0x202) != HDR_MAGIC) {
		sl_fail(err, errlen, "not a bzImage (no HdrS setup header)");
		return -1;
	}
	h = (const struct setup_header *)(d + HDR_OFFSET);
	memcpy(&hdr, h, sizeof(hdr));
	bz->data = d;
	bz->size = size;
	bz->version = hdr.version;
	bz->setup_size = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	if (bz->version < 0x020c) {
		sl_fail(err, errlen, "boot protocol %u.%02u is older than 2.12",
			bz->version >> 8, bz->version & 0xff);
		return -1;
	}
	bz->xloadflags = hdr.xloadflags;
	bz->init_size = hdr.init_size;
	bz->alignment = hdr.kernel_alignment;
	bz->cmdline_size = hdr.cmdline_size;
	/* align_up() takes a power of two */
	if (bz->alignment & (bz->alignment - 1)) {
		sl_fail(err, errlen, "the kernel's alignment %#x is not a power of two",
			bz->alignment);
		return -1;
	}
	if (!(bz->xloadflags & XLF_KERNEL_64)) {
		sl_fail(err, errlen, "the kernel has no 64-bit entry point (XLF_KERNEL_64)");
		return -1;
	}
	if (!hdr.relocatable_kernel) {
		sl_fail(err, errlen, "the kernel is not relocatable (CONFIG_RELOCATABLE)");
		return -1;
	}
	if (bz->setup_size >= size || !bz->init_size) {
		sl_fail(err, errlen, "the setup header is inconsistent");
		return -1;
	}
	for (i = 0; i + prefix_len < bz->setup_size && !bz->shoji; i++) {
		unsigned v = 0;
		size_t j = i + prefix_len;

		if (memcmp(d + i, SHOJI_BZIMAGE_MARKER, prefix_len) ||
		    d[j] < '0' || d[j] > '9')
			continue;
		for (; j < bz->setup_size && d[j] >= '0' && d[j] <= '9' && v < 100000; j++)
			v = v * 10 + (unsigned)(d[j] - '0');
		bz->shoji = true;
		bz->shoji_abi = v;
	}
	return 0;
}

static void add_e820(struct boot_e820_entry *e, unsigned *nr, unsigned max,
		     uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned i;

	if (*nr >= max)
		return;
	/* Keep the map sorted by address */
	for (i = *nr; i > 0 && e[i - 1].addr > addr; i--)
		e[i] = e[i - 1];
	e[i].addr = addr;
	e[i].size = size;
	e[i].type = type;
	(*nr)++;
}

unsigned sl_build_e820(const struct sl_node *n, struct boot_e820_entry *e,
		       unsigned max)
{
	unsigned nr = 0, i;

	/* The park page is node0's: the node must not take it for RAM */
	add_e820(e, &nr, max, n->lowmem.start,
		 n->lowmem.size - SHOJI_PARK_SIZE, E820_RAM);
	add_e820(e, &nr, max,
		 SHOJI_PARK_PAGE(n->lowmem.start, n->lowmem.size),
		 SHOJI_PARK_SIZE, E820_RESERVED);
	for (i = 0; i < n->nr_ranges; i++)
		add_e820(e, &nr, max, n->ranges[i].start, n->ranges[i].size,
			 E820_RAM);
	add_e820(e, &nr, max, n->control_pa, SHOJI_CONTROL_SIZE, E820_RESERVED);
	return nr;
}

void sl_build_setup(struct shoji_setup *s, const struct sl_node *n)
{
	memset(s, 0, sizeof(*s));
	s->magic = SHOJI_SETUP_MAGIC;
	s->version = SHOJI_SETUP_VERSION;
	s->size = sizeof(*s);
	s->node = n->id;
	s->nr_cpus = n->nr_cpus;
	memcpy(s->apic_ids, n->apic_ids, n->nr_cpus * sizeof(s->apic_ids[0]));
	s->tsc_khz = n->tsc_khz;
	s->lapic_khz = n->lapic_khz;
	s->ecam_base = n->ecam_base;
	s->ecam_seg = n->ecam_seg;
	s->ecam_bus_start = n->ecam_bus_start;
	s->ecam_bus_end = n->ecam_bus_end;
	s->nr_pci = n->nr_pci;
	memcpy(s->pci, n->pci, n->nr_pci * sizeof(s->pci[0]));
	s->uart_port = n->uart_port;
	s->control_pa = n->control_pa;
	s->control_size = SHOJI_CONTROL_SIZE;
	s->nr_numa_domains = n->nr_numa_domains;
	memcpy(s->numa_domains, n->numa_domains, sizeof(s->numa_domains));
	s->nr_numa_ranges = n->nr_numa_ranges;
	memcpy(s->numa_ranges, n->numa_ranges, sizeof(s->numa_ranges));
	memcpy(s->cpu_numa, n->cpu_numa, sizeof(s->cpu_numa));
}

/* Adds domain to the ascending list; false when it is full */
static bool numa_domain_add(uint32_t *domains, unsigned *nr, uint32_t domain)
{
	unsigned i = 0;

	while (i < *nr && domains[i] < domain)
		i++;
	if (i < *nr && domains[i] == domain)
		return true;
	if (*nr == SHOJI_MAX_NUMA_DOMAINS)
		return false;
	memmove(&domains[i + 1], &domains[i], (*nr - i) * sizeof(domains[0]));
	domains[i] = domain;
	(*nr)++;
	return true;
}

static uint8_t numa_domain_index(const uint32_t *domains, unsigned nr,
				 uint32_t domain)
{
	unsigned i = 0;

	while (i < nr && domains[i] != domain)
		i++;
	return (uint8_t)i;
}

bool sl_node_set_numa(struct sl_node *n, const struct sl_numa_cpu *cpus,
		      size_t nr_cpus, const struct sl_numa_memory *memory,
		      size_t nr_memory)
{
	uint32_t cpu_domain[SHOJI_MAX_CPUS], domains[SHOJI_MAX_NUMA_DOMAINS];
	struct sl_numa_memory pieces[SHOJI_MAX_NUMA_RANGES];
	unsigned nr_domains = 0, nr_pieces = 0, i;
	size_t j;

	_Static_assert(SHOJI_MAX_NUMA_DOMAINS <= UINT8_MAX,
		       "cpu_numa[] holds an index into numa_domains[]");
	n->nr_numa_domains = 0;
	n->nr_numa_ranges = 0;
	for (i = 0; i < n->nr_cpus; i++) {
		const struct sl_numa_cpu *cpu = NULL;

		for (j = 0; j < nr_cpus && !cpu; j++)
			if (cpus[j].apic_id == n->apic_ids[i])
				cpu = &cpus[j];
		if (!cpu || !numa_domain_add(domains, &nr_domains, cpu->domain))
			return false;
		cpu_domain[i] = cpu->domain;
	}
	for (i = 0; i < n->nr_ranges; i++) {
		uint64_t first = n->ranges[i].start;
		uint64_t last = first + n->ranges[i].size - 1;

		if (!n->ranges[i].size)
			continue;
		for (j = 0; j < nr_memory; j++) {
			uint64_t lo = first > memory[j].first ? first : memory[j].first;
			uint64_t hi = last < memory[j].last ? last : memory[j].last;

			if (lo > hi)
				continue;
			if (nr_pieces == SHOJI_MAX_NUMA_RANGES ||
			    !numa_domain_add(domains, &nr_domains, memory[j].domain))
				return false;
			pieces[nr_pieces++] = (struct sl_numa_memory){
				.first = lo, .last = hi, .domain = memory[j].domain };
		}
	}
	memcpy(n->numa_domains, domains, nr_domains * sizeof(domains[0]));
	for (i = 0; i < n->nr_cpus; i++)
		n->cpu_numa[i] = numa_domain_index(domains, nr_domains,
						   cpu_domain[i]);
	for (i = 0; i < nr_pieces; i++)
		n->numa_ranges[i] = (struct shoji_numa_range){
			.start = pieces[i].first,
			.size = pieces[i].last - pieces[i].first + 1,
			.domain = numa_domain_index(domains, nr_domains,
						    pieces[i].domain),
		};
	n->nr_numa_ranges = nr_pieces;
	n->nr_numa_domains = nr_domains;
	return true;
}

enum sl_setup_layout sl_setup_layout_parse(const char *what)
{
	if (!strcmp(what, "bad-magic"))
		return SL_SETUP_BAD_MAGIC;
	if (!strcmp(what, "bad-version"))
		return SL_SETUP_BAD_VERSION;
	if (!strcmp(what, "bad-size"))
		return SL_SETUP_BAD_SIZE;
	if (!strcmp(what, "newer-minor"))
		return SL_SETUP_NEWER_MINOR;
	return SL_SETUP_AS_BUILT;
}

void sl_pci_dev_name(const struct shoji_pci_dev *d, char buf[SL_PCI_NAME_LEN])
{
	snprintf(buf, SL_PCI_NAME_LEN, "%04x:%02x:%02x.%x", d->seg, d->bus,
		 d->devfn >> 3, d->devfn & 7);
}

void sl_setup_list_pci(struct sl_image *img, const struct shoji_pci_dev *pci,
		       unsigned nr)
{
	struct shoji_setup *s = img->setup;

	for (unsigned i = 0; i < nr && s->nr_pci < SHOJI_MAX_PCI; i++)
		s->pci[s->nr_pci++] = pci[i];
}

/* What a newer minor version adds past the fields this loader knows */
#define SL_NEWER_FIELD 0x5a5a5a5a5a5a5a5aULL

void sl_alter_setup(struct sl_image *img, enum sl_setup_layout how)
{
	struct shoji_setup *s = img->setup;
	uint64_t newer = SL_NEWER_FIELD;

	switch (how) {
	case SL_SETUP_BAD_MAGIC:
		s->magic = __builtin_bswap32(s->magic);
		break;
	case SL_SETUP_BAD_VERSION:
		/* A newer minor version is one a node takes */
		s->version = SHOJI_VERSION(SHOJI_VERSION_MAJOR(s->version) + 1,
					   SHOJI_VERSION_MINOR(s->version));
		break;
	case SL_SETUP_BAD_SIZE:
		s->size += 8;
		break;
	case SL_SETUP_NEWER_MINOR:
		s->version = SHOJI_VERSION(SHOJI_VERSION_MAJOR(s->version),
					   SHOJI_VERSION_MINOR(s->version) + 1);
		memcpy(s + 1, &newer, sizeof(newer));
		s->size = sizeof(*s) + sizeof(newer);
		img->setup_data->len = s->size;
		break;
	case SL_SETUP_AS_BUILT:
		break;
	}
}

struct pt_alloc {
	uint8_t *buf;
	size_t size, used;
	uint64_t pa;
};

/* A zeroed table; returns its index into the buffer in bytes, or -1 */
static long pt_new(struct pt_alloc *a)
{
	long off;

	if (a->used + SL_PAGE > a->size)
		return -1;
	off = (long)a->used;
	memset(a->buf + off, 0, SL_PAGE);
	a->used += SL_PAGE;
	return off;
}

/* The table that entry idx of table off points to, made if missing */
static long pt_next(struct pt_alloc *a, long off, unsigned idx)
{
	uint64_t *t = (uint64_t *)(a->buf + off);
	long next;

	if (t[idx] & PTE_PRESENT)
		return (long)((t[idx] & ~UINT64_C(0xfff)) - a->pa);
	next = pt_new(a);
	if (next < 0)
		return -1;
	t = (uint64_t *)(a->buf + off);
	t[idx] = (a->pa + (uint64_t)next) | PTE_PRESENT | PTE_RW;
	return next;
}

static int pt_map_2m(struct pt_alloc *a, long top, bool la57, uint64_t va)
{
	long t = top;
	uint64_t *pd;

	if (la57)
		t = pt_next(a, t, (va >> 48) & 511);
	if (t >= 0)
		t = pt_next(a, t, (va >> 39) & 511);
	if (t >= 0)
		t = pt_next(a, t, (va >> 30) & 511);
	if (t < 0)
		return -1;
	pd = (uint64_t *)(a->buf + t);
	pd[(va >> 21) & 511] = va | PTE_PRESENT | PTE_RW | PTE_PS;
	return 0;
}

size_t sl_build_page_tables(void *buf, size_t bufsz, uint64_t buf_pa,
			    const struct sl_range *map, unsigned nr, bool la57,
			    uint64_t *cr3)
{
	struct pt_alloc a = { .buf = buf, .size = bufsz, .pa = buf_pa };
	long top = pt_new(&a);
	uint64_t va, end;
	unsigned i;

	if (top < 0)
		return 0;
	/* The first 2 MiB hold the trampoline, which runs identity mapped */
	if (pt_map_2m(&a, top, la57, 0))
		return 0;
	for (i = 0; i < nr; i++) {
		va = align_down(map[i].start, SL_2M);
		end = align_up(map[i].start + map[i].size, SL_2M);
		for (; va < end; va += SL_2M)
			if (pt_map_2m(&a, top, la57, va))
				return 0;
	}
	*cr3 = buf_pa + (uint64_t)top;
	return a.used;
}

void sl_build_boot_params(struct boot_params *bp, const struct sl_bzimage *bz,
			  const struct sl_node *n, uint64_t cmdline_pa,
			  uint64_t initrd_pa, uint64_t initrd_size,
			  uint64_t setup_data_pa)
{
	size_t hdr_end = 0x202 + bz->data[0x201];

	memset(bp, 0, sizeof(*bp));
	/* The setup header as the kernel image has it, then our fields */
	memcpy((uint8_t *)bp + HDR_OFFSET, bz->data + HDR_OFFSET,
	       hdr_end - HDR_OFFSET);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= LOADED_HIGH;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline_pa;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline_pa >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd_pa;
	bp->ext_ramdisk_image = (uint32_t)(initrd_pa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	bp->hdr.setup_data = setup_data_pa;
	bp->hdr.hardware_subarch = 0;
	bp->e820_entries = (uint8_t)sl_build_e820(n, bp->e820_table,
						  E820_MAX_ENTRIES_ZEROPAGE);
}

static void *page_buf(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	return p;
}

/* A segment of what the image allocated (owned), or of the caller's
 * memory, which must outlive the image */
static void add_seg(struct sl_image *img, const void *buf, void *owned,
		    size_t bufsz, uint64_t mem, uint64_t memsz)
{
	struct sl_segment *s = &img->seg[img->nr++];

	s->buf = buf;
	s->owned = owned;
	s->bufsz = bufsz;
	s->mem = mem;
	s->memsz = align_up(memsz, SL_PAGE);
}

/*
 * The node's command line: the plan's, with the node's own parameters
 * after it, so that they win over the plan's, but before a "--", after
 * which the kernel hands everything to init. Its words are found as the
 * kernel's next_arg() finds them: a quote runs on over spaces, and a
 * word's own quotes come off ("--" is a -- too). A quote left open
 * would make the node's parameters part of the last value: refused.
 */
static int compose_cmdline(char *out, size_t max, const char *plan,
			   unsigned id, char *err, size_t errlen)
{
	size_t len = strlen(plan), init_at = len, head, i = 0;
	bool quoted = false;
	int n;

	while (i < len && init_at == len) {
		size_t word;

		while (i < len && isspace((unsigned char)plan[i]))
			i++;
		word = i;
		for (; i < len && (quoted || !isspace((unsigned char)plan[i])); i++)
			if (plan[i] == '"')
				quoted = !quoted;
		if ((i - word == 2 && !strncmp(plan + word, "--", 2)) ||
		    (i - word == 4 && !strncmp(plan + word, "\"--\"", 4)))
			init_at = word;
	}
	if (quoted) {
		sl_fail(err, errlen, "the command line leaves a quote (\") open: the kernel would read what follows it as one value");
		return -1;
	}
	for (head = init_at; head && isspace((unsigned char)plan[head - 1]); head--)
		;
	n = snprintf(out, max + 1, "%.*s%sshoji.node=%u apic_extnmi=none retain_initrd%s%s",
		     (int)head, plan, head ? " " : "", id,
		     init_at < len ? " " : "", plan + init_at);
	if (n < 0 || (size_t)n > max) {
		sl_fail(err, errlen, "the command line is longer than the kernel's %zu bytes", max);
		return -1;
	}
	return 0;
}

int sl_build_image(struct sl_image *img, const struct sl_node *n,
		   const struct sl_bzimage *bz, const struct sl_vmlinux *vm,
		   const void *initrd, size_t initrd_size, char *err,
		   size_t errlen)
{
	const struct sl_range *r0 = &n->ranges[0];
	uint64_t align = bz->alignment > SL_2M ? bz->alignment : SL_2M;
	size_t kernel_size = vm ? vm->size : bz->size - bz->setup_size;
	uint64_t kernel_need = vm && vm->memsz > bz->init_size ? vm->memsz
							       : bz->init_size;
	uint64_t kernel_mem, data_pa, initrd_pa = 0, end, cr3 = 0;
	size_t tramp_size = (size_t)(shoji_trampoline_end - shoji_trampoline);
	size_t low_size, cmdline_max, pt_used;
	struct sl_range boot_map;
	uint8_t *low = NULL, *data = NULL;
	struct boot_params *bp;
	struct setup_data *sd;
	char *cmdline;
	uint8_t *t;

	memset(img, 0, sizeof(*img));
	if (!n->nr_ranges || !n->nr_cpus) {
		sl_fail(err, errlen, "the node has no memory or no CPU");
		return -1;
	}
	if (n->lowmem.start % SL_PAGE || n->lowmem.size % SL_PAGE ||
	    n->lowmem.size < 4 * SL_PAGE ||
	    n->lowmem.start + n->lowmem.size > 0x100000) {
		sl_fail(err, errlen, "the low window must be at least 16 KiB, page aligned, below 1 MiB");
		return -1;
	}

	/*
	 * Kernel at the start of the first range: a bzImage is extracted in
	 * place, within its init_size; a decompressed kernel needs up to its
	 * _end, which init_size covers too.
	 */
	img->kernel = align_up(r0->start, align);
	kernel_mem = align_up(kernel_size > kernel_need ?
			      kernel_size : kernel_need, SL_PAGE);
	/* boot_params, command line, setup_data: three pages after it */
	data_pa = img->kernel + kernel_mem;
	img->boot_params = data_pa;
	end = data_pa + 3 * SL_PAGE;
	if (initrd_size) {
		initrd_pa = align_up(end, SL_PAGE);
		end = initrd_pa + align_up(initrd_size, SL_PAGE);
	}
	img->initrd = initrd_pa;
	if (end > r0->start + r0->size) {
		sl_fail(err, errlen, "kernel, boot data and initrd need %llu MiB from %#llx, more than the node's first memory range has",
			(unsigned long long)((end - r0->start) >> 20),
			(unsigned long long)r0->start);
		return -1;
	}

	/*
	 * Low window: the trampoline page, then the page tables; its last
	 * page, where node0 parks the node's CPUs, is never loaded.
	 */
	low_size = (size_t)n->lowmem.size - SHOJI_PARK_SIZE;
	low = page_buf(low_size);
	data = page_buf(3 * SL_PAGE);
	if (!low || !data) {
		sl_fail(err, errlen, "out of memory");
		goto fail;
	}
	if (tramp_size > TRAMP_SIZE) {
		sl_fail(err, errlen, "the trampoline is larger than a page");
		goto fail;
	}
	/*
	 * The 64-bit boot protocol wants the kernel's init_size, boot_params
	 * and the command line identity mapped, and no more: the kernel maps
	 * the rest itself. Whatever the size of the node, the tables then fit
	 * in the low window.
	 */
	boot_map.start = img->kernel;
	boot_map.size = data_pa + 3 * SL_PAGE - img->kernel;
	pt_used = sl_build_page_tables(low + TRAMP_SIZE, low_size - TRAMP_SIZE,
				       n->lowmem.start + TRAMP_SIZE, &boot_map,
				       1, n->la57, &cr3);
	if (!pt_used) {
		sl_fail(err, errlen, "the page tables do not fit in the low window");
		goto fail;
	}
	img->cr3 = cr3;
	t = low;
	memcpy(t, shoji_trampoline, tramp_size);
	{
		uint32_t v;
		const uint32_t base = (uint32_t)n->lowmem.start;
		const unsigned rel[] = { TRAMP_GDTR + 2, TRAMP_PM32_PTR,
					 TRAMP_LM64_PTR };
		uint32_t cr3_32 = (uint32_t)cr3, la57 = n->la57;
		/* The bzImage's 64-bit entry is 0x200 into it */
		uint64_t entry = img->kernel + (vm ? vm->entry : 0x200);
		uint64_t bpa = img->boot_params;
		unsigned i;

		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			memcpy(&v, t + rel[i], 4);
			v += base;
			memcpy(t + rel[i], &v, 4);
		}
		memcpy(t + TRAMP_CR3, &cr3_32, 4);
		memcpy(t + TRAMP_LA57, &la57, 4);
		memcpy(t + TRAMP_ENTRY, &entry, 8);
		memcpy(t + TRAMP_BOOT_PARAMS, &bpa, 8);
	}
	img->entry = n->lowmem.start;

	/*
	 * Command line, with the node's id. The platform's external NMI (a
	 * BMC's, the NMI button's) arrives on LINT1 of every CPU whose
	 * kernel unmasks it, by default each kernel's first CPU: it is
	 * node0's to handle, so nodes keep LINT1 masked. The node keeps its
	 * initrd (retain_initrd): a restart then finds it in place, and
	 * node0 has nothing of it to write again.
	 */
	cmdline = (char *)data + SL_PAGE;
	cmdline_max = bz->cmdline_size && bz->cmdline_size < SL_PAGE ?
		      bz->cmdline_size : SL_PAGE - 1;
	if (compose_cmdline(cmdline, cmdline_max, n->cmdline ? n->cmdline : "",
			    n->id, err, errlen))
		goto fail;
	img->cmdline = cmdline;

	/* setup_data: one entry, the node's description, with room for
	 * what a newer minor version adds (sl_alter_setup) */
	_Static_assert(sizeof(struct setup_data) + sizeof(struct shoji_setup) +
		       sizeof(uint64_t) <= SL_PAGE, "setup_data outgrew its page");
	sd = (struct setup_data *)(data + 2 * SL_PAGE);
	sd->next = 0;
	sd->type = SETUP_SHOJI;
	sd->len = sizeof(struct shoji_setup);
	img->setup_data = sd;
	img->setup = (struct shoji_setup *)sd->data;
	sl_build_setup(img->setup, n);

	bp = (struct boot_params *)data;
	sl_build_boot_params(bp, bz, n, data_pa + SL_PAGE, initrd_pa,
			     initrd_size, data_pa + 2 * SL_PAGE);

	add_seg(img, low, low, TRAMP_SIZE + pt_used, n->lowmem.start,
		TRAMP_SIZE + pt_used);
	/*
	 * The kernel and the initrd as the caller holds them: a copy of
	 * each would be two more passes over most of the image. Of a
	 * decompressed kernel, only what its segments fill from the file:
	 * node0 then neither compares nor writes the gaps and .bss, which
	 * a node that ran used and changed.
	 */
	img->kernel_seg = img->nr;
	if (vm) {
		for (unsigned i = 0; i < vm->nr_pieces; i++)
			add_seg(img, vm->image + vm->piece[i].offset, NULL,
				vm->piece[i].size,
				img->kernel + vm->piece[i].offset,
				vm->piece[i].size);
	} else {
		add_seg(img, bz->data + bz->setup_size, NULL, kernel_size,
			img->kernel, kernel_mem);
	}
	img->nr_kernel_segs = img->nr - img->kernel_seg;
	add_seg(img, data, data, 3 * SL_PAGE, data_pa, 3 * SL_PAGE);
	if (initrd_size)
		add_seg(img, initrd, NULL, initrd_size, initrd_pa,
			initrd_size);
	return 0;

fail:
	free(low);
	free(data);
	memset(img, 0, sizeof(*img));
	return -1;
}

void sl_image_free(struct sl_image *img)
{
	unsigned i;

	for (i = 0; i < img->nr; i++)
		free(img->seg[i].owned);
	memset(img, 0, sizeof(*img));
}
