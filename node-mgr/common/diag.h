/* Collects the errors found in a plan so that all of them can be reported
 * at once, sorted by line, and keeps the one internal failure (a problem of
 * the tool or the machine, not of the plan) apart from them. */
#ifndef SHOJI_DIAG_H
#define SHOJI_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DIAG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

struct diag_entry {
	unsigned line; /* 0: the plan as a whole */
	size_t seq;    /* keeps the order of errors on one line stable */
	bool warning;  /* allowed, but worth knowing; not an error */
	char *text;
};

struct diag {
	struct diag_entry *entries;
	size_t count;
	size_t cap;
	char *failure; /* first internal failure, NULL if none */
	bool out_of_memory;
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);

void diag_add(struct diag *d, unsigned line, const char *fmt, ...)
	DIAG_PRINTF(3, 4);
void diag_addv(struct diag *d, unsigned line, const char *fmt, va_list ap)
	DIAG_PRINTF(3, 0);
/* A warning: printed with the errors, but the plan stays good. */
void diag_warn(struct diag *d, unsigned line, const char *fmt, ...)
	DIAG_PRINTF(3, 4);
/* Records an internal failure; only the first one is kept. */
void diag_fail(struct diag *d, const char *fmt, ...) DIAG_PRINTF(2, 3);

bool diag_failed(const struct diag *d);
/* Errors only, not warnings. */
size_t diag_errors(const struct diag *d);

/* Prints "PLAN:LINE: text" for each error and "PLAN:LINE: warning: text"
 * for each warning, sorted by line. Control
 * characters (from a binary or broken file) are printed as '?'. */
void diag_print(struct diag *d, FILE *out, const char *plan_path);
/* Prints the internal failure, if any, as "shoji: text". */
void diag_print_failure(const struct diag *d, FILE *out);

/* Damerau-Levenshtein (optimal string alignment) distance. */
size_t edit_distance(const char *a, const char *b);
/* The candidate closest to word if it is close enough to be a likely typo,
 * else NULL. */
const char *nearest_name(const char *word, const char *const *candidates,
			 size_t count);

#endif
