/* A plan, typed: what each node gets. Loading reports every value that is
 * malformed, every unknown or missing name; relations between values
 * (overlaps, alignment, limits) are checked by plan_check. Only values that
 * parsed are stored, so later checks never see garbage. */
#ifndef SHOJI_PLAN_H
#define SHOJI_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cpuset.h"
#include "common/diag.h"
#include "common/units.h"
#include "plan/plan_source.h"

#define PLAN_MAX_NODES 64	/* node ids 0..63 */
#define PLAN_MAX_NODE_CPUS 512	/* SHOJI_MAX_CPUS of the series */
#define PLAN_PAGE_SIZE UINT64_C(4096)
#define PLAN_CONTROL_PAGE_SIZE PLAN_PAGE_SIZE

#define PLAN_DEFAULT_HEARTBEAT_MS 100
#define PLAN_DEFAULT_HUNG_TIMEOUT_MS 3000
#define PLAN_DEFAULT_BOOT_TIMEOUT_MS 120000
#define PLAN_DEFAULT_NODE0_MEMORY (256 * UNITS_MIB)
#define PLAN_DEFAULT_RESTART_MAX 3
#define PLAN_DEFAULT_RESTART_BACKOFF_MS 1000
#define PLAN_DEFAULT_STOP_TIMEOUT_MS 5000

#define PLAN_MAX_GUESTS 64
#define PLAN_GUEST_NAME_MAX 32
#define PLAN_GUEST_MAX_VCPUS 255
#define PLAN_DEFAULT_GUEST_MEMORY (256 * UNITS_MIB)
#define PLAN_DEFAULT_GUEST_DISK_SIZE (64 * UNITS_MIB)
#define PLAN_GUEST_MIN_MEMORY (32 * UNITS_MIB)
/* What a node keeps of its memory for its own kernel, its tools and the
 * QEMU processes around its guests; the rest is what its guests may get. */
#define PLAN_GUEST_NODE_RESERVE (128 * UNITS_MIB)

enum plan_uart { UART_NONE, UART_COM1, UART_COM2, UART_COM3, UART_COM4 };
enum plan_restart { RESTART_NEVER, RESTART_ON_FAILURE };
/* What a reboot asked by the node itself does (on_reboot) */
enum plan_on_reboot { ON_REBOOT_RESTART, ON_REBOOT_STOP };
/* Who decompresses the node's kernel (decompress) */
enum plan_decompress { DECOMPRESS_NODE0, DECOMPRESS_NODE };

struct plan_range {
	struct mem_range range;
	const struct plan_key *key;
};

struct plan_pci {
	struct pci_ref ref;
	const struct plan_key *key;
};

struct plan_node {
	bool present;
	unsigned id;
	const struct plan_section *section;

	struct cpuset cpus;
	const struct plan_key *cpus_key;

	/* node0: the RAM it needs for itself */
	uint64_t node0_memory;
	/* nodes 1..63: the ranges they own */
	struct plan_range *memory;
	size_t memory_count;
	const struct plan_key *memory_key;

	bool has_lowmem;
	struct plan_range lowmem;

	struct plan_pci *pci;
	size_t pci_count;

	enum plan_uart uart;
	const struct plan_key *uart_key;

	char *kernel;	/* resolved against the plan's directory */
	const struct plan_key *kernel_key;
	char *initrd;	/* NULL if none */
	const struct plan_key *initrd_key;
	const char *cmdline;

	enum plan_restart restart;
	unsigned restart_max;
	uint64_t restart_backoff_ms;
	uint64_t stop_timeout_ms;
	enum plan_on_reboot on_reboot;
	enum plan_decompress decompress;
};

/* [guest.NAME]: a KVM guest that runs on one node. Paths are absolute
 * and normalized (.. resolved as text): the node finds the same path on
 * its own disk, which it mounts where node0 mounts its own (/shoji). */
struct plan_guest {
	char name[PLAN_GUEST_NAME_MAX + 1];
	const struct plan_section *section;

	int node;		/* -1 until node parsed */
	const struct plan_key *node_key;
	unsigned vcpus;
	const struct plan_key *vcpus_key;
	uint64_t memory;
	const struct plan_key *memory_key;
	char *kernel;
	const struct plan_key *kernel_key;
	char *initrd;		/* NULL if none */
	const struct plan_key *initrd_key;
	const char *cmdline;
	char *disk;		/* NULL if none */
	const struct plan_key *disk_key;
	uint64_t disk_size;
	const struct plan_key *disk_size_key;
	bool autostart;
};

struct plan_machine {
	const struct plan_section *section;	/* NULL if absent */
	unsigned cpus;				/* 0 if not given */
	const struct plan_key *cpus_key;
	uint64_t memory;			/* 0 if not given */
	const struct plan_key *memory_key;
	bool has_control;
	struct plan_range control;
	uint64_t heartbeat_ms;
	const struct plan_key *heartbeat_key;
	uint64_t hung_timeout_ms;
	const struct plan_key *hung_timeout_key;
	uint64_t boot_timeout_ms;
	const struct plan_key *boot_timeout_key;
};

struct plan {
	struct plan_source *src;
	char *dir;	/* directory of the plan file */
	struct plan_machine machine;
	struct plan_node nodes[PLAN_MAX_NODES];
	struct plan_guest *guests;	/* in the order of the file */
	size_t guest_count;
};

/* Loads and types the plan at path. Returns NULL only on an internal
 * failure (recorded in d); plan errors go to d and leave a plan with the
 * values that were good. */
struct plan *plan_load(const char *path, struct diag *d);
void plan_free(struct plan *plan);

const char *plan_uart_name(enum plan_uart uart);
/* "restart" or "stop" */
const char *plan_on_reboot_name(enum plan_on_reboot on_reboot);
/* "node0" or "node" */
const char *plan_decompress_name(enum plan_decompress decompress);

/* PATH as an absolute path with . and .. resolved as text (malloc'd), or
 * NULL when out of memory or the working directory is unknown. */
char *plan_path_absolute(const char *path);
/* Highest node id present, 0 if only node0. */
unsigned plan_highest_node(const struct plan *plan);
/* The guest named name, NULL if the plan has none */
const struct plan_guest *plan_guest_named(const struct plan *plan,
					  const char *name);
/* Total bytes of a node's memory ranges */
uint64_t plan_node_memory(const struct plan_node *node);

#endif
