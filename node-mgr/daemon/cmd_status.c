/* shoji status in the manager: which node and which form the command
 * asked for; status_json.c writes it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/node_name.h"
#include "daemon/cmd_status.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/status_json.h"

/* status [NODE [--lines N]] [--json], as the command line sends it */
int do_status(struct manager *m, int argc, char **argv, struct reply *r)
{
	unsigned lines = 10, id = 0;
	bool json = false, one = false;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
			lines = (unsigned)strtoul(argv[++i], &end, 10);
			if (*end || lines > 1000)
				goto usage;
		} else if (!one && node_name_parse(argv[i], &id)) {
			one = true;
		} else {
			goto usage;
		}
	}
	cmd_lock(m, r);
	if (one && id && !m->plan) {
		reply_err(r, "shoji: no plan is up (shoji up PLAN)\n");
	} else if (one && id && !m->nodes[id].in_plan) {
		reply_err(r, "shoji: the plan %s has no node%u\n", m->plan_path,
			  id);
	} else {
		if (one)
			status_node(m, r, id, lines, json);
		else if (json)
			status_json(m, r);
		else
			status_table(m, r);
		cmd_unlock(m, r);
		return EXIT_GOOD;
	}
	cmd_unlock(m, r);
	return EXIT_CANNOT;
usage:
	reply_err(r, "Usage: shoji status [NODE [--lines N]] [--json]\n");
	return EXIT_CANNOT;
}
