/* The plan that is up (plan_adopt.c): read and checked, adopted,
 * dropped. */
#ifndef SHOJI_DAEMON_PLAN_ADOPT_H
#define SHOJI_DAEMON_PLAN_ADOPT_H

#include <stdbool.h>

#include "common/protocol.h"
#include "daemon/manager.h"
#include "plan/plan.h"

struct plan *plan_open(const char *path, struct reply *r, bool machine,
		       int *why);
/* m->lock held */
void plan_adopt(struct manager *m, struct plan *plan, const char *path);
void plan_drop(struct manager *m);

#endif
