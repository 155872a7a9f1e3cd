/* The subcommands of `shoji` and the exit status they share. */
#ifndef SHOJI_COMMANDS_H
#define SHOJI_COMMANDS_H

enum shoji_exit {
	EXIT_GOOD = 0,
	EXIT_CANNOT = 1,	/* usage error or internal failure */
	EXIT_BAD_PLAN = 2,
};

int cmd_check(int argc, char **argv);
/* plan create */
int cmd_plan(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_agent(int argc, char **argv);
/* up, down, start, stop, restart, status, logs, exec, events, guest */
int cmd_client(int argc, char **argv);

#endif
