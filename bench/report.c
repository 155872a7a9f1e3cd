// SPDX-License-Identifier: GPL-2.0
#include "report.h"

#include <errno.h>
#include <inttypes.h>

#include "stats.h"

static void put_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Cycles to milliseconds, rounded to microseconds. */
static void put_ms(FILE *out, uint64_t cycles, uint64_t tsc_khz)
{
	uint64_t us = tsc_khz ? cycles * 1000u / tsc_khz : 0;

	fprintf(out, "%" PRIu64 ".%03" PRIu64, us / 1000u, us % 1000u);
}

int report_json(FILE *out, const struct result *r)
{
	struct summary s;
	int err = summarise(r->cycles, r->repetitions, &s);

	if (err)
		return err;
	fputs("{\"label\":", out);
	put_json_string(out, r->label);
	fputs(",\"host\":", out);
	put_json_string(out, r->host);
	fputs(",\"kernel\":", out);
	put_json_string(out, r->kernel);
	fputs(",\"mode\":", out);
	put_json_string(out, r->mode);
	fprintf(out, ",\"block_bytes\":%zu,\"iterations\":%" PRIu64
		",\"seed\":%" PRIu64 ",\"tsc_khz\":%" PRIu64 ",\"tsc_read\":",
		r->block_bytes, r->iterations, r->seed, r->tsc_khz);
	put_json_string(out, r->tsc_read);
	fprintf(out, ",\"repetitions\":%zu,\"cycles\":[", r->repetitions);
	for (size_t i = 0; i < r->repetitions; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", r->cycles[i]);
	fprintf(out, "],\"min\":%" PRIu64 ",\"median\":%" PRIu64 ",\"max\":%" PRIu64,
		s.min, s.median, s.max);
	fputs(",\"median_ms\":", out);
	put_ms(out, s.median, r->tsc_khz);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
