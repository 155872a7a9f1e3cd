/* shoji exec in the manager (cmd_exec.c) */
#ifndef SHOJI_DAEMON_CMD_EXEC_H
#define SHOJI_DAEMON_CMD_EXEC_H

#include "common/protocol.h"
#include "daemon/manager.h"

int do_exec(struct manager *m, int argc, char **argv, struct reply *r);

#endif
