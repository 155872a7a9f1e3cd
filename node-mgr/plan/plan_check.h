/* Checks of a plan on its own, without looking at the machine: overlaps
 * between nodes, alignment and size rules, limits, and the files a node
 * boots from. */
#ifndef SHOJI_PLAN_CHECK_H
#define SHOJI_PLAN_CHECK_H

#include "common/diag.h"
#include "plan/plan.h"

void plan_check(const struct plan *plan, struct diag *d);

#endif
