/* shoji start, stop and restart in the manager (cmd_lifecycle.c) */
#ifndef SHOJI_DAEMON_CMD_LIFECYCLE_H
#define SHOJI_DAEMON_CMD_LIFECYCLE_H

#include "common/protocol.h"
#include "daemon/manager.h"

int do_lifecycle(struct manager *m, int argc, char **argv, struct reply *r);

#endif
