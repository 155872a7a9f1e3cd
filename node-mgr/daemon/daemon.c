/* shoji daemon: the node manager on node0. It owns the plan that is up,
 * the partition (CPUs and devices node0 gave up), the nodes' lifecycle and
 * their health. Commands reach it over a root-only Unix socket; it keeps
 * what it must not forget (the plan, the partition, restart counts) in its
 * state directory, so a new daemon finds running nodes again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/node_name.h"
#include "daemon/clock.h"
#include "daemon/dma_watch.h"
#include "daemon/events.h"
#include "daemon/guests.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"
#include "daemon/partition.h"
#include "daemon/node_cycle.h"
#include "daemon/plan_adopt.h"
#include "daemon/state_restore.h"
#include "daemon/state_file.h"
#include "daemon/state_save.h"
#include "daemon/status_json.h"
#include "loader/machine.h"
#include "machine/machine_check.h"
#include "plan/plan_check.h"

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* The one manager. Only cmd_daemon names it: it sets it up and hands it
 * to every function and thread that needs it (manager.h). */
static struct manager the_manager = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.dev = -1,
};

/* ---- commands ---- */

/* m->lock held. Whether a plan is up or being brought up; if so says
 * which to r. */
static bool plan_taken(struct manager *m, struct reply *r)
{
	if (m->bringing_up) {
		reply_err(r, "shoji: the plan %s is being brought up (another shoji up); wait for it to finish\n",
			  m->plan_path);
		return true;
	}
	if (m->plan) {
		reply_err(r, "shoji: the plan %s is up; take it down first (shoji down)\n",
			  m->plan_path);
		return true;
	}
	return false;
}

