/* shoji: the node manager of a Shoji machine. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

#define SHOJI_VERSION "0.1.0"

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
	{ "stop", cmd_client, "stop a node (clean, then forced)" },
	{ "restart", cmd_client, "stop and start a node" },
	{ "status", cmd_client, "the nodes' health (--json for scripts)" },
	{ "logs", cmd_client, "a node's kernel log (-f to follow)" },
	{ "exec", cmd_client, "run a command inside a node" },
	{ "events", cmd_client, "the journal of every node state change" },
	{ "guest", cmd_client, "the plan's KVM guests: list, start, stop, "
			       "logs" },
	{ "daemon", cmd_daemon, "the node manager (node0)" },
	{ "agent", cmd_agent, "the agent inside a node" },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(*commands))

static void usage(FILE *out)
{
	fputs("Usage: shoji COMMAND [OPTIONS] [ARGS]\n"
	      "       shoji --help | --version\n\nCommands:\n",
	      out);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'shoji COMMAND --help' describes a command. Exit status: 0 "
	      "success,\n1 usage error or failure, 2 the plan has errors.\n",
	      out);
}

int main(int argc, char **argv)
{
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
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "shoji: unknown %s '%s'\nTry 'shoji --help'.\n",
		argv[1][0] == '-' ? "option" : "command", argv[1]);
	return EXIT_CANNOT;
}
