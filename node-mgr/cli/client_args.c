#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_args.h"
#include "cli/commands.h"
#include "common/diag.h"
#include "common/node_name.h"
#include "plan/plan.h"

#define MANAGER_NOTE \
	"It asks the manager (shoji daemon) over its socket\n" \
	"(" PROTO_DEFAULT_SOCKET ", or $SHOJI_SOCKET); run it as root on node0.\n"

#define NODE_NOTE "NODE is node1..node63, or its number alone (1..63).\n"

static const char up_help[] =
	"Usage: shoji up PLAN\n"
	"\n"
	"Checks PLAN against this machine (what shoji check PLAN checks), then\n"
	"for every node takes its CPUs and PCI devices from node0, loads and\n"
	"starts it, and waits until each runs with its agent (at most the\n"
	"plan's boot_timeout, 120 s by default). If a step fails, what was\n"
	"done is undone in reverse order. One plan is up at a time.\n"
	"\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 every node runs; 2 the plan has errors (all printed,\n"
	"nothing changed); 1 usage error, no manager, the machine could not be\n"
	"read, a plan is already up, or a step failed (undone).\n"
	"\n" MANAGER_NOTE;

static const char down_help[] =
	"Usage: shoji down [NODE]\n"
	"\n"
	"Stops NODE (clean, then forced) and gives its CPUs and devices back\n"
	"to node0. Without NODE: every node, last first, and the plan is no\n"
	"longer up.\n"
	"\n"
	"  -h, --help  show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: 0 done (also when no plan is up); 1 usage error, no\n"
	"manager, the plan has no such node, or a node could not be stopped\n"
	"(its CPUs and devices stay with it).\n"
	"\n" MANAGER_NOTE;

static const char start_help[] =
	"Usage: shoji start NODE [--no-wait]\n"
	"\n"
	"Loads and starts NODE of the plan that is up (taking its CPUs and\n"
	"devices from node0 again if shoji down gave them back) and waits\n"
	"until it runs with its agent (at most the plan's boot_timeout, 120 s\n"
	"by default).\n"
	"\n"
	"  --no-wait   return once it is started, before it runs\n"
	"  -h, --help  show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: 0 it runs (with --no-wait: it was started); 1 usage\n"
	"error, no manager, no such node, it already runs, or it could not be\n"
	"loaded, started or did not come up.\n"
	"\n" MANAGER_NOTE;

static const char stop_help[] =
	"Usage: shoji stop NODE [--force]\n"
	"\n"
	"Stops NODE: node0's kernel asks it to power off and waits the plan's\n"
	"stop_timeout for it to park; then it sends its CPUs an NMI and INIT.\n"
	"Its PCI devices are reset. Its CPUs and devices stay with it (shoji\n"
	"down gives them back).\n"
	"\n"
	"  --force     skip the clean stop: NMI and INIT at once, as after a\n"
	"              crash (the node's drivers get no shutdown call)\n"
	"  --no-wait   accepted, as for start and restart; stop always waits\n"
	"  -h, --help  show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: 0 stopped; 1 usage error, no manager, no such node, or\n"
	"it could not be stopped (some CPU did not take INIT; nothing is\n"
	"loaded over it until a stop succeeds).\n"
	"\n" MANAGER_NOTE;

static const char restart_help[] =
	"Usage: shoji restart NODE [--force] [--no-wait]\n"
	"\n"
	"Stops NODE as shoji stop does, then starts it as shoji start does.\n"
	"Its failures in a row count from 0 again.\n"
	"\n"
	"  --force     stop it at once with NMI and INIT, no clean stop\n"
	"  --no-wait   return once it is started, before it runs\n"
	"  -h, --help  show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: 0 it runs again (with --no-wait: it was started); 1 usage\n"
	"error, no manager, no such node, or it could not be stopped, loaded,\n"
	"started or did not come up.\n"
	"\n" MANAGER_NOTE;

