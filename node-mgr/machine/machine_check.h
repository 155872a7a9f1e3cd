/* Checks of a plan against the machine it runs on (node0, before
 * `shoji up`): CPUs present, memory that is RAM and reserved from node0,
 * enough RAM left for node0, PCI devices that exist and are not bridges. */
#ifndef SHOJI_MACHINE_CHECK_H
#define SHOJI_MACHINE_CHECK_H

#include "common/cpuset.h"
#include "common/diag.h"
#include "plan/plan.h"

/* The present CPUs (/sys/devices/system/cpu/present); false with d's
 * failure set when they cannot be read. */
bool machine_present_cpus(struct cpuset *present, struct diag *d);
/* The SMT siblings of a CPU, CPU included; false when it has no topology
 * to read (node0 has it offline, or the machine does not say). */
bool machine_cpu_siblings(unsigned cpu, struct cpuset *siblings);

/* Plan errors go to d; a machine that cannot be read is d's failure. */
void machine_check(const struct plan *plan, struct diag *d);

#endif
