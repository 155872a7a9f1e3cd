/* The commands that talk to the manager: they check their arguments
 * (cli/client_args), send them over its socket and print what it
 * answers. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client_args.h"
#include "cli/commands.h"
#include "common/protocol.h"

int cmd_client(int argc, char **argv)
{
	const char *sock = getenv("SHOJI_SOCKET");
	struct client_args args;
	char plan[PATH_MAX];
	int fd, status;

	/* Checked here, before the manager is asked: a mistyped node,
	 * number or option is named the same with or without a manager */
	status = client_args_check(argc, argv, &args, stderr);
	if (status)
		return status;
	if (args.help) {
		fputs(client_help(argv[0]), stdout);
		return EXIT_GOOD;
	}
	if (!sock || !*sock)
		sock = PROTO_DEFAULT_SOCKET;
	/* The manager reads the plan: give it the absolute path */
	if (!strcmp(args.argv[0], "up")) {
		if (!realpath(args.argv[1], plan)) {
			fprintf(stderr, "shoji up: %s: %s\n", args.argv[1],
				strerror(errno));
			return EXIT_CANNOT;
		}
		args.argv[1] = plan;
	}
	fd = mgr_connect(sock);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "shoji: cannot reach the manager at %s: %s (run as root)\n",
				sock, strerror(errno));
		else
			fputs("shoji: the manager is not running (start it with: shoji daemon)\n",
			      stderr);
		return EXIT_CANNOT;
	}
	if (proto_send_args(fd, args.argc, (char *const *)args.argv)) {
		fprintf(stderr, "shoji: cannot talk to the manager: %s\n",
			strerror(errno));
		close(fd);
		return EXIT_CANNOT;
	}
	status = proto_client_run(fd);
	close(fd);
	if (status < 0) {
		fputs("shoji: the manager closed the connection without an answer\n",
		      stderr);
		return EXIT_CANNOT;
	}
	return status;
}
