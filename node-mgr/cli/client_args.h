/* The commands that talk to the manager (up, down, start, stop, restart,
 * status, logs, exec, events, guest): what each takes, its help, and the
 * check of its arguments before the manager is asked, so that a mistyped
 * node, number or option is named at once, with the same words whether
 * a manager runs or not. No I/O but the messages written to err: the
 * unit tests run every rule. */
#ifndef SHOJI_CLIENT_ARGS_H
#define SHOJI_CLIENT_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "common/protocol.h"

/* The lines of a node's log `shoji status NODE` shows unless -n says */
#define CLIENT_STATUS_LINES 10
#define CLIENT_STATUS_LINES_MAX 1000

/* What the manager is sent: argv[0] the command, then its node (as
 * nodeN) or other operands, then the options in their long spelling. */
struct client_args {
	int argc;
	const char *argv[PROTO_MAX_ARGS + 1];
	char node[8];		/* the node named, "nodeN"; argv points here */
	bool help;		/* --help: print the help, ask nothing */
};

/* Whether name is one of these commands */
bool client_command_known(const char *name);
/* All of `shoji NAME --help` for one of these commands, NULL for others */
const char *client_help(const char *name);

/* Checks argv (argv[0] is one of these commands) and fills a with what
 * the manager is sent. Returns 0, or EXIT_CANNOT after a message that
 * names the bad argument ("shoji stop: 'nod1' is not a node ...") and
 * where the help is, written to err. */
int client_args_check(int argc, char *const *argv, struct client_args *a,
		      FILE *err);

#endif
