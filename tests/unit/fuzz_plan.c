/* libFuzzer target: any bytes as a plan file, through the full offline
 * check and the boot parameters. iniparser reads only files, so the input
 * is written to one temporary file per process. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/diag.h"
#include "plan/boot_params.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char plan_path[] = "/tmp/shoji-fuzz-XXXXXX";

static void remove_plan(void)
{
	unlink(plan_path);
}

static bool write_plan(const uint8_t *data, size_t size)
{
	static bool created;
	FILE *out;

	if (!created) {
		int fd = mkstemp(plan_path);

		if (fd < 0)
			return false;
		close(fd);
		atexit(remove_plan);
		created = true;
	}
	out = fopen(plan_path, "wb");
	if (!out)
		return false;
	if (fwrite(data, 1, size, out) != size) {
		fclose(out);
		return false;
	}
	return fclose(out) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	struct plan *plan;

	if (!write_plan(data, size))
		abort();
	diag_init(&d);
	plan = plan_load(plan_path, &d);
	if (plan) {
		plan_check(plan, &d);
		if (!diag_errors(&d) && !diag_failed(&d))
			free(boot_params_format(plan));
	}
	/* Render the errors too: formatting is part of what must not crash. */
	if (diag_errors(&d)) {
		FILE *sink = fopen("/dev/null", "w");

		if (sink) {
			diag_print(&d, sink, plan_path);
			fclose(sink);
		}
	}
	plan_free(plan);
	diag_free(&d);
	return 0;
}
