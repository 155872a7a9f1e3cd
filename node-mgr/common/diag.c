#include "common/diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->entries[i].text);
	free(d->entries);
	free(d->failure);
	diag_init(d);
}

DIAG_PRINTF(1, 0)
static char *vformat(const char *fmt, va_list ap)
{
	va_list copy;
	int len;
	char *text;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		return NULL;
	text = malloc((size_t)len + 1);
	if (text)
		vsnprintf(text, (size_t)len + 1, fmt, ap);
	return text;
}

static bool grow(struct diag *d)
{
	size_t cap = d->cap ? d->cap * 2 : 16;
	struct diag_entry *entries;

	if (cap > SIZE_MAX / sizeof(*entries))
		return false;
	entries = realloc(d->entries, cap * sizeof(*entries));
	if (!entries)
		return false;
	d->entries = entries;
	d->cap = cap;
	return true;
}

static void add_entry(struct diag *d, unsigned line, bool warning,
		      const char *fmt, va_list ap) DIAG_PRINTF(4, 0);

static void add_entry(struct diag *d, unsigned line, bool warning,
		      const char *fmt, va_list ap)
{
	char *text;

	if (d->count == d->cap && !grow(d)) {
		d->out_of_memory = true;
		return;
	}
	text = vformat(fmt, ap);
	if (!text) {
		d->out_of_memory = true;
		return;
	}
	d->entries[d->count] = (struct diag_entry){ .line = line,
						    .seq = d->count,
						    .warning = warning,
						    .text = text };
	d->count++;
}

void diag_addv(struct diag *d, unsigned line, const char *fmt, va_list ap)
{
	add_entry(d, line, false, fmt, ap);
}

void diag_warn(struct diag *d, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_entry(d, line, true, fmt, ap);
	va_end(ap);
}

void diag_add(struct diag *d, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, line, fmt, ap);
	va_end(ap);
}

void diag_fail(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	if (d->failure)
		return;
	va_start(ap, fmt);
	d->failure = vformat(fmt, ap);
	va_end(ap);
	if (!d->failure)
		d->out_of_memory = true;
}

bool diag_failed(const struct diag *d)
{
	return d->failure != NULL || d->out_of_memory;
}

size_t diag_errors(const struct diag *d)
{
	size_t errors = 0;

	for (size_t i = 0; i < d->count; i++)
		errors += !d->entries[i].warning;
	return errors;
}

static int by_line(const void *a, const void *b)
{
	const struct diag_entry *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_clean(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

void diag_print(struct diag *d, FILE *out, const char *plan_path)
{
	if (d->count)
		qsort(d->entries, d->count, sizeof(*d->entries), by_line);
	for (size_t i = 0; i < d->count; i++) {
		if (d->entries[i].line)
			fprintf(out, "%s:%u: ", plan_path, d->entries[i].line);
		else
			fprintf(out, "%s: ", plan_path);
		if (d->entries[i].warning)
			fputs("warning: ", out);
		print_clean(out, d->entries[i].text);
		fputc('\n', out);
	}
}

void diag_print_failure(const struct diag *d, FILE *out)
{
	if (d->failure) {
		fputs("shoji: ", out);
		print_clean(out, d->failure);
		fputc('\n', out);
	} else if (d->out_of_memory) {
		fputs("shoji: out of memory\n", out);
	}
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t edit_distance(const char *a, const char *b)
{
	/* Names compared here are short; longer ones are never typos of a
	 * known name, so they are simply far from everything. */
	enum { MAX = 64 };
	size_t la = strlen(a), lb = strlen(b);
	size_t d[MAX + 1][MAX + 1];

	if (la > MAX || lb > MAX)
		return la > lb ? la : lb;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
				       d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

const char *nearest_name(const char *word, const char *const *candidates,
			 size_t count)
{
	const char *best = NULL;
	size_t best_distance = SIZE_MAX;
	size_t len = strlen(word);
	/* One edit for short names, two for longer ones: beyond that a
	 * suggestion is more confusing than helpful. */
	size_t limit = len <= 4 ? 1 : 2;

	for (size_t i = 0; i < count; i++) {
		size_t dist = edit_distance(word, candidates[i]);

		if (dist < best_distance) {
			best = candidates[i];
			best_distance = dist;
		}
	}
	return best_distance <= limit && best_distance < len ? best : NULL;
}
