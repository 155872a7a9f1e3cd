/* shoji logs NODE and shoji events: what a node wrote to its console, as
 * its control page holds it or as kept after its last failure, and the
 * manager's journal; both can follow what comes next. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/ctl_view.h"
#include "daemon/cmd_logs.h"
#include "daemon/events.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"

/* Kept logs are named nodeN-YYYYmmddTHHMMSSZ-what.log: the last name is the latest. */
static int latest_kept_log(struct manager *m, unsigned node, char *name,
			   size_t len)
{
	char dir[PATH_MAX + 8], prefix[24];
	size_t prefix_len;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/logs", m->state_dir);
	prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "node%u-", node);
	d = opendir(dir);
	if (!d)
		return -1;
	name[0] = '\0';
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, prefix_len) || strlen(e->d_name) >= len)
			continue;
		if (strcmp(e->d_name, name) > 0)
			snprintf(name, len, "%s", e->d_name);
	}
	closedir(d);
	return name[0] ? 0 : -1;
}

int do_logs(struct manager *m, int argc, char **argv, struct reply *r)
{
	static __thread struct ctl_copy copy;
	static __thread char text[SHOJI_CONTROL_SIZE + 1];
	bool follow = false, previous = false;
	struct node_rec *n = NULL;
	struct ctl_view v;
	uint32_t next, lost;
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")) {
			follow = true;
		} else if (!strcmp(argv[i], "--previous")) {
			previous = true;
		} else if (!n) {
			cmd_lock(m, r);
			if (parse_node_name(m, argv[i], r, &n)) {
				cmd_unlock(m, r);
				return EXIT_CANNOT;
			}
			cmd_unlock(m, r);
		} else {
			n = NULL;
			break;
		}
	}
	if (!n) {
		reply_err(r, "Usage: shoji logs NODE [-f | --previous]\n");
		return EXIT_CANNOT;
	}
	if (previous) {
		char name[256], path[PATH_MAX + 300], buf[4096];
		size_t got;
		FILE *f;

		/* a log kept before the command is in its file */
		event_flush(m);
		if (latest_kept_log(m, n->id, name, sizeof(name))) {
			reply_err(r, "shoji: node%u has no kept log of an earlier failure\n",
				  n->id);
			return EXIT_CANNOT;
		}
		snprintf(path, sizeof(path), "%s/logs/%s", m->state_dir, name);
		f = fopen(path, "r");
		if (!f) {
			reply_err(r, "shoji: %s: %s\n", path, strerror(errno));
			return EXIT_CANNOT;
		}
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			reply_write(r, 'o', buf, got);
		fclose(f);
		return EXIT_GOOD;
	}
	if (!n->page) {
		reply_err(r, "shoji: node%u was never loaded\n", n->id);
		return EXIT_CANNOT;
	}
	ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
	if (!ctl_read(&copy, &v)) {
		reply_err(r, "shoji: node%u: its control page is invalid: %s\n",
			  n->id, v.why);
		return EXIT_CANNOT;
	}
	len = ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next, &lost);
	reply_write(r, 'o', text, len);
	while (follow && reply_alive(r)) {
		usleep(200000);
		ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
		if (!ctl_read(&copy, &v))
			continue;
		if (v.con_head == next)
			continue;
		if ((uint32_t)(v.con_head - next) > UINT32_MAX / 2) {
			/* the ring started over: a new boot */
			reply_out(r, "\n-- node%u: its log started over --\n", n->id);
			next = 0;
		}
		len = ctl_console(&copy, &v, next, text, sizeof(text) - 1,
				  &next, &lost);
		if (lost)
			reply_out(r, "\n-- %u bytes lost --\n", lost);
		reply_write(r, 'o', text, len);
	}
	return EXIT_GOOD;
}

int do_events(struct manager *m, int argc, char **argv, struct reply *r)
{
	bool follow = argc == 2 && (!strcmp(argv[1], "-f") ||
				    !strcmp(argv[1], "--follow"));

	if (argc > 2 || (argc == 2 && !follow)) {
		reply_err(r, "Usage: shoji events [-f]\n");
		return EXIT_CANNOT;
	}
	event_print(m, r, follow);
	return EXIT_GOOD;
}
