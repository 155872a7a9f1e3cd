/* Every prefix of every plan given on the command line goes through the
 * full offline check: truncated files must give errors, never a crash or
 * a leak (this runs under ASan and UBSan). */
#include <stdlib.h>
#include <unistd.h>

#include "plan/boot_params.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

#include "check.h"
#include "fixture.h"

static char *read_all(const char *path, size_t *len)
{
	FILE *in = fopen(path, "rb");
	char *text;
	long size;

	if (!in)
		return NULL;
	if (fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) != 0 || !(text = malloc((size_t)size + 1))) {
		fclose(in);
		return NULL;
	}
	*len = fread(text, 1, (size_t)size, in);
	fclose(in);
	return text;
}

/* Returns true if the check ran to the end (with or without errors). */
static bool check_prefix(const char *path, const char *text, size_t len)
{
	FILE *out = fopen(path, "wb");
	struct diag d;
	struct plan *plan;
	bool done;

	if (!out || fwrite(text, 1, len, out) != len || fclose(out) != 0)
		return false;
	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan) {
		plan_check(plan, &d);
		if (!diag_errors(&d))
			free(boot_params_format(plan));
	}
	done = plan != NULL && !diag_failed(&d);
	plan_free(plan);
	diag_free(&d);
	return done;
}

int main(int argc, char **argv)
{
	char *dir = fixture_tempdir();
	char path[4200];

	snprintf(path, sizeof(path), "%s/plan.ini", dir);
	for (int i = 1; i < argc; i++) {
		size_t len;
		char *text = read_all(argv[i], &len);

		if (!CHECK(text != NULL)) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			continue;
		}
		for (size_t n = 0; n <= len; n++)
			if (!CHECK(check_prefix(path, text, n)))
				fprintf(stderr, "%s cut at %zu bytes\n", argv[i],
					n);
		free(text);
	}
	unlink(path);
	fixture_remove(dir);
	free(dir);
	return check_summary();
}
