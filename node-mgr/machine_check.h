/* Checks of a plan against the machine it runs on (node0, before
 * `shoji up`): CPUs present, memory that is RAM and reserved from node0,
 * enough RAM left for node0, PCI devices that exist and are not bridges. */
#ifndef SHOJI_MACHINE_CHECK_H
#define SHOJI_MACHINE_CHECK_H

#include "diag.h"
#include "plan.h"

/* Plan errors go to d; a machine that cannot be read is d's failure. */
void machine_check(const struct plan *plan, struct diag *d);

#endif
