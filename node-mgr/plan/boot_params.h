/* The node0 kernel parameters a plan needs: resources that can only be
 * taken from node0 while it boots. */
#ifndef SHOJI_BOOT_PARAMS_H
#define SHOJI_BOOT_PARAMS_H

#include "plan/plan.h"

/* Returns a malloc'd line without newline (NULL without memory):
 * memmap=SIZE$ADDR for the control area and every node memory range and
 * lowmem window, sorted by address; no_ipi_broadcast=1; and
 * 8250.nr_uarts=1 when a node has a UART. The plan must be good. */
char *boot_params_format(const struct plan *plan);

#endif