static int do_up(struct manager *m, int argc, char **argv, struct reply *r)
{
	struct plan *plan;
	unsigned done[PLAN_MAX_NODES], nr = 0;
	const char *step = "";
	int ret = EXIT_CANNOT;
	uint64_t timeout;
	bool taken;

	if (argc != 2) {
		reply_err(r, "Usage: shoji up PLAN\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	taken = plan_taken(m, r);
	cmd_unlock(m, r);
	if (taken)
		return EXIT_CANNOT;
	plan = plan_open(argv[1], r, true, &ret);
	if (!plan) {
		/* as shoji check: 2 for the plan's errors, 1 when the plan or
		 * the machine could not be read */
		reply_err(r, ret == EXIT_BAD_PLAN
				     ? "shoji: up: the plan does not fit this machine; nothing was changed\n"
				     : "shoji: up: the plan could not be checked; nothing was changed\n");
		return ret;
	}
	ret = EXIT_CANNOT;
	if (m->dev < 0) {
		plan_free(plan);
		reply_err(r, "shoji: /dev/shoji is missing: node0 runs a kernel without the Shoji patch\n");
		return EXIT_CANNOT;
	}
	guests_lock();
	cmd_lock(m, r);
	/* Checked again: another up may have adopted a plan while this one
	 * read its plan. The check and the adoption are one critical
	 * section, so of two ups only one adopts; bringing_up keeps the
	 * plan this up works with from being dropped under it. */
	if (plan_taken(m, r)) {
		cmd_unlock(m, r);
		guests_unlock();
		plan_free(plan);
		return EXIT_CANNOT;
	}
	plan_adopt(m, plan, argv[1]);
	m->bringing_up = true;
	state_changed(m);
	cmd_unlock(m, r);
	if (state_save_failure()) {
		reply_err(r, "shoji: up: cannot save the manager's state in %s: %s; nothing was changed\n",
			  m->state_dir, strerror(state_save_failure()));
		mgr_lock(m);
		plan_drop(m);
		m->bringing_up = false;
		state_changed(m);
		mgr_unlock(m);
		/* said above; the file holds no plan either way */
		state_save_failure_said();
		guests_unlock();
		return EXIT_CANNOT;
	}
	mgr_lock(m);
	event_log(m, "manager", "up %s", argv[1]);
	mgr_unlock(m);
	guests_unlock();

	/*
	 * Node by node, partition setup, then load and start: a node boots
	 * while node0 takes the next one's CPUs offline and its devices
	 * from its drivers, which share nothing with it.
	 */
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct node_rec *n = &m->nodes[i];

		if (!n->in_plan)
			continue;
		step = "partition setup";
		pthread_mutex_lock(&n->op);
		if (partition_take(m, n, &plan->nodes[i], r)) {
			pthread_mutex_unlock(&n->op);
			reply_err(r, "shoji: up: node%u: %s failed\n", i, step);
			goto undo;
		}
		pthread_mutex_unlock(&n->op);
		done[nr++] = i;
		mgr_lock(m);
		state_changed(m);
		mgr_unlock(m);
		step = "load and start";
		if (node_bring_up(m, n, r)) {
			reply_err(r, "shoji: up: node%u: %s failed\n", n->id, step);
			goto undo;
		}
	}
	for (unsigned k = 0; k < nr; k++) {
		struct node_rec *n = &m->nodes[done[k]];

		step = "boot";
		if (wait_running(m, n, r, MGR_BOOT_TIMEOUT_MS / 1000)) {
			reply_err(r, "shoji: up: node%u: %s failed\n", n->id, step);
			goto undo;
		}
	}
	mgr_lock(m);
	m->bringing_up = false;
	mgr_unlock(m);
	reply_out(r, "up: %u node(s) running from %s\n", nr, argv[1]);
	return EXIT_GOOD;
undo:
	reply_err(r, "shoji: up: undoing what was done, in reverse order\n");
	while (nr--) {
		struct node_rec *n = &m->nodes[done[nr]];

		mgr_lock(m);
		timeout = stop_timeout_of(m, n);
		mgr_unlock(m);
		node_take_down(m, n, true, timeout, "up failed; undone", r);
	}
	mgr_lock(m);
	event_log(m, "manager", "up %s failed at %s; undone", argv[1], step);
	mgr_unlock(m);
	guests_lock();
	mgr_lock(m);
	plan_drop(m);
	m->bringing_up = false;
	state_changed(m);
	mgr_unlock(m);
	guests_unlock();
	return ret;
}

static int do_down(struct manager *m, int argc, char **argv, struct reply *r)
{
	struct node_rec *one = NULL;
	bool all_stopped = true;

	if (argc > 2) {
		reply_err(r, "Usage: shoji down [NODE]\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (!m->plan) {
		cmd_unlock(m, r);
		reply_out(r, "No plan is up.\n");
		return EXIT_GOOD;
	}
	/* up undoes what it did itself if it fails; a down meanwhile would
	 * free the plan up still reads */
	if (m->bringing_up) {
		reply_err(r, "shoji: the plan %s is being brought up; take it down once shoji up has finished\n",
			  m->plan_path);
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (argc == 2 && parse_node_name(m, argv[1], r, &one)) {
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	cmd_unlock(m, r);
	for (unsigned i = PLAN_MAX_NODES; i-- > 1;) {
		struct node_rec *n = &m->nodes[i];
		uint64_t timeout;

		if (!n->in_plan || (one && n != one))
			continue;
		mgr_lock(m);
		timeout = stop_timeout_of(m, n);
		mgr_unlock(m);
		if (node_take_down(m, n, true, timeout, "taken down (shoji down)", r))
			reply_out(r, "node%u: down\n", i);
		else
			all_stopped = false;
	}
	if (!one) {
		guests_lock();
		cmd_lock(m, r);
		event_log(m, "manager", "down %s", m->plan_path);
		plan_drop(m);
		state_changed(m);
		cmd_unlock(m, r);
		guests_unlock();
	}
	return all_stopped ? EXIT_GOOD : EXIT_CANNOT;
}

/* start|stop|restart NODE [--no-wait] [--force], options in any order */
static int do_lifecycle(struct manager *m, int argc, char **argv,
			struct reply *r)
{
	struct node_rec *n;
	const char *cmd = argv[0], *name = NULL;
	bool wait = true, force = false, start = !strcmp(cmd, "start");
	bool bad = false;
	uint64_t timeout;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-wait"))
			wait = false;
		else if (!strcmp(argv[i], "--force") && !start)
			force = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			bad = true;
	}
	if (!name || bad) {
		reply_err(r, "Usage: shoji %s NODE%s [--no-wait]\n", cmd,
			  start ? "" : " [--force]");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (parse_node_name(m, name, r, &n)) {
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (start && (n->wanted || n->busy)) {
		cmd_unlock(m, r);
		reply_err(r, "shoji: node%u is already %s\n", n->id,
			  health_name(n->health));
		return EXIT_CANNOT;
	}
	/* --force: no clean stop, NMI and INIT at once */
	timeout = force ? 0 : stop_timeout_of(m, n);
	cmd_unlock(m, r);
	if (!start) {
		if (!node_take_down(m, n, false, timeout,
				    !strcmp(cmd, "stop")
					    ? (force ? "stopped by force (shoji stop --force)"
						     : "stopped (shoji stop)")
					    : "stopped to restart (shoji restart)",
				    r))
			return EXIT_CANNOT;
		reply_out(r, "node%u: stopped%s\n", n->id,
			  force ? " by force (NMI and INIT, no clean stop)" : "");
		if (!strcmp(cmd, "stop"))
			return EXIT_GOOD;
	}
	cmd_lock(m, r);
	n->failures = 0;
	cmd_unlock(m, r);
	if (node_bring_up(m, n, r))
		return EXIT_CANNOT;
	if (wait && wait_running(m, n, r, MGR_BOOT_TIMEOUT_MS / 1000))
		return EXIT_CANNOT;
	return EXIT_GOOD;
}

/* status [NODE [--lines N]] [--json], as the command line sends it */
static int do_status(struct manager *m, int argc, char **argv, struct reply *r)
{
	unsigned lines = 10, id = 0;
	bool json = false, one = false;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
			lines = (unsigned)strtoul(argv[++i], &end, 10);
			if (*end || lines > 1000)
				goto usage;
		} else if (!one && node_name_parse(argv[i], &id)) {
			one = true;
		} else {
			goto usage;
		}
	}
	cmd_lock(m, r);
	if (one && id && !m->plan) {
		reply_err(r, "shoji: no plan is up (shoji up PLAN)\n");
	} else if (one && id && !m->nodes[id].in_plan) {
		reply_err(r, "shoji: the plan %s has no node%u\n", m->plan_path,
			  id);
	} else {
		if (one)
			status_node(m, r, id, lines, json);
		else if (json)
			status_json(m, r);
		else
			status_table(m, r);
		cmd_unlock(m, r);
		return EXIT_GOOD;
	}
	cmd_unlock(m, r);
	return EXIT_CANNOT;
usage:
	reply_err(r, "Usage: shoji status [NODE [--lines N]] [--json]\n");
	return EXIT_CANNOT;
}

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

static int do_logs(struct manager *m, int argc, char **argv, struct reply *r)
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

static int do_exec(struct manager *m, int argc, char **argv, struct reply *r)
{
	static __thread char out[SHOJI_REPLY_LEN + 1];
	char cmd[SHOJI_CMD_LEN], err[256];
	struct node_rec *n;
	double timeout = 60;
	size_t len = 0, outlen;
	int i = 2, ret;

	if (argc < 3) {
		reply_err(r, "Usage: shoji exec NODE [--timeout SECONDS] -- COMMAND...\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	ret = parse_node_name(m, argv[1], r, &n);
	cmd_unlock(m, r);
	if (ret)
		return EXIT_CANNOT;
	if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
		timeout = strtod(argv[i + 1], NULL);
		if (timeout <= 0)
			timeout = 60;
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		reply_err(r, "shoji: exec: no command\n");
		return EXIT_CANNOT;
	}
	for (; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (len + l + 2 > sizeof(cmd)) {
			reply_err(r, "shoji: node%u: the command is longer than %d bytes\n",
				  n->id, SHOJI_CMD_LEN - 1);
			return EXIT_CANNOT;
		}
		if (len)
			cmd[len++] = ' ';
		memcpy(cmd + len, argv[i], l);
		len += l;
	}
	cmd[len] = '\0';
	if (cmd[0] == AGENT_REPORT_REQUEST[0]) {
		reply_err(r, "shoji: exec: bad command\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (!n->page || !n->view.valid || n->view.state != SHOJI_STATE_RUNNING) {
		reply_err(r, "shoji: node%u is %s, not running%s%s\n", n->id,
			  health_name(n->health), n->cause[0] ? ": " : "",
			  n->cause);
		cmd_unlock(m, r);
		return 125;
	}
	cmd_unlock(m, r);
	ret = node_channel(m, n, cmd, timeout, true, out, &outlen, err,
			   sizeof(err));
	if (ret < 0) {
		reply_err(r, "shoji: node%u: %s\n", n->id, err);
		return strstr(err, "no answer") ? 124 : 125;
	}
	reply_write(r, 'o', out, outlen);
	return ret;
}

static int do_events(struct manager *m, int argc, char **argv, struct reply *r)
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

static int dispatch(struct manager *m, int argc, char **argv, struct reply *r)
{
	static const struct {
		const char *name;
		int (*run)(struct manager *, int, char **, struct reply *);
	} table[] = {
		{ "up", do_up }, { "down", do_down },
		{ "start", do_lifecycle }, { "stop", do_lifecycle },
		{ "restart", do_lifecycle }, { "status", do_status },
		{ "logs", do_logs }, { "exec", do_exec },
		{ "events", do_events }, { "guest", do_guest },
	};

	if (argc < 1)
		return EXIT_CANNOT;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(argv[0], table[i].name))
			return table[i].run(m, argc, argv, r);
	reply_err(r, "shoji: the manager does not know '%s'\n", argv[0]);
	return EXIT_CANNOT;
}

/* What a command's thread is started with; the thread frees it */
struct client {
	struct manager *m;
	int fd;			/* the command's connection */
};

static void *client_thread(void *arg)
{
	struct client *c = arg;
	struct manager *m = c->m;
	int fd = c->fd;
	struct reply r = { .fd = fd };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char **argv = NULL;
	FILE *in;
	int argc, status;

	free(c);
	in = fdopen(dup(fd), "r");
	if (!in)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    cred.uid != 0) {
		reply_err(&r, "shoji: only root may talk to the manager\n");
		reply_exit(&r, EXIT_CANNOT);
		goto out;
	}
	argc = proto_recv_args(in, &argv);
	if (argc < 0) {
		reply_err(&r, "shoji: bad request\n");
		reply_exit(&r, EXIT_CANNOT);
		goto out;
	}
	status = dispatch(m, argc, argv, &r);
	if (state_save_failure())
		reply_err(&r, "shoji: the manager could not save its state in %s: %s; a manager started after this one would not know what this command did\n",
			  m->state_dir, strerror(state_save_failure()));
	reply_exit(&r, status);
out:
	proto_free_args(argv);
	if (in)
		fclose(in);
	close(fd);
	return NULL;
}

static void *watcher(void *arg)
{
	struct manager *m = arg;

	for (;;) {
		health_tick(m);
		usleep(MGR_TICK_MS * 1000);
	}
	return NULL;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) && errno != EEXIST ? -1 : 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int fd;
	mode_t old;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "shoji daemon: socket path too long: %s\n", path);
		return -1;
	}
	fd = mgr_connect(path);
	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "shoji daemon: a manager is already running (%s)\n",
			path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
		*strrchr(dir, '/') = '\0';
		mkdir_p(dir, 0700);
	}
	unlink(path);
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	old = umask(0177);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		umask(old);
		fprintf(stderr, "shoji daemon: cannot listen on %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	umask(old);
	chmod(path, 0600);
	if (listen(fd, 16)) {
		fprintf(stderr, "shoji daemon: listen: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

static const char daemon_usage[] =
	"Usage: shoji daemon [--state-dir DIR] [--socket PATH] [--background]\n"
	"\n"
	"The node manager, on node0 (as root). It listens on PATH and keeps\n"
	"its journal (events.log), the logs of failed nodes (logs/) and its\n"
	"state in DIR. A new manager finds the nodes the last one left running.\n"
	"\n"
	"  --state-dir DIR  where it keeps what it knows (default /var/lib/shoji)\n"
	"  --socket PATH    where commands reach it (default $SHOJI_SOCKET, or\n"
	"                   " PROTO_DEFAULT_SOCKET "; root only)\n"
	"  --background     return once it listens and watches, with its output\n"
	"                   in DIR/daemon.log; its pid is in DIR/daemon.pid\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 stopped by SIGTERM or SIGINT (the nodes keep running),\n"
	"or, with --background, the manager runs; 1 usage error, not root,\n"
	"another manager listens, or it could not start.\n";

/* fn is given the manager */
static int start_thread(struct manager *m, void *(*fn)(void *),
			const char *what)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, fn, m);

	if (err) {
		event_log(m, "manager", "cannot start the %s thread: %s; the manager stops rather than run blind",
			  what, strerror(err));
		return -1;
	}
	pthread_detach(t);
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "background", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct manager *m = &the_manager;
	const char *state_dir = "/var/lib/shoji";
	const char *sock = getenv("SHOJI_SOCKET");
	bool background = false;
	struct shoji_info info;
	pthread_t t;
	int c, lfd, err, ready[2] = { -1, -1 };

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': state_dir = optarg; break;
		case 's': sock = optarg; break;
		case 'b': background = true; break;
		case 'h': fputs(daemon_usage, stdout); return EXIT_GOOD;
		default: fputs(daemon_usage, stderr); return EXIT_CANNOT;
		}
	}
	if (optind != argc) {
		fputs(daemon_usage, stderr);
		return EXIT_CANNOT;
	}
	if (!sock || !*sock)
		sock = PROTO_DEFAULT_SOCKET;
	if (geteuid() != 0) {
		fprintf(stderr, "shoji daemon: run it as root\n");
		return EXIT_CANNOT;
	}
	if (mkdir_p(state_dir, 0700)) {
		fprintf(stderr, "shoji daemon: cannot create %s: %s\n", state_dir,
			strerror(errno));
		return EXIT_CANNOT;
	}
	if (!realpath(state_dir, m->state_dir))
		snprintf(m->state_dir, sizeof(m->state_dir), "%s", state_dir);
	snprintf(m->socket_path, sizeof(m->socket_path), "%s", sock);
	lfd = listen_on(sock);
	if (lfd < 0)
		return EXIT_CANNOT;
	if (background) {
		char log[PATH_MAX + 16], byte;
		pid_t pid;
		int fd;

		/* The caller (init, systemd) learns whether the manager really
		 * runs: the parent returns once the child has its threads, or
		 * fails if the child ended before. */
		if (pipe2(ready, O_CLOEXEC)) {
			perror("shoji daemon: pipe");
			return EXIT_CANNOT;
		}
		pid = fork();
		if (pid < 0) {
			perror("shoji daemon: fork");
			return EXIT_CANNOT;
		}
		if (pid > 0) {
			ssize_t got;

			close(ready[1]);
			close(lfd);
			while ((got = read(ready[0], &byte, 1)) < 0 && errno == EINTR)
				;
			if (got != 1) {
				fprintf(stderr, "shoji daemon: the manager did not start; see %s/daemon.log\n",
					m->state_dir);
				return EXIT_CANNOT;
			}
			printf("shoji daemon: running (pid %d), socket %s, state in %s\n",
			       (int)pid, sock, m->state_dir);
			return EXIT_GOOD;
		}
		close(ready[0]);
		setsid();
		/* the_manager, not m: through m, gcc 12 takes state_dir for
		 * a string as long as the rest of the_manager and warns that
		 * it may not fit (-Wformat-truncation) */
		snprintf(log, sizeof(log), "%s/daemon.log",
			 the_manager.state_dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	{
		char pidfile[PATH_MAX + 16];
		FILE *pf;

		/* the_manager, not m: see daemon.log above */
		snprintf(pidfile, sizeof(pidfile), "%s/daemon.pid",
			 the_manager.state_dir);
		pf = fopen(pidfile, "w");
		if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 || fclose(pf)) {
			fprintf(stderr, "shoji daemon: cannot write %s: %s\n", pidfile,
				strerror(errno));
			if (pf)
				fclose(pf);
		}
	}
	for (unsigned i = 0; i < PLAN_MAX_NODES; i++) {
		m->nodes[i].id = i;
		m->nodes[i].manager = m;
		pthread_mutex_init(&m->nodes[i].op, NULL);
		pthread_mutex_init(&m->nodes[i].chan, NULL);
	}
	m->dev = open("/dev/shoji", O_RDWR | O_CLOEXEC);
	if (m->dev >= 0 && !ioctl(m->dev, SHOJI_IOC_INFO, &info)) {
		if (info.node != SHOJI_ROLE_NODE0) {
			fprintf(stderr, "shoji daemon: this kernel is node%u; the manager runs on node0\n",
				info.node);
			return EXIT_CANNOT;
		}
		m->tsc_khz = info.tsc_khz;
	} else if (m->dev >= 0) {
		close(m->dev);
		m->dev = -1;
	}
	event_log(m, "manager", "started (pid %d)%s", (int)getpid(),
		  m->dev < 0 ? "; no /dev/shoji: nodes cannot be run" : "");
	state_restore(m);
	/* Without them no failure would be seen: no manager rather than a blind one. */
	if (start_thread(m, watcher, "watcher") ||
	    start_thread(m, agent_poller, "agent poller") ||
	    start_thread(m, guest_poller, "guest poller") ||
	    start_thread(m, dma_fault_watcher, "DMA fault watcher")) {
		close(lfd);
		unlink(m->socket_path);
		return EXIT_CANNOT;
	}
	if (ready[1] >= 0) {
		if (write(ready[1], "r", 1) != 1)
			event_log(m, "manager", "cannot tell the starting command that the manager runs: %s",
				  strerror(errno));
		close(ready[1]);
	}
	signal(SIGTERM, on_stop_signal);
	signal(SIGINT, on_stop_signal);
	while (!stop_signal) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		struct client *cl;
		int fd;

		if (poll(&p, 1, 500) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR)
				usleep(10000);
			continue;
		}
		cl = malloc(sizeof(*cl));
		if (cl) {
			*cl = (struct client){ .m = m, .fd = fd };
			err = pthread_create(&t, NULL, client_thread, cl);
		} else {
			err = ENOMEM;
		}
		if (err) {
			/* the command waits for an answer: it gets one */
			struct reply r = { .fd = fd };

			free(cl);
			event_log(m, "manager", "cannot start a thread for a command: %s",
				  strerror(err));
			reply_err(&r, "shoji: the manager cannot take the command: it cannot start a thread: %s\n",
				  strerror(err));
			reply_exit(&r, EXIT_CANNOT);
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	/* The nodes keep running: a new manager finds them */
	event_log(m, "manager", "stopped by signal %d; the nodes keep running",
		  (int)stop_signal);
	close(lfd);
	unlink(m->socket_path);
	return EXIT_GOOD;
}