static const char status_help[] =
	"Usage: shoji status [--json]\n"
	"       shoji status NODE [-n LINES] [--json]\n"
	"\n"
	"Without NODE: a table of node0 and every node of the plan that is up\n"
	"(state, CPUs, memory, devices, uptime, heartbeat age, restarts, last\n"
	"failure), then the plan's guests.\n"
	"With NODE: that node's state, why and since when, its CPUs, memory\n"
	"ranges and devices, its restart policy, and the last lines of its\n"
	"kernel log. node0 may be named too.\n"
	"\n"
	"  --json           the same as one JSON object (docs/status-json.md)\n"
	"  -n, --lines N    with NODE: the last N lines of its log, 0..1000\n"
	"                   (default 10)\n"
	"  -h, --help       show this help\n"
	"\n"
	"NODE is node0..node63, or its number alone (0..63).\n"
	"\n"
	"Exit status: 0 shown (also when no plan is up); 1 usage error, no\n"
	"manager, or the plan has no such node.\n"
	"\n" MANAGER_NOTE;

static const char logs_help[] =
	"Usage: shoji logs NODE [-f | --previous]\n"
	"\n"
	"Prints NODE's kernel log as its control page holds it, also after it\n"
	"crashed (until it is loaded again).\n"
	"\n"
	"  -f, --follow  go on printing what it logs, until interrupted\n"
	"  --previous    the log kept at its last failure (crash or hang)\n"
	"  -h, --help    show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: 0 printed; 1 usage error, no manager, no such node, it\n"
	"was never loaded, or (--previous) no log was kept.\n"
	"\n" MANAGER_NOTE;

static const char exec_help[] =
	"Usage: shoji exec NODE [--timeout SECONDS] [--] COMMAND...\n"
	"\n"
	"Runs COMMAND with sh inside NODE through its agent and prints its\n"
	"output (stdout and stderr, at most 1 KiB). The words of COMMAND are\n"
	"joined with spaces; options after COMMAND's first word are its own.\n"
	"\n"
	"  --timeout SECONDS  wait at most this long for the answer, more\n"
	"                     than 0 and at most 86400 (default 60)\n"
	"  -h, --help         show this help\n"
	"\n" NODE_NOTE
	"\n"
	"Exit status: COMMAND's own; 124 no answer within the timeout; 125 the\n"
	"node does not run; 1 usage error, no manager, or no such node.\n"
	"\n" MANAGER_NOTE;

static const char events_help[] =
	"Usage: shoji events [-f]\n"
	"\n"
	"Prints the journal: one line per node state change, failure, restart\n"
	"and manager event, TIME NODE TEXT (UTC). Guests appear as guest.NAME.\n"
	"\n"
	"  -f, --follow  go on printing new events, until interrupted\n"
	"  -h, --help    show this help\n"
	"\n"
	"Exit status: 0 printed; 1 usage error or no manager.\n"
	"\n" MANAGER_NOTE;

static const char guest_help[] =
	"Usage: shoji guest list\n"
	"       shoji guest start NAME\n"
	"       shoji guest stop NAME\n"
	"       shoji guest logs NAME [-f]\n"
	"\n"
	"The plan's KVM guests ([guest.NAME] sections, docs/guests.md).\n"
	"  list   the guests, their node and state\n"
	"  start  start guest NAME on its node (its node must run)\n"
	"  stop   stop it; it does not start again when its node comes back\n"
	"  logs   its console as node0 keeps it, also after it or its node\n"
	"         died\n"
	"\n"
	"  -f, --follow  (logs) go on printing its console, until interrupted\n"
	"  -h, --help    show this help\n"
	"\n"
	"Exit status: 0 done; 1 usage error, no manager, no such guest, its\n"
	"node does not run, or it could not be started or stopped.\n"
	"\n" MANAGER_NOTE;

/* What follows an option */
enum value_kind {
	VALUE_NONE,
	VALUE_LINES,	/* whole number 0..CLIENT_STATUS_LINES_MAX */
	VALUE_SECONDS,	/* more than 0, at most a day */
};

struct option_spec {
	const char *name;	/* the long spelling, sent to the manager */
	const char *short_name;	/* NULL if none */
	enum value_kind value;
};

