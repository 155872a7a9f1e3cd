/* shoji up and shoji down in the manager (cmd_up_down.c) */
#ifndef SHOJI_DAEMON_CMD_UP_DOWN_H
#define SHOJI_DAEMON_CMD_UP_DOWN_H

#include "common/protocol.h"
#include "daemon/manager.h"

int do_up(struct manager *m, int argc, char **argv, struct reply *r);
int do_down(struct manager *m, int argc, char **argv, struct reply *r);

#endif
