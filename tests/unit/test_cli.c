/* Unit tests of what the command line is made of: node names
 * (common/node_name.c), the client commands' argument checks and what
 * they send the manager (cli/client_args.c), and the last lines of a log
 * (common/text_tail.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client_args.h"
#include "cli/commands.h"
#include "common/node_name.h"
#include "common/text_tail.h"

#include "check.h"

static void test_node_names(void)
{
	static const char *const bad[] = {
		"", "node", "nod1", "Node1", "node1x", "1x", "+1", "-1", " 1",
		"1 ", "01", "node01", "0x1", "64", "node64", "100", "node-1",
	};
	unsigned id = 99;

	CHECK(node_name_parse("node1", &id) && id == 1);
	CHECK(node_name_parse("1", &id) && id == 1);
	CHECK(node_name_parse("node63", &id) && id == 63);
	CHECK(node_name_parse("63", &id) && id == 63);
	CHECK(node_name_parse("node0", &id) && id == 0);
	CHECK(node_name_parse("0", &id) && id == 0);
	CHECK(node_name_parse("node10", &id) && id == 10);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		id = 99;
		if (!CHECK(!node_name_parse(bad[i], &id) && id == 99))
			fprintf(stderr, "  '%s' was taken for a node\n", bad[i]);
	}
}

/* Runs the check of a command line (words split at spaces); *sent gets
 * what the manager would be sent, joined by spaces, and *said what the
 * user was told. Returns the status. */
static int run_check(const char *line, char *sent, size_t sent_len,
		     char *said, size_t said_len, bool *help)
{
	char copy[512], *words[PROTO_MAX_ARGS + 8], *tok, *save = NULL;
	struct client_args a;
	int argc = 0, status;
	FILE *err = fmemopen(said, said_len, "w");

	snprintf(copy, sizeof(copy), "%s", line);
	for (tok = strtok_r(copy, " ", &save); tok && argc < PROTO_MAX_ARGS + 7;
	     tok = strtok_r(NULL, " ", &save))
		words[argc++] = tok;
	words[argc] = NULL;
	said[0] = '\0';
	status = client_args_check(argc, words, &a, err);
	fclose(err);
	sent[0] = '\0';
	for (int i = 0; !status && i < a.argc; i++)
		snprintf(sent + strlen(sent), sent_len - strlen(sent), "%s%s",
			 i ? " " : "", a.argv[i]);
	*help = !status && a.help;
	return status;
}

/* A good line: what is sent */
static void good(const char *line, const char *want)
{
	char sent[512], said[512];
	bool help;
	int status = run_check(line, sent, sizeof(sent), said, sizeof(said),
			       &help);

	if (!CHECK(status == 0 && !help && !strcmp(sent, want)))
		fprintf(stderr, "  '%s': status %d, sent '%s', want '%s'; said: %s\n",
			line, status, sent, want, said);
}

/* A bad line: exit status 1, and the first line of the message */
static void bad(const char *line, const char *want)
{
	char sent[512], said[512], *nl;
	bool help;
	int status = run_check(line, sent, sizeof(sent), said, sizeof(said),
			       &help);

	nl = strchr(said, '\n');
	if (!CHECK(status == EXIT_CANNOT && nl &&
		   !strncmp(nl + 1, "Try 'shoji ", 11)))
		fprintf(stderr, "  '%s': status %d, said '%s'\n", line, status,
			said);
	if (nl)
		*nl = '\0';
	if (!CHECK(!strcmp(said, want)))
		fprintf(stderr, "  '%s': said  '%s'\n  want '%s'\n", line, said,
			want);
}

static void asks_help(const char *line)
{
	char sent[512], said[512];
	bool help;
	int status = run_check(line, sent, sizeof(sent), said, sizeof(said),
			       &help);

	if (!CHECK(status == 0 && help))
		fprintf(stderr, "  '%s' did not ask for help: %s\n", line, said);
}

static void test_what_is_sent(void)
{
	good("up plan.ini", "up plan.ini");
	good("down", "down");
	good("down 2", "down node2");
	good("start 1", "start node1");
	good("start --no-wait node1", "start node1 --no-wait");
	good("stop 1", "stop node1");
	good("stop --force node3", "stop node3 --force");
	good("stop node3 --force --no-wait", "stop node3 --force --no-wait");
	good("restart 1 --force", "restart node1 --force");
	good("status", "status");
	good("status --json", "status --json");
	good("status 1", "status node1");
	good("status node0", "status node0");
	good("status -n 3 1", "status node1 --lines 3");
	good("status 1 --lines=0 --json", "status node1 --json --lines 0");
	good("logs 2", "logs node2");
	good("logs -f 2", "logs node2 --follow");
	good("logs node2 --previous", "logs node2 --previous");
	good("exec 1 -- uname -a", "exec node1 -- uname -a");
	good("exec 1 uname -a", "exec node1 -- uname -a");
	good("exec --timeout 5 1 ls --help", "exec node1 --timeout 5 -- ls --help");
	good("exec node1 --timeout=0.5 -- -x", "exec node1 --timeout 0.5 -- -x");
	good("events", "events");
	good("events -f", "events --follow");
	good("guest list", "guest list");
	good("guest start web", "guest start web");
	good("guest logs web -f", "guest logs web --follow");
}

