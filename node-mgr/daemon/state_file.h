/* The manager's state file (STATE_DIR/state): what a manager that starts
 * after another one read to give node CPUs and devices back and to find
 * its nodes and guests again. Text, a line per fact:
 *
 *   shoji-state 1
 *   plan PATH
 *   node ID PARTITIONED WANTED RESTARTS FAILURES STARTED_AT HEALTH FAILED_AT
 *   cpu ID CPU WAS_ONLINE
 *   pci ID DDDD:BB:DD.F DRIVER|-
 *   failure ID TEXT
 *   dma ID CONFINED [REMAPPED]
 *   guest NAME HELD_DOWN STARTED
 *
 * Pure: no manager, no locks; the daemon fills and applies the struct. */
#ifndef SHOJI_STATE_FILE_H
#define SHOJI_STATE_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/shoji.h>

#include "plan/plan.h"

#define STATE_FILE_MAGIC "shoji-state 1"

/* A PCI device node0 gave up for a node */
struct pci_detached {
	char address[16];	/* DDDD:BB:DD.F */
	char driver[64];	/* the node0 driver it had, "" if none */
};

struct state_node {
	bool listed;		/* a node line was read or is to be written */
	bool partitioned, wanted;
	unsigned restarts, failures;
	long long started_at, last_failure_at;
	int health;		/* enum health of manager.h */
	unsigned nr_cpus;
	unsigned cpus[SHOJI_MAX_CPUS];
	bool cpu_was_online[SHOJI_MAX_CPUS];
	unsigned nr_pci;
	struct pci_detached pci[SHOJI_MAX_PCI];
	char last_failure[256];
	unsigned pci_confined, pci_remapped;
};

struct state_guest {
	char name[PLAN_GUEST_NAME_MAX + 1];
	bool held_down, started;
};

struct state_file {
	char plan_path[PATH_MAX];	/* "" if no plan is up */
	struct state_node nodes[PLAN_MAX_NODES];	/* 1..63 */
	struct state_guest *guests;
	size_t guest_count;
};

/* Writes s to f; returns 0 or -1 when f has an error. */
int state_file_write(FILE *f, const struct state_file *s);

/* Reads the state file text (NUL-terminated) into s, which it clears
 * first. Returns 0, or -1 when text is no state file (no magic, no plan
 * line) or out of memory; a line it does not understand, a node id out
 * of range and entries beyond the limits are skipped. */
int state_file_parse(const char *text, struct state_file *s);

void state_file_free(struct state_file *s);

#endif
