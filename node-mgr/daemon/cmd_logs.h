/* shoji logs and shoji events in the manager (cmd_logs.c) */
#ifndef SHOJI_DAEMON_CMD_LOGS_H
#define SHOJI_DAEMON_CMD_LOGS_H

#include "common/protocol.h"
#include "daemon/manager.h"

int do_logs(struct manager *m, int argc, char **argv, struct reply *r);
int do_events(struct manager *m, int argc, char **argv, struct reply *r);

#endif