static void test_bad_arguments(void)
{
	bad("up", "shoji up: no plan given");
	bad("up a.ini b.ini", "shoji up: unexpected argument 'b.ini'");
	bad("up --fast a.ini", "shoji up: unknown option '--fast'");
	bad("down 1 2", "shoji down: unexpected argument '2'");
	bad("down nod1", "shoji down: 'nod1' is not a node (node1..node63 or 1..63)");
	bad("start", "shoji start: no node given");
	bad("start 64", "shoji start: '64' is not a node (node1..node63 or 1..63)");
	bad("start node0", "shoji start: node0 is the manager's own kernel: the manager does not start it");
	bad("start 1 --force", "shoji start: unknown option '--force'");
	bad("stop 1 --forse", "shoji stop: unknown option '--forse' (did you mean '--force'?)");
	bad("stop 1 --force=yes", "shoji stop: --force takes no value");
	bad("stop 1 2", "shoji stop: unexpected argument '2'");
	bad("status --jsno", "shoji status: unknown option '--jsno' (did you mean '--json'?)");
	bad("status -n 5", "shoji status: --lines goes with NODE: only one node's status shows its log");
	bad("status 1 -n", "shoji status: --lines needs a value (a number of lines)");
	bad("status 1 -n x", "shoji status: --lines takes a whole number of lines (0..1000), not 'x'");
	bad("status 1 -n 1001", "shoji status: --lines takes a whole number of lines (0..1000), not '1001'");
	bad("status 1 -n -1", "shoji status: --lines takes a whole number of lines (0..1000), not '-1'");
	bad("status 99", "shoji status: '99' is not a node (node0..node63 or 0..63)");
	bad("logs", "shoji logs: no node given");
	bad("logs 1 -f --previous", "shoji logs: --follow and --previous do not go together");
	bad("logs node0", "shoji logs: node0 is the manager's own kernel: the manager does not keep the log of it");
	bad("exec 1", "shoji exec: no command given (shoji exec NODE -- COMMAND...)");
	bad("exec 1 --", "shoji exec: no command given (shoji exec NODE -- COMMAND...)");
	bad("exec -- ls", "shoji exec: no node given");
	bad("exec 1 --timeout 0 -- ls", "shoji exec: --timeout takes seconds (more than 0, at most 86400), not '0'");
	bad("exec 1 --timeout soon ls", "shoji exec: --timeout takes seconds (more than 0, at most 86400), not 'soon'");
	bad("exec 1 --timeout", "shoji exec: --timeout needs a value (seconds)");
	bad("events now", "shoji events: unexpected argument 'now'");
	bad("events --folow", "shoji events: unknown option '--folow' (did you mean '--follow'?)");
	bad("guest", "shoji guest: no subcommand given (list, start, stop or logs)");
	bad("guest strat web", "shoji guest: unknown subcommand 'strat' (did you mean 'start'?)");
	bad("guest frobnicate web", "shoji guest: unknown subcommand 'frobnicate' (list, start, stop or logs)");
	bad("guest start", "shoji guest: start: no guest given");
	bad("guest list web", "shoji guest: unexpected argument 'web'");
	bad("guest start Web", "shoji guest: 'Web' is not a guest name (a-z, 0-9, - and _, at most 32 characters)");
	bad("guest stop web -f", "shoji guest: unknown option '-f'");
}

static void test_help(void)
{
	static const char *const names[] = {
		"up", "down", "start", "stop", "restart", "status", "logs",
		"exec", "events", "guest",
	};

	asks_help("stop --help");
	asks_help("stop nod1 --help");
	asks_help("status -h");
	asks_help("guest start -h");
	asks_help("exec 1 --help -- ls");
	/* after COMMAND's first word, --help is COMMAND's */
	good("exec 1 -- ls --help", "exec node1 -- ls --help");
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		const char *help = client_help(names[i]);
		char usage[64];

		snprintf(usage, sizeof(usage), "Usage: shoji %s", names[i]);
		CHECK(client_command_known(names[i]));
		if (!CHECK(help && !strncmp(help, usage, strlen(usage)) &&
			   strstr(help, "Exit status:") &&
			   strstr(help, "--help")))
			fprintf(stderr, "  the help of %s\n", names[i]);
	}
	CHECK(!client_help("check"));
	CHECK(!client_command_known("daemon"));
	/* every option the checks take is in the help */
	CHECK(strstr(client_help("stop"), "--force") != NULL);
	CHECK(strstr(client_help("restart"), "--force") != NULL);
	CHECK(strstr(client_help("status"), "-n, --lines") != NULL);
	CHECK(strstr(client_help("exec"), "124") != NULL);
}

static void tail_is(const char *text, unsigned lines, const char *want)
{
	size_t start = text_tail_start(text, strlen(text), lines);

	if (!CHECK(!strcmp(text + start, want)))
		fprintf(stderr, "  tail -n %u of '%s': '%s', want '%s'\n", lines,
			text, text + start, want);
}

static void test_tail(void)
{
	tail_is("", 10, "");
	tail_is("a\nb\nc\n", 0, "");
	tail_is("a\nb\nc\n", 1, "c\n");
	tail_is("a\nb\nc\n", 2, "b\nc\n");
	tail_is("a\nb\nc\n", 3, "a\nb\nc\n");
	tail_is("a\nb\nc\n", 10, "a\nb\nc\n");
	tail_is("a\nb\nc", 1, "c");
	tail_is("a\nb\nc", 2, "b\nc");
	tail_is("\n\n", 1, "\n");
	tail_is("one line", 1, "one line");
}

int main(void)
{
	test_node_names();
	test_what_is_sent();
	test_bad_arguments();
	test_help();
	test_tail();
	return check_summary();
}
