/* shoji plan create: writes a plan from what the running machine has. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/option_hint.h"
#include "common/sysroot.h"
#include "common/units.h"
#include "plan/plan_create.h"

/* Nine 64K low windows fit between 64 KiB and 640 KiB at most. */
#define MAX_CREATED_NODES 8

static const char plan_usage[] =
	"Usage: shoji plan create [--nodes N] [--node0-memory SIZE]\n"
	"                         [--kernel PATH] [--initrd PATH] "
	"[--output FILE]\n"
	"\n"
	"Writes a plan for this machine (run it as root on node0): node0 "
	"keeps CPU 0's\ncore and the RAM at the bottom; N nodes share the "
	"other cores (whole cores)\nand the rest of the RAM from the top "
	"down, 2 MiB aligned, each with a 64K\nlow window; the control "
	"area lies below them. PCI devices are listed as\ncomments, the ones "
	"node0 needs (its filesystems, swap, console, default\nroute) apart: "
	"give a node its devices with pci = ...\n"
	"\n"
	"  --nodes N            nodes besides node0, 1..8 (default 1)\n"
	"  --node0-memory SIZE  RAM node0 keeps (default a quarter, at "
	"least 1G)\n"
	"  --kernel PATH        the nodes' kernel (default "
	"/boot/vmlinuz-RELEASE of\n"
	"                       the running kernel)\n"
	"  --initrd PATH        the nodes' initramfs (default "
	"/boot/initrd.img-RELEASE\n"
	"                       when it exists)\n"
	"  -o, --output FILE    write to FILE, which must not exist (default: "
	"stdout)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 written, 1 usage error, or the machine cannot be read "
	"or\nhas too little for N nodes.\n";

struct plan_options {
	struct plan_create_opts create;
	const char *output;
	char *kernel_default;
	char *initrd_default;
};

static int usage_error(const char *fmt, ...) DIAG_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("shoji plan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'shoji plan --help'.\n", stderr);
	return EXIT_CANNOT;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct plan_options *o)
{
	static const struct option longopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "node0-memory", required_argument, NULL, 'm' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct units_err err;
	uint64_t value;
	char near[64];
	const char *hint;
	int c;

	if (argc < 2 || strcmp(argv[1], "create")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") ||
				  !strcmp(argv[1], "-h"))) {
			fputs(plan_usage, stdout);
			return EXIT_GOOD;
		}
		fputs(plan_usage, stderr);
		return EXIT_CANNOT;
	}
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!units_parse_u64(optarg, &value, &err) || !value ||
			    value > MAX_CREATED_NODES)
				return usage_error("--nodes %s: give a number "
						   "from 1 to 8",
						   optarg);
			o->create.nodes = (unsigned)value;
			break;
		case 'm':
			if (!units_parse_size(optarg, &value, &err))
				return usage_error("--node0-memory %s: %s",
						   optarg, err.msg);
			if (value % UNITS_MIB || !value)
				return usage_error("--node0-memory %s: give a "
						   "whole number of MiB",
						   optarg);
			o->create.node0_memory = value;
			break;
		case 'k':
			o->create.kernel = optarg;
			break;
		case 'i':
			o->create.initrd = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			fputs(plan_usage, stdout);
			return EXIT_GOOD;
		default:
			hint = option_hint(argv[optind - 1], longopts, near,
					   sizeof(near));
			return usage_error("unknown option or missing value: "
					   "%s%s%s%s",
					   argv[optind - 1],
					   hint ? " (did you mean '" : "",
					   hint ? hint : "", hint ? "'?)" : "");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

/* The running kernel's /boot files, the usual node kernel: node0 runs a
 * Shoji kernel already. */
static void default_boot_files(struct plan_options *o)
{
	char *release, *path;

	if (sysroot_read("/proc/sys/kernel/osrelease", &release))
		return;
	release[strcspn(release, "\n")] = '\0';
	if (!o->create.kernel &&
	    asprintf(&o->kernel_default, "/boot/vmlinuz-%s", release) > 0)
		o->create.kernel = o->kernel_default;
	if (!o->create.initrd &&
	    asprintf(&o->initrd_default, "/boot/initrd.img-%s", release) > 0) {
		path = sysroot_path(o->initrd_default);
		if (path && access(path, R_OK) == 0)
			o->create.initrd = o->initrd_default;
		free(path);
	}
	free(release);
}

/* "shoji plan create --nodes 2", for the plan's header */
static char *command_text(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fputs("shoji plan", out);
	for (int i = 1; i < argc; i++)
		fprintf(out, " %s", argv[i]);
	if (fclose(out))
		return NULL;
	return text;
}

static int create(struct plan_options *o)
{
	struct machine_facts m;
	struct diag d;
	FILE *out = stdout;
	int status = EXIT_GOOD;

	diag_init(&d);
	if (!machine_facts_read(&m, &d)) {
		diag_print_failure(&d, stderr);
		diag_free(&d);
		return EXIT_CANNOT;
	}
	if (o->output) {
		/* "x": never over a plan someone wrote */
		out = fopen(o->output, "wx");
		if (!out) {
			fprintf(stderr, "shoji plan: %s: %s%s\n", o->output,
				strerror(errno),
				errno == EEXIST ? " (remove it or write "
						  "another file)"
						: "");
			machine_facts_free(&m);
			diag_free(&d);
			return EXIT_CANNOT;
		}
	}
	if (!plan_create(&m, &o->create, out, &d)) {
		diag_print_failure(&d, stderr);
		status = EXIT_CANNOT;
	}
	if (out != stdout && fclose(out) && status == EXIT_GOOD) {
		fprintf(stderr, "shoji plan: %s: %s\n", o->output,
			strerror(errno));
		status = EXIT_CANNOT;
	}
	if (status != EXIT_GOOD && o->output)
		unlink(o->output);
	else if (o->output)
		fprintf(stderr, "shoji plan: wrote %s; check it with `shoji "
				"check --offline %s`\n",
			o->output, o->output);
	machine_facts_free(&m);
	diag_free(&d);
	return status;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_options o = { .create = { .nodes = 1 } };
	int status = parse_options(argc, argv, &o);
	char *command;

	if (status >= 0)
		return status;
	default_boot_files(&o);
	if (!o.create.kernel) {
		free(o.initrd_default);
		return usage_error("cannot tell the running kernel's "
				   "release; give --kernel PATH");
	}
	command = command_text(argc, argv);
	o.create.command = command ? command : "shoji plan create";
	status = create(&o);
	free(command);
	free(o.kernel_default);
	free(o.initrd_default);
	return status;
}
