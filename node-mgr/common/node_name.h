/* How a node is named on a command line: "node3" or "3", the same id its
 * plan section [node3] has. One parser for shoji and shoji-load, so that
 * every command takes the same names. */
#ifndef SHOJI_NODE_NAME_H
#define SHOJI_NODE_NAME_H

#include <stdbool.h>

#define NODE_ID_MAX 63	/* node ids are 0..63; node0 is the one that boots */

/* "nodeN" or "N", N decimal without leading zeros, 0..NODE_ID_MAX: its
 * id in *id. false for anything else (an empty string, "node", "+1",
 * " 1", "01", "0x1", "node64"). */
bool node_name_parse(const char *s, unsigned *id);

/* What a node name may be, for messages: "node1..node63 or 1..63" */
#define NODE_NAME_RANGE "node1..node63 or 1..63"

#endif
