/* The commands that talk to the manager: they send their arguments over
 * its socket and print what it answers. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/protocol.h"

static const char client_usage[] =
	"Usage: shoji up PLAN               check PLAN, set up the partition, start every node\n"
	"       shoji down [NODE]           stop nodes and give their CPUs and devices back\n"
	"       shoji start|stop|restart NODE [--no-wait]\n"
	"       shoji status [--json]       the nodes' health (JSON: docs/status-json.md)\n"
	"       shoji logs NODE [-f | --previous]\n"
	"                                   the node's kernel log (--previous: the one kept\n"
	"                                   at its last failure)\n"
	"       shoji exec NODE [--timeout S] -- COMMAND...\n"
	"                                   run COMMAND with sh inside NODE\n"
	"       shoji events [-f]           the journal of every state change\n"
	"       shoji guest list            the plan's guests and their state\n"
	"       shoji guest start|stop NAME start or stop a guest on its node\n"
	"       shoji guest logs NAME [-f]  the guest's console (kept on node0, also\n"
	"                                   after the guest or its node died)\n"
	"\n"
	"These commands talk to the manager (shoji daemon) over its socket\n"
	"(" PROTO_DEFAULT_SOCKET ", or $SHOJI_SOCKET); run them as root.\n";

int cmd_client(int argc, char **argv)
{
	const char *sock = getenv("SHOJI_SOCKET");
	char plan[PATH_MAX];
	int fd, status;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(client_usage, stdout);
		return EXIT_GOOD;
	}
	if (!sock || !*sock)
		sock = PROTO_DEFAULT_SOCKET;
	/* The manager reads the plan: give it the absolute path */
	if (!strcmp(argv[0], "up") && argc == 2) {
		if (!realpath(argv[1], plan)) {
			fprintf(stderr, "shoji: %s: %s\n", argv[1], strerror(errno));
			return EXIT_CANNOT;
		}
		argv[1] = plan;
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
	if (proto_send_args(fd, argc, argv)) {
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
