/* shoji status in the manager (cmd_status.c) */
#ifndef SHOJI_DAEMON_CMD_STATUS_H
#define SHOJI_DAEMON_CMD_STATUS_H

#include "common/protocol.h"
#include "daemon/manager.h"

int do_status(struct manager *m, int argc, char **argv, struct reply *r);

#endif
