/* Building a Shoji node's boot image in user space: the bzImage's
 * protected-mode kernel, boot_params with the node's own e820 map, the
 * command line, the initrd, the Shoji setup_data and the start trampoline
 * with its identity page tables. Pure functions over memory buffers: no
 * system access, so they can be tested on their own. */
#ifndef SHOJI_BOOTIMAGE_H
#define SHOJI_BOOTIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/shoji.h>

/* The setup_data type of struct shoji_setup: asm/setup_data.h of a kernel
 * with the patch series has it, the installed headers may predate it. The
 * unit tests check the number against the series. */
#ifndef SETUP_SHOJI
#define SETUP_SHOJI	10
#endif

#define SL_PAGE		UINT64_C(4096)
#define SL_2M		(UINT64_C(2) << 20)
/* Pieces of a decompressed kernel loaded apart (struct sl_vmlinux); a
 * kernel with more is loaded as one */
#define SL_VMLINUX_MAX_PIECES	8
/* The low window, the kernel's pieces, boot data, initrd: at most
 * KEXEC_SEGMENT_MAX */
#define SL_MAX_SEGMENTS	(3 + SL_VMLINUX_MAX_PIECES)

struct sl_range {
	uint64_t start;
	uint64_t size;
};

/* Everything the image depends on: the node's resources and the machine
 * facts node0 knows. */
struct sl_node {
	unsigned id;
	unsigned nr_cpus;
	uint32_t apic_ids[SHOJI_MAX_CPUS];	/* boot CPU first */
	unsigned nr_ranges;
	struct sl_range ranges[SHOJI_MAX_RANGES];
	struct sl_range lowmem;
	uint64_t control_pa;
	unsigned nr_pci;
	struct shoji_pci_dev pci[SHOJI_MAX_PCI];
	uint16_t uart_port;
	uint32_t tsc_khz;
	uint32_t lapic_khz;
	uint64_t ecam_base;
	uint16_t ecam_seg;
	uint8_t ecam_bus_start;
	uint8_t ecam_bus_end;
	bool la57;		/* start the kernel with 5-level paging */
	const char *cmdline;	/* without shoji.node=, which is appended */
	/* NUMA: see sl_node_set_numa(); 0 domains: none told */
	unsigned nr_numa_domains;
	uint32_t numa_domains[SHOJI_MAX_NUMA_DOMAINS];	/* ascending */
	unsigned nr_numa_ranges;
	struct shoji_numa_range numa_ranges[SHOJI_MAX_NUMA_RANGES];
	uint8_t cpu_numa[SHOJI_MAX_CPUS];	/* of apic_ids[i] */
};

/* The machine's NUMA affinity as its SRAT gives it: the proximity domain
 * of each CPU (by APIC ID) and of each range of memory (inclusive). */
struct sl_numa_cpu {
	uint32_t apic_id;
	uint32_t domain;
};

struct sl_numa_memory {
	uint64_t first, last;
	uint32_t domain;
};

struct sl_bzimage {
	const uint8_t *data;
	size_t size;
	size_t setup_size;	/* real-mode part, (setup_sects + 1) * 512 */
	uint16_t version;
	uint16_t xloadflags;
	uint32_t init_size;
	uint32_t alignment;
	uint32_t cmdline_size;
	bool shoji;		/* built with CONFIG_SHOJI */
	unsigned shoji_abi;	/* the N of its ShojiNodeABI=N marker */
};

struct sl_segment {
	const void *buf;
	void *owned;	/* buf when the image allocated it, else NULL */
	size_t bufsz;
	uint64_t mem;
	uint64_t memsz;
};

struct sl_image {
	unsigned nr;
	struct sl_segment seg[SL_MAX_SEGMENTS];
	unsigned kernel_seg;		/* the kernel's first segment */
	unsigned nr_kernel_segs;	/* and how many it has */
	struct shoji_setup *setup;	/* inside a segment's buffer */
	struct setup_data *setup_data;	/* its header, just before it */
	const char *cmdline;		/* the node's, inside a segment */
	uint64_t entry;		/* the trampoline */
	uint64_t kernel;
	uint64_t boot_params;
	uint64_t initrd;
	uint64_t cr3;
};

