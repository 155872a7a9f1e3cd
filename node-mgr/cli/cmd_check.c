/* shoji check: reports every error of a plan, or prints the node0 boot
 * parameters a good plan needs. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/option_hint.h"
#include "common/diag.h"
#include "machine/machine_check.h"
#include "plan/boot_params.h"
#include "plan/plan.h"
#include "plan/plan_check.h"

static const char check_usage[] =
	"Usage: shoji check [--offline] PLAN\n"
	"       shoji check --boot-params [--grub] PLAN\n"
	"\n"
	"Checks PLAN and prints every error as PLAN:LINE: message on "
	"stderr.\n"
	"Without --offline it also checks PLAN against this machine (run it "
	"as root\non node0): CPUs, RAM in the firmware map, memory reserved "
	"from node0,\nPCI devices.\n"
	"\n"
	"  --offline      check the plan alone\n"
	"  --boot-params  check the plan alone; if it is good, print the "
	"node0 kernel\n"
	"                 parameters it needs on one line\n"
	"  --grub         with --boot-params: print them as a line to append "
	"to\n"
	"                 /etc/default/grub, with every $ escaped as GRUB "
	"needs\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 good plan, 2 the plan has errors, 1 the check could "
	"not be\ndone (usage error, unreadable plan or machine, not root).\n"
	"See docs/plan.md for the plan format.\n";

struct check_options {
	bool offline;
	bool boot_params;
	bool grub;
	const char *path;
};

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct check_options *opt)
{
	static const struct option longopts[] = {
		{ "offline", no_argument, NULL, 'o' },
		{ "boot-params", no_argument, NULL, 'b' },
		{ "grub", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char near[64];
	const char *hint;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->offline = true;
			break;
		case 'b':
			opt->boot_params = true;
			break;
		case 'g':
			opt->grub = true;
			break;
		case 'h':
			fputs(check_usage, stdout);
			return EXIT_GOOD;
		default:
			hint = option_hint(argv[optind - 1], longopts, near,
					   sizeof(near));
			fprintf(stderr, "shoji check: unknown option '%s'%s%s%s\n",
				argv[optind - 1], hint ? " (did you mean '" : "",
				hint ? hint : "", hint ? "'?)" : "");
			fputs("Try 'shoji check --help'.\n", stderr);
			return EXIT_CANNOT;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "shoji check: %s\n",
			argc == optind ? "no plan given"
				       : "give exactly one plan");
		fputs("Try 'shoji check --help'.\n", stderr);
		return EXIT_CANNOT;
	}
	if (opt->grub && !opt->boot_params) {
		fputs("shoji check: --grub goes with --boot-params\n"
		      "Try 'shoji check --help'.\n",
		      stderr);
		return EXIT_CANNOT;
	}
	opt->path = argv[optind];
	return -1;
}

static int report(struct diag *d, const char *path)
{
	diag_print(d, stderr, path);
	if (diag_failed(d)) {
		diag_print_failure(d, stderr);
		return EXIT_CANNOT;
	}
	return diag_errors(d) ? EXIT_BAD_PLAN : EXIT_GOOD;
}

/*
 * /etc/default/grub is read by the shell inside double quotes, and what
 * it leaves goes into grub.cfg, where GRUB takes "$0x..." for a variable:
 * a $ must reach grub.cfg as \$, so it is written \\\$ here.
 */
static void print_grub_line(const char *params)
{
	fputs("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX ", stdout);
	for (const char *p = params; *p; p++) {
		if (*p == '$')
			fputs("\\\\\\$", stdout);
		else if (*p == '"' || *p == '\\' || *p == '`')
			printf("\\%c", *p);
		else
			putchar(*p);
	}
	fputs("\"\n", stdout);
}

static int print_boot_params(const struct plan *plan, bool grub)
{
	char *line = boot_params_format(plan);

	if (!line) {
		fputs("shoji: out of memory\n", stderr);
		return EXIT_CANNOT;
	}
	if (grub)
		print_grub_line(line);
	else
		puts(line);
	free(line);
	return EXIT_GOOD;
}

int cmd_check(int argc, char **argv)
{
	struct check_options opt = { 0 };
	struct diag d;
	struct plan *plan;
	int status = parse_options(argc, argv, &opt);

	if (status >= 0)
		return status;
	diag_init(&d);
	plan = plan_load(opt.path, &d);
	if (plan) {
		plan_check(plan, &d);
		if (!opt.offline && !opt.boot_params)
			machine_check(plan, &d);
	}
	status = report(&d, opt.path);
	if (status == EXIT_GOOD && opt.boot_params)
		status = print_boot_params(plan, opt.grub);
	plan_free(plan);
	diag_free(&d);
	return status;
}