/* What stands after the command besides options */
enum operand_kind {
	OPERAND_NONE,
	OPERAND_PLAN,		/* up */
	OPERAND_NODE,		/* a node, required */
	OPERAND_NODE_OPTIONAL,	/* down, status */
};

struct client_command {
	const char *name;
	const char *help;
	enum operand_kind operand;
	bool node0_allowed;	/* status: node0 has a status too */
	bool takes_command;	/* exec: COMMAND... after the node */
	const struct option_spec *options;	/* ends with a NULL name */
};

static const struct option_spec no_options[] = { { NULL, NULL, 0 } };
static const struct option_spec start_options[] = {
	{ "--no-wait", NULL, VALUE_NONE }, { NULL, NULL, 0 },
};
static const struct option_spec stop_options[] = {
	{ "--force", NULL, VALUE_NONE }, { "--no-wait", NULL, VALUE_NONE },
	{ NULL, NULL, 0 },
};
static const struct option_spec status_options[] = {
	{ "--json", NULL, VALUE_NONE }, { "--lines", "-n", VALUE_LINES },
	{ NULL, NULL, 0 },
};
static const struct option_spec logs_options[] = {
	{ "--follow", "-f", VALUE_NONE }, { "--previous", NULL, VALUE_NONE },
	{ NULL, NULL, 0 },
};
static const struct option_spec exec_options[] = {
	{ "--timeout", NULL, VALUE_SECONDS }, { NULL, NULL, 0 },
};
static const struct option_spec follow_options[] = {
	{ "--follow", "-f", VALUE_NONE }, { NULL, NULL, 0 },
};

static const struct client_command commands[] = {
	{ "up", up_help, OPERAND_PLAN, false, false, no_options },
	{ "down", down_help, OPERAND_NODE_OPTIONAL, false, false, no_options },
	{ "start", start_help, OPERAND_NODE, false, false, start_options },
	{ "stop", stop_help, OPERAND_NODE, false, false, stop_options },
	{ "restart", restart_help, OPERAND_NODE, false, false, stop_options },
	{ "status", status_help, OPERAND_NODE_OPTIONAL, true, false,
	  status_options },
	{ "logs", logs_help, OPERAND_NODE, false, false, logs_options },
	{ "exec", exec_help, OPERAND_NODE, false, true, exec_options },
	{ "events", events_help, OPERAND_NONE, false, false, follow_options },
	/* guest: its subcommands are checked by guest_check */
	{ "guest", guest_help, OPERAND_NONE, false, false, follow_options },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(*commands))

static const struct client_command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

bool client_command_known(const char *name)
{
	return find_command(name) != NULL;
}

const char *client_help(const char *name)
{
	const struct client_command *c = find_command(name);

	return c ? c->help : NULL;
}

static int usage_error(FILE *err, const char *cmd, const char *fmt, ...)
	DIAG_PRINTF(3, 4);

static int usage_error(FILE *err, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "shoji %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'shoji %s --help'.\n", cmd);
	return EXIT_CANNOT;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* An option word: "-x" or "--xyz"; "-" alone is an operand */
static bool is_option(const char *arg)
{
	return arg[0] == '-' && arg[1];
}

static const struct option_spec *find_option(const struct option_spec *opts,
					     const char *word, size_t len)
{
	for (const struct option_spec *o = opts; o->name; o++)
		if ((strlen(o->name) == len && !strncmp(o->name, word, len)) ||
		    (o->short_name && strlen(o->short_name) == len &&
		     !strncmp(o->short_name, word, len)))
			return o;
	return NULL;
}

static int unknown_option(FILE *err, const struct client_command *c,
			  const char *word, size_t len)
{
	const char *names[16];
	const char *near;
	char given[64];
	size_t count = 0;

	snprintf(given, sizeof(given), "%.*s", (int)len, word);
	for (const struct option_spec *o = c->options; o->name && count < 14;
	     o++) {
		names[count++] = o->name;
		if (o->short_name)
			names[count++] = o->short_name;
	}
	names[count++] = "--help";
	near = nearest_name(given, names, count);
	if (near)
		return usage_error(err, c->name,
				   "unknown option '%s' (did you mean '%s'?)",
				   given, near);
	return usage_error(err, c->name, "unknown option '%s'", given);
}

