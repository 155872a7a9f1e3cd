/* shoji exec NODE -- COMMAND: the command run by the node's agent
 * through the node's command channel; its output and exit status are
 * the caller's. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/ctl_view.h"
#include "daemon/cmd_exec.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"

int do_exec(struct manager *m, int argc, char **argv, struct reply *r)
{
	static __thread char out[SHOJI_REPLY_LEN + 1];
	char cmd[SHOJI_CMD_LEN], err[256];
	struct node_rec *n;
	double timeout = 60;
	size_t len = 0, outlen;
	int i = 2, ret;

	if (argc < 3) {
		reply_err(r, "Usage: shoji exec NODE [--timeout SECONDS] -- COMMAND...\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	ret = parse_node_name(m, argv[1], r, &n);
	cmd_unlock(m, r);
	if (ret)
		return EXIT_CANNOT;
	if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
		timeout = strtod(argv[i + 1], NULL);
		if (timeout <= 0)
			timeout = 60;
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		reply_err(r, "shoji: exec: no command\n");
		return EXIT_CANNOT;
	}
	for (; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (len + l + 2 > sizeof(cmd)) {
			reply_err(r, "shoji: node%u: the command is longer than %d bytes\n",
				  n->id, SHOJI_CMD_LEN - 1);
			return EXIT_CANNOT;
		}
		if (len)
			cmd[len++] = ' ';
		memcpy(cmd + len, argv[i], l);
		len += l;
	}
	cmd[len] = '\0';
	if (cmd[0] == AGENT_REPORT_REQUEST[0]) {
		reply_err(r, "shoji: exec: bad command\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (!n->page || !n->view.valid || n->view.state != SHOJI_STATE_RUNNING) {
		reply_err(r, "shoji: node%u is %s, not running%s%s\n", n->id,
			  health_name(n->health), n->cause[0] ? ": " : "",
			  n->cause);
		cmd_unlock(m, r);
		return 125;
	}
	cmd_unlock(m, r);
	ret = node_channel(m, n, cmd, timeout, true, out, &outlen, err,
			   sizeof(err));
	if (ret < 0) {
		reply_err(r, "shoji: node%u: %s\n", n->id, err);
		return strstr(err, "no answer") ? 124 : 125;
	}
	reply_write(r, 'o', out, outlen);
	return ret;
}