/* The node ABI this loader speaks: the N of SHOJI_BZIMAGE_MARKER */
unsigned sl_abi_version(void);

/* Checks the setup header and finds the Shoji marker. Returns 0, or -1
 * with a reason in err. */
int sl_bzimage_parse(struct sl_bzimage *bz, const void *data, size_t size,
		     char *err, size_t errlen);

/* The node's e820 map: its RAM ranges and low window as RAM, its control
 * page reserved, sorted. Returns the number of entries. */
unsigned sl_build_e820(const struct sl_node *n, struct boot_e820_entry *e,
		       unsigned max);

void sl_build_setup(struct shoji_setup *s, const struct sl_node *n);

/*
 * Tells node n the proximity domains of its CPUs (n->apic_ids) and of its
 * RAM (n->ranges, split where domains meet; RAM no entry covers is left
 * to the node, which gives it its boot CPU's domain). Returns false, with
 * nothing told, when a CPU has no domain or the node spans more domains
 * or ranges than struct shoji_setup holds.
 */
bool sl_node_set_numa(struct sl_node *n, const struct sl_numa_cpu *cpus,
		      size_t nr_cpus, const struct sl_numa_memory *memory,
		      size_t nr_memory);

/*
 * Test only: the Shoji setup_data of another loader (`shoji-load load
 * --test-setup`), so that the tests see a node refuse a layout no node
 * kernel knows (magic byte-swapped, the next major version, a size 8
 * bytes larger than the setup_data entry holds) and take one of the next
 * minor version, which has a field more.
 */
enum sl_setup_layout {
	SL_SETUP_AS_BUILT,
	SL_SETUP_BAD_MAGIC,	/* layouts a node must refuse */
	SL_SETUP_BAD_VERSION,	/* the next major version */
	SL_SETUP_BAD_SIZE,	/* larger than the setup_data entry */
	SL_SETUP_NEWER_MINOR,	/* a field more: a node must take it */
};

/* "bad-magic", "bad-version", "bad-size" or "newer-minor";
 * SL_SETUP_AS_BUILT for anything else */
enum sl_setup_layout sl_setup_layout_parse(const char *what);
void sl_alter_setup(struct sl_image *img, enum sl_setup_layout how);
/* The device's name as sysfs and the kernel's messages give it,
 * "SSSS:BB:DD.F" */
#define SL_PCI_NAME_LEN 16
void sl_pci_dev_name(const struct shoji_pci_dev *d, char buf[SL_PCI_NAME_LEN]);

/* Test only (`shoji-load load --test-setup-pci`): list nr more PCI
 * devices in the setup_data, devices node0 did not give the node, which
 * the node must not use. At most SHOJI_MAX_PCI in all. */
void sl_setup_list_pci(struct sl_image *img, const struct shoji_pci_dev *pci,
		       unsigned nr);

/* Identity page tables with 2 MiB pages for the first 2 MiB and the nr
 * ranges in map, in buf (physical address buf_pa). Returns the bytes
 * used and the top-level table in *cr3, or 0 if buf is too small. */
size_t sl_build_page_tables(void *buf, size_t bufsz, uint64_t buf_pa,
			    const struct sl_range *map, unsigned nr, bool la57,
			    uint64_t *cr3);

/* boot_params for the kernel at kernel_pa, command line, initrd and the
 * setup_data list at the given physical addresses. */
void sl_build_boot_params(struct boot_params *bp, const struct sl_bzimage *bz,
			  const struct sl_node *n, uint64_t cmdline_pa,
			  uint64_t initrd_pa, uint64_t initrd_size,
			  uint64_t setup_data_pa);

struct sl_vmlinux;

/* The whole image: with vm, the kernel decompressed out of bz (the node
 * enters it at startup_64); without, bz's own protected-mode kernel,
 * which decompresses itself. Its kernel and initrd segments point into
 * vm or bz and initrd, which must outlive it. Returns 0, or -1 with a
 * reason in err. */
int sl_build_image(struct sl_image *img, const struct sl_node *n,
		   const struct sl_bzimage *bz, const struct sl_vmlinux *vm,
		   const void *initrd, size_t initrd_size, char *err,
		   size_t errlen);
void sl_image_free(struct sl_image *img);

extern const uint8_t shoji_trampoline[], shoji_trampoline_end[];

#endif
