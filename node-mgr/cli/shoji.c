/* shoji: the node manager of a Shoji machine. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/diag.h"

#define SHOJI_VERSION "0.1.0"

static int cmd_help(int argc, char **argv);

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check", cmd_check, "check a plan; print the node0 boot parameters "
			      "it needs" },
	{ "plan", cmd_plan, "write a plan from what this machine has" },
	{ "up", cmd_client, "check a plan, set up the partition, start the "
			    "nodes" },
	{ "down", cmd_client, "stop nodes, give their CPUs and devices back" },
	{ "start", cmd_client, "start a node of the plan that is up" },
	{ "stop", cmd_client, "stop a node (clean, then forced; --force: "
			      "forced at once)" },
	{ "restart", cmd_client, "stop and start a node" },
	{ "status", cmd_client, "the nodes' health, or one node's (--json "
				"for scripts)" },
	{ "logs", cmd_client, "a node's kernel log (-f to follow)" },
	{ "exec", cmd_client, "run a command inside a node" },
	{ "events", cmd_client, "the journal of every node state change" },
	{ "guest", cmd_client, "the plan's KVM guests: list, start, stop, "
			       "logs" },
	{ "daemon", cmd_daemon, "the node manager (node0)" },
	{ "agent", cmd_agent, "the agent inside a node" },
	{ "help", cmd_help, "this list, or what one command takes" },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(*commands))

static void usage(FILE *out)
{
	fputs("Usage: shoji COMMAND [OPTIONS] [ARGS]\n"
	      "       shoji help [COMMAND] | --help | --version\n\nCommands:\n",
	      out);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'shoji help COMMAND' or 'shoji COMMAND --help' describes a "
	      "command.\nA node is named node1 or 1. Exit status: 0 success, 1 "
	      "usage error or\nfailure (also a machine that cannot be read), 2 "
	      "the plan has errors\n(check, up); exec passes its command's on.\n",
	      out);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* "unknown command 'stauts' (did you mean 'status'?)" */
static int unknown_command(const char *word)
{
	const char *names[COMMAND_COUNT];
	const char *near;

	for (size_t i = 0; i < COMMAND_COUNT; i++)
		names[i] = commands[i].name;
	static const char *const options[] = { "--help", "--version" };

	near = word[0] == '-' ? nearest_name(word, options, 2)
			      : nearest_name(word, names, COMMAND_COUNT);
	if (near)
		fprintf(stderr, "shoji: unknown %s '%s' (did you mean '%s'?)\n"
			"Try 'shoji --help'.\n",
			word[0] == '-' ? "option" : "command", word, near);
	else
		fprintf(stderr, "shoji: unknown %s '%s'\nTry 'shoji --help'.\n",
			word[0] == '-' ? "option" : "command", word);
	return EXIT_CANNOT;
}

/* shoji help [COMMAND]: the same text as shoji COMMAND --help */
static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *help_argv[] = { NULL, "--help", NULL };

	if (argc == 1) {
		usage(stdout);
		return EXIT_GOOD;
	}
	if (argc > 2) {
		fprintf(stderr, "shoji help: unexpected argument '%s'\n"
			"Try 'shoji help'.\n", argv[2]);
		return EXIT_CANNOT;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_GOOD;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	help_argv[0] = argv[1];
	return c->run(2, help_argv);
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_CANNOT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_GOOD;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("shoji %s\n", SHOJI_VERSION);
		return EXIT_GOOD;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	return cmd->run(argc - 1, argv + 1);
}
