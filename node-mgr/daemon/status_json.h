/* shoji status (status_json.c): a table for people, JSON for scripts. */
#ifndef SHOJI_DAEMON_STATUS_JSON_H
#define SHOJI_DAEMON_STATUS_JSON_H

#include <stdbool.h>

#include "common/protocol.h"
#include "daemon/manager.h"

/* m->lock held: every node, node0 first, and the guests; or one node
 * (id 0 is node0) with the last lines of its log */
void status_table(struct manager *m, struct reply *r);
void status_json(struct manager *m, struct reply *r);
void status_node(struct manager *m, struct reply *r, unsigned id,
		 unsigned log_lines, bool json);

#endif
