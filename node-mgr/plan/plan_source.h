/* The text of a plan: its sections and keys with the line each starts on,
 * and their values as iniparser reads them.
 *
 * iniparser gives the values but neither line numbers nor duplicates, so
 * the file is also scanned line by line with iniparser's own rules for
 * reading lines (length limit, '\' continuation, section and key syntax);
 * the scan only locates names, it never interprets values. */
#ifndef SHOJI_PLAN_SOURCE_H
#define SHOJI_PLAN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/diag.h"

struct plan_section;

struct plan_key {
	char *name;		/* lower case, as iniparser stores it */
	const char *value;	/* owned by the dictionary; never NULL */
	unsigned line;		/* of the occurrence whose value counts */
	const struct plan_section *section;
};

struct plan_section {
	char *name;		/* lower case */
	unsigned line;		/* of the first header */
	struct plan_key **keys;
	size_t key_count;
	size_t key_cap;
};

struct plan_source {
	struct plan_section **sections;
	size_t section_count;
	size_t section_cap;
	void *dict;		/* iniparser dictionary */
	/* iniparser rejected the file; the errors are in the diag and there
	 * are no sections to check. */
	bool syntax_errors;
};

/* Reads path. Syntax errors, duplicate sections and keys, and keys outside
 * any section go to d. Returns NULL (with d's failure set) only when the
 * file cannot be read at all or memory runs out; a plan with syntax errors
 * gives a source without sections, since iniparser then returns nothing. */
struct plan_source *plan_source_load(const char *path, struct diag *d);
void plan_source_free(struct plan_source *src);

const struct plan_key *plan_section_key(const struct plan_section *s,
					const char *name);

/* "[section] key = value: message" at the key's line. */
void plan_key_error(struct diag *d, const struct plan_key *key,
		    const char *fmt, ...) DIAG_PRINTF(3, 4);
/* The same as a warning: the plan stays good. */
void plan_key_warning(struct diag *d, const struct plan_key *key,
		      const char *fmt, ...) DIAG_PRINTF(3, 4);
/* "[section]: message" at the section's line. */
void plan_section_error(struct diag *d, const struct plan_section *s,
			const char *fmt, ...) DIAG_PRINTF(3, 4);

#endif