static bool parse_lines(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > CLIENT_STATUS_LINES_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	return end != s && !*end && !errno && v > 0 && v <= 86400;
}

/* The value of option o, checked; NULL after a message */
static const char *option_value(FILE *err, const struct client_command *c,
				const struct option_spec *o, const char *value)
{
	unsigned lines;

	if (!value) {
		usage_error(err, c->name, "%s needs a value (%s)", o->name,
			    o->value == VALUE_LINES ? "a number of lines"
						    : "seconds");
		return NULL;
	}
	if (o->value == VALUE_LINES && !parse_lines(value, &lines)) {
		usage_error(err, c->name, "%s takes a whole number of lines (0..%d), not '%s'",
			    o->name, CLIENT_STATUS_LINES_MAX, value);
		return NULL;
	}
	if (o->value == VALUE_SECONDS && !parse_seconds(value)) {
		usage_error(err, c->name, "%s takes seconds (more than 0, at most 86400), not '%s'",
			    o->name, value);
		return NULL;
	}
	return value;
}

/* a node name into a->node; false after a message */
static bool take_node(FILE *err, const struct client_command *c,
		      const char *arg, struct client_args *a)
{
	unsigned id;

	if (!node_name_parse(arg, &id)) {
		usage_error(err, c->name, "'%s' is not a node (%s)", arg,
			    c->node0_allowed ? "node0..node63 or 0..63"
					     : NODE_NAME_RANGE);
		return false;
	}
	if (id == 0 && !c->node0_allowed) {
		usage_error(err, c->name, "node0 is the manager's own kernel: "
			    "the manager does not %s it",
			    !strcmp(c->name, "logs") ? "keep the log of"
			    : !strcmp(c->name, "exec") ? "run commands in" : c->name);
		return false;
	}
	snprintf(a->node, sizeof(a->node), "node%u", id);
	return true;
}

static void push(struct client_args *a, const char *arg)
{
	a->argv[a->argc++] = arg;
	a->argv[a->argc] = NULL;
}

/* --help or -h anywhere before exec's COMMAND: help wins over any other
 * mistake on the line */
static bool asks_help(const struct client_command *c, int argc,
		      char *const *argv)
{
	bool operand = false;

	for (int i = 1; i < argc; i++) {
		if (c->takes_command &&
		    (!strcmp(argv[i], "--") || (operand && !is_option(argv[i]))))
			return false;
		if (is_help(argv[i]))
			return true;
		operand = operand || !is_option(argv[i]);
	}
	return false;
}

/* The options each command was given, in the order of its spec */
struct given {
	const char *value[8];
	bool set[8];
};

static int guest_check(int argc, char *const *argv, struct client_args *a,
		       FILE *err);

