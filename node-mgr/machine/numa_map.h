/* Which NUMA proximity domain each CPU and each range of memory belongs
 * to, from the firmware's ACPI SRAT. A node kept within one domain reaches
 * its memory without crossing sockets. */
#ifndef SHOJI_NUMA_MAP_H
#define SHOJI_NUMA_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct numa_memory {
	uint64_t first, last;	/* inclusive */
	uint32_t domain;
};

struct numa_cpu {
	uint32_t apic_id;
	uint32_t domain;
};

struct numa_map {
	struct numa_memory *memory;
	size_t memory_count;
	struct numa_cpu *cpus;
	size_t cpu_count;
};

/*
 * Parses an SRAT (the table's bytes, header included): its enabled local
 * APIC, x2APIC and memory affinity entries. Returns 0, -EINVAL when the
 * bytes are not a well-formed SRAT, or -ENOMEM.
 */
int numa_map_parse_srat(const unsigned char *table, size_t len,
			struct numa_map *map);
void numa_map_free(struct numa_map *map);
/* The machine's own SRAT (/sys/firmware/acpi/tables/SRAT, under the
 * sysroot), parsed. Returns 0, -ENOENT when it cannot be read (no ACPI,
 * no SRAT, not root), or numa_map_parse_srat()'s error. */
int numa_map_read_machine(struct numa_map *map);

/* The domain of the CPU with APIC ID apic_id; false when SRAT omits it. */
bool numa_map_cpu_domain(const struct numa_map *map, uint32_t apic_id,
			 uint32_t *domain);
/* The one domain all of [first, last] lies in; false when the range lies
 * in several domains, or partly outside every memory entry. */
bool numa_map_range_domain(const struct numa_map *map, uint64_t first,
			   uint64_t last, uint32_t *domain);

#endif
