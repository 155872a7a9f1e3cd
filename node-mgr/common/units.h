/* Value syntaxes of a plan: numbers, sizes, address ranges, durations and
 * PCI device references. Each parser accepts the whole string or nothing and
 * on failure writes a short reason to err; the caller shows the value. */
#ifndef SHOJI_UNITS_H
#define SHOJI_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNITS_ERR_MAX 160

struct units_err {
	char msg[UNITS_ERR_MAX];
};

/* size bytes at addr. Its end is given inclusive (mem_range_last) so that
 * a range reaching the top of the 64-bit space can be represented. */
struct mem_range {
	uint64_t addr;
	uint64_t size;
};

struct pci_ref {
	bool by_id; /* vendor:device rather than a bus address */
	uint16_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t func;
	uint16_t vendor;
	uint16_t device;
};

#define UNITS_KIB (UINT64_C(1) << 10)
#define UNITS_MIB (UINT64_C(1) << 20)
#define UNITS_GIB (UINT64_C(1) << 30)

/* Decimal or 0x-prefixed hexadecimal, no sign, no suffix. */
bool units_parse_u64(const char *s, uint64_t *out, struct units_err *err);
/* A number with an optional binary suffix K, M, G or T (any case). */
bool units_parse_size(const char *s, uint64_t *out, struct units_err *err);
/* SIZE@ADDR; ADDR+SIZE must not run past the top of the 64-bit space. */
bool units_parse_range(const char *s, struct mem_range *out,
		       struct units_err *err);
/* A number followed by ms, s or m; the result is in milliseconds. */
bool units_parse_duration_ms(const char *s, uint64_t *ms,
			     struct units_err *err);
/* [DDDD:]BB:DD.F or VVVV:DDDD (hex). */
bool units_parse_pci(const char *s, struct pci_ref *out,
		     struct units_err *err);

static inline uint64_t mem_range_last(const struct mem_range *r)
{
	return r->addr + r->size - 1;
}

bool mem_ranges_overlap(const struct mem_range *a, const struct mem_range *b);

/* Largest exact unit: 65536 -> "64K", 3 GiB -> "3G", 1000 -> "1000". */
void units_format_size(uint64_t bytes, char *buf, size_t len);
/* "0x100000000-0x11fffffff" */
void units_format_range(const struct mem_range *r, char *buf, size_t len);
/* "100ms", "3s", "2m" */
void units_format_duration(uint64_t ms, char *buf, size_t len);
/* "0000:00:03.0" or "1af4:1001" */
void units_format_pci(const struct pci_ref *ref, char *buf, size_t len);
bool pci_ref_equal(const struct pci_ref *a, const struct pci_ref *b);

/* Iterates over the items of a comma separated list, trimming spaces
 * around each item. An empty item (",," or a trailing comma) is returned
 * as "" so that the caller can report it. */
struct list_iter {
	const char *next;
};

void list_iter_init(struct list_iter *it, const char *s);
/* Returns false at the end. Items longer than cap-1 are cut, which is
 * harmless: the caller rejects them as malformed anyway. */
bool list_iter_next(struct list_iter *it, char *item, size_t cap);

#endif