int client_args_check(int argc, char *const *argv, struct client_args *a,
		      FILE *err)
{
	const struct client_command *c = find_command(argv[0]);
	const char *operand = NULL;
	struct given given = { { 0 }, { false } };
	int command_at = 0;

	memset(a, 0, sizeof(*a));
	if (!c)
		return usage_error(err, argv[0], "not a command of the manager");
	if (asks_help(c, argc, argv)) {
		a->help = true;
		return 0;
	}
	if (argc > PROTO_MAX_ARGS - 2)
		return usage_error(err, c->name, "too many arguments (at most %d)",
				   PROTO_MAX_ARGS - 2);
	if (!strcmp(c->name, "guest"))
		return guest_check(argc, argv, a, err);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *value = NULL;
		const struct option_spec *o;
		size_t len;

		/* exec: COMMAND starts after "--" or at the first word after
		 * the node that is no option; all of it is COMMAND's */
		if (c->takes_command && (!strcmp(arg, "--") ||
					 (operand && !is_option(arg)))) {
			command_at = !strcmp(arg, "--") ? i + 1 : i;
			break;
		}
		if (!is_option(arg)) {
			if (c->operand == OPERAND_NONE || operand)
				return usage_error(err, c->name,
						   "unexpected argument '%s'", arg);
			operand = arg;
			if (c->operand != OPERAND_PLAN && !take_node(err, c, arg, a))
				return EXIT_CANNOT;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq && arg[1] == '-' ? (size_t)(eq - arg) : strlen(arg);
		o = find_option(c->options, arg, len);
		if (!o)
			return unknown_option(err, c, arg, len);
		if (o->value != VALUE_NONE) {
			if (eq && arg[1] == '-')
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			value = option_value(err, c, o, value);
			if (!value)
				return EXIT_CANNOT;
		} else if (len != strlen(arg)) {
			return usage_error(err, c->name, "%s takes no value",
					   o->name);
		}
		given.set[o - c->options] = true;
		given.value[o - c->options] = value;
	}
	if (!operand && c->operand == OPERAND_PLAN)
		return usage_error(err, c->name, "no plan given");
	if (!operand && c->operand == OPERAND_NODE)
		return usage_error(err, c->name, "no node given");
	if (c->takes_command && (!command_at || command_at >= argc))
		return usage_error(err, c->name, "no command given (shoji exec NODE -- COMMAND...)");
	if (c->options == logs_options && given.set[0] && given.set[1])
		return usage_error(err, c->name,
				   "--follow and --previous do not go together");
	if (c->options == status_options && given.set[1] && !operand)
		return usage_error(err, c->name, "%s goes with NODE: only one node's status shows its log",
				   "--lines");

	push(a, c->name);
	if (operand)
		push(a, c->operand == OPERAND_PLAN ? operand : a->node);
	for (size_t k = 0; c->options[k].name; k++) {
		if (!given.set[k])
			continue;
		push(a, c->options[k].name);
		if (given.value[k])
			push(a, given.value[k]);
	}
	if (c->takes_command) {
		push(a, "--");
		for (int i = command_at; i < argc; i++)
			push(a, argv[i]);
	}
	return 0;
}

static bool guest_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len <= PLAN_GUEST_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

/* guest list | start NAME | stop NAME | logs NAME [-f] */
static int guest_check(int argc, char *const *argv, struct client_args *a,
		       FILE *err)
{
	static const char *const subs[] = { "list", "start", "stop", "logs" };
	const char *sub = argc > 1 ? argv[1] : NULL, *name = NULL, *near;
	bool follow = false;
	size_t k;

	if (!sub)
		return usage_error(err, "guest", "no subcommand given (list, start, stop or logs)");
	for (k = 0; k < sizeof(subs) / sizeof(*subs); k++)
		if (!strcmp(sub, subs[k]))
			break;
	if (k == sizeof(subs) / sizeof(*subs)) {
		near = nearest_name(sub, subs, sizeof(subs) / sizeof(*subs));
		if (near)
			return usage_error(err, "guest", "unknown subcommand '%s' (did you mean '%s'?)",
					   sub, near);
		return usage_error(err, "guest", "unknown subcommand '%s' (list, start, stop or logs)",
				   sub);
	}
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];

		if (is_option(arg)) {
			if (k == 3 && (!strcmp(arg, "-f") || !strcmp(arg, "--follow"))) {
				follow = true;
				continue;
			}
			if (k == 3)
				return unknown_option(err, &commands[COMMAND_COUNT - 1],
						      arg, strlen(arg));
			return usage_error(err, "guest", "unknown option '%s'", arg);
		}
		if (k == 0 || name)
			return usage_error(err, "guest", "unexpected argument '%s'", arg);
		if (!guest_name_ok(arg))
			return usage_error(err, "guest", "'%s' is not a guest name (a-z, 0-9, - and _, at most %d characters)",
					   arg, PLAN_GUEST_NAME_MAX);
		name = arg;
	}
	if (k != 0 && !name)
		return usage_error(err, "guest", "%s: no guest given", sub);
	push(a, "guest");
	push(a, subs[k]);
	if (name)
		push(a, name);
	if (follow)
		push(a, "--follow");
	return 0;
}
