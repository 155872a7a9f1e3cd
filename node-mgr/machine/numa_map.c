#include "machine/numa_map.h"
#include "common/sysroot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ACPI 6.5, 5.2.16: the SRAT header, then affinity structures. */
#define SRAT_HEADER_LEN 48
#define SRAT_LOCAL_APIC 0
#define SRAT_MEMORY 1
#define SRAT_X2APIC 2
#define SRAT_ENABLED (1u << 0)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int add_cpu(struct numa_map *map, uint32_t apic_id, uint32_t domain)
{
	struct numa_cpu *grown = realloc(map->cpus, (map->cpu_count + 1) *
						    sizeof(*map->cpus));

	if (!grown)
		return -ENOMEM;
	map->cpus = grown;
	map->cpus[map->cpu_count++] = (struct numa_cpu){ apic_id, domain };
	return 0;
}

static int add_memory(struct numa_map *map, uint64_t base, uint64_t length,
		      uint32_t domain)
{
	struct numa_memory *grown;

	if (!length || base + length - 1 < base)
		return 0;
	grown = realloc(map->memory, (map->memory_count + 1) *
				     sizeof(*map->memory));
	if (!grown)
		return -ENOMEM;
	map->memory = grown;
	map->memory[map->memory_count++] =
		(struct numa_memory){ base, base + length - 1, domain };
	return 0;
}

/* One affinity structure of type and length at p; others are skipped. */
static int parse_entry(const unsigned char *p, struct numa_map *map)
{
	uint8_t type = p[0], length = p[1];

	switch (type) {
	case SRAT_LOCAL_APIC:
		if (length < 16 || !(le32(p + 4) & SRAT_ENABLED))
			return 0;
		/* The domain's low byte at 2, its upper three bytes at 9. */
		return add_cpu(map, p[3],
			       p[2] | (uint32_t)p[9] << 8 |
			       (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24);
	case SRAT_X2APIC:
		if (length < 24 || !(le32(p + 12) & SRAT_ENABLED))
			return 0;
		return add_cpu(map, le32(p + 8), le32(p + 4));
	case SRAT_MEMORY:
		if (length < 40 || !(le32(p + 28) & SRAT_ENABLED))
			return 0;
		return add_memory(map, le64(p + 8), le64(p + 16), le32(p + 2));
	default:
		return 0;
	}
}

int numa_map_parse_srat(const unsigned char *table, size_t len,
			struct numa_map *map)
{
	size_t at = SRAT_HEADER_LEN, declared;

	memset(map, 0, sizeof(*map));
	if (len < SRAT_HEADER_LEN || memcmp(table, "SRAT", 4))
		return -EINVAL;
	declared = le32(table + 4);
	if (declared < SRAT_HEADER_LEN || declared > len)
		return -EINVAL;
	while (at + 2 <= declared) {
		uint8_t length = table[at + 1];
		int err;

		if (length < 2 || at + length > declared) {
			numa_map_free(map);
			return -EINVAL;
		}
		err = parse_entry(table + at, map);
		if (err) {
			numa_map_free(map);
			return err;
		}
		at += length;
	}
	return 0;
}

void numa_map_free(struct numa_map *map)
{
	free(map->memory);
	free(map->cpus);
	memset(map, 0, sizeof(*map));
}

bool numa_map_cpu_domain(const struct numa_map *map, uint32_t apic_id,
			 uint32_t *domain)
{
	for (size_t i = 0; i < map->cpu_count; i++) {
		if (map->cpus[i].apic_id == apic_id) {
			*domain = map->cpus[i].domain;
			return true;
		}
	}
	return false;
}

bool numa_map_range_domain(const struct numa_map *map, uint64_t first,
			   uint64_t last, uint32_t *domain)
{
	uint64_t at = first;
	bool found = false;

	/* Walk the range entry by entry: every byte covered, one domain. */
	for (;;) {
		const struct numa_memory *covering = NULL;

		for (size_t i = 0; i < map->memory_count; i++) {
			if (map->memory[i].first <= at &&
			    at <= map->memory[i].last) {
				covering = &map->memory[i];
				break;
			}
		}
		if (!covering || (found && covering->domain != *domain))
			return false;
		*domain = covering->domain;
		found = true;
		if (covering->last >= last)
			return true;
		at = covering->last + 1;
	}
}

int numa_map_read_machine(struct numa_map *map)
{
	unsigned char *srat;
	size_t len;
	int ret;

	if (sysroot_read_bytes("/sys/firmware/acpi/tables/SRAT", &srat, &len))
		return -ENOENT;
	ret = numa_map_parse_srat(srat, len, map);
	free(srat);
	return ret;
}
