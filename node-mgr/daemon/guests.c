/* The plan's KVM guests, run by each node's agent (guest/ctl on the node,
 * reached through the command channel). A thread looks at every running
 * node's guests every two seconds: their state, the new bytes of their
 * consoles, which it copies to STATE_DIR/guests/NAME.log so that a
 * guest's console stays readable after the guest or its node died, and
 * the autostart guests of a node that (re)booted, which it starts.
 *
 * Channel requests are at most 255 bytes and replies 1 KiB: a guest's
 * definition goes in base64 pieces, its console comes back in pieces. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "daemon/events.h"
#include "daemon/guests.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"

#define GUEST_CTL "/usr/libexec/shoji/guest-ctl"
#define GUEST_PIECE 120		/* bytes of a value per request (160 in base64) */
#define GUEST_READ_MAX 960	/* what guest-ctl read returns at most */
#define GUEST_SYNC_PIECES 64	/* console pieces per guest per pass */
#define GUEST_START_TIMEOUT_S 120
/* Each look runs a script in the node: not more often than this, on
 * nodes whose CPUs also run the guests */
#define GUEST_POLL_MS 2000

/* Serializes what the manager does to guests: the poller's passes and
 * the commands. Taken before m->lock, never while holding it. */
static pthread_mutex_t guest_op = PTHREAD_MUTEX_INITIALIZER;

/* m->lock held */
void guests_adopt(struct manager *m, const struct plan *plan)
{
	free(m->guests);
	m->guests = NULL;
	m->guest_count = 0;
	if (!plan || !plan->guest_count)
		return;
	m->guests = calloc(plan->guest_count, sizeof(*m->guests));
	if (!m->guests)
		return;
	m->guest_count = plan->guest_count;
	for (size_t i = 0; i < plan->guest_count; i++) {
		struct guest_rec *g = &m->guests[i];

		snprintf(g->name, sizeof(g->name), "%s", plan->guests[i].name);
		g->node = (unsigned)plan->guests[i].node;
		g->state = G_STOPPED;
		snprintf(g->cause, sizeof(g->cause), "%s",
			 plan->guests[i].autostart
				 ? "not started yet (autostart: when its node runs)"
				 : "not started (shoji guest start)");
		g->started_boot = UINT_MAX;
	}
}

const struct plan_guest *guest_plan(struct manager *m,
				    const struct guest_rec *g)
{
	return plan_guest_named(m->plan, g->name);
}

static void guest_set(struct manager *m, struct guest_rec *g,
		      enum guest_state s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* m->lock held */
static void guest_set(struct manager *m, struct guest_rec *g,
		      enum guest_state s, const char *fmt, ...)
{
	char cause[sizeof(g->cause)], who[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	if (g->state == s && !strcmp(g->cause, cause))
		return;
	snprintf(who, sizeof(who), "guest.%s", g->name);
	if (g->state != s)
		event_log(m, who, "%s -> %s: %s", guest_state_name(g->state),
			  guest_state_name(s), cause);
	g->state = s;
	snprintf(g->cause, sizeof(g->cause), "%s", cause);
	state_changed(m);
}

static void log_path(struct manager *m, const struct guest_rec *g,
		     char *path, size_t len)
{
	snprintf(path, len, "%s/guests/%s.log", m->state_dir, g->name);
}

/* How much of its console was copied, for a manager that starts again
 * while the guest runs. No fsync: node0's kernel outlives the manager. */
static void offset_save(struct manager *m, const struct guest_rec *g,
			uint64_t off)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/guests/%s.off", m->state_dir,
		 g->name);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%" PRIu64 "\n", off);
	fclose(f);
}

uint64_t guest_console_offset(struct manager *m, const char *name)
{
	char path[PATH_MAX + 64];
	unsigned long long off = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/guests/%s.off", m->state_dir, name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &off) != 1)
			off = 0;
		fclose(f);
	}
	return off;
}

/* m->lock held */
void guests_restore(struct manager *m, const char *name, bool held_down,
		    bool started, uint64_t console_off)
{
	for (size_t i = 0; i < m->guest_count; i++) {
		struct guest_rec *g = &m->guests[i];

		if (strcmp(g->name, name))
			continue;
		g->held_down = held_down;
		/* a node found again has booted 0 times for this manager */
		g->started_boot = started ? 0 : UINT_MAX;
		if (held_down)
			snprintf(g->cause, sizeof(g->cause),
				 "stopped (shoji guest stop)");
		else if (started)
			snprintf(g->cause, sizeof(g->cause),
				 "started before the manager restarted");
		g->console_off = console_off;
	}
}

static void log_append(struct manager *m, const struct guest_rec *g,
		       const char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/guests", m->state_dir);
	mkdir(path, 0700);
	log_path(m, g, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* Runs a guest-ctl command in node n; out has SHOJI_REPLY_LEN + 1 bytes
 * and is NUL-terminated. Returns the command's status, -1 with err. */
static int ctl(struct manager *m, struct node_rec *n, const char *cmd,
	       double timeout_s, char *out, size_t *len, char *err,
	       size_t errlen)
{
	char line[SHOJI_CMD_LEN];
	int ret;

	if ((size_t)snprintf(line, sizeof(line), GUEST_CTL " %s", cmd) >=
	    sizeof(line)) {
		snprintf(err, errlen, "internal: guest-ctl request too long");
		return -1;
	}
	ret = node_channel(m, n, line, timeout_s, true, out, len, err, errlen);
	out[ret < 0 ? 0 : *len] = '\0';
	return ret;
}

/* Copies new console bytes of g from node n to node0. guest_op held. */
static void sync_console(struct manager *m, struct node_rec *n,
			 struct guest_rec *g, uint64_t node_size)
{
	static char out[SHOJI_REPLY_LEN + 1];
	char cmd[128], err[256];
	size_t len;

	for (int i = 0; i < GUEST_SYNC_PIECES; i++) {
		uint64_t off;

		mgr_lock(m);
		off = g->console_off;
		mgr_unlock(m);
		if (node_size != UINT64_MAX && off >= node_size)
			return;
		snprintf(cmd, sizeof(cmd), "read %s %" PRIu64, g->name, off);
		if (ctl(m, n, cmd, 10, out, &len, err, sizeof(err)) != 0 ||
		    !len)
			return;
		log_append(m, g, out, len);
		mgr_lock(m);
		g->console_off += len;
		off = g->console_off;
		mgr_unlock(m);
		offset_save(m, g, off);
	}
}

static int put_value(struct manager *m, struct node_rec *n, const char *name,
		     const char *key, const char *value, char *out, char *err,
		     size_t errlen)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t total = strlen(value), len;
	char cmd[SHOJI_CMD_LEN];

	for (size_t at = 0; at < total; at += GUEST_PIECE) {
		size_t piece = total - at < GUEST_PIECE ? total - at : GUEST_PIECE;
		const unsigned char *p = (const unsigned char *)value + at;
		int used = snprintf(cmd, sizeof(cmd), "put %s %s ", name, key);
		char *o = cmd + used;

		for (size_t i = 0; i < piece; i += 3) {
			unsigned v = (unsigned)p[i] << 16;

			if (i + 1 < piece)
				v |= (unsigned)p[i + 1] << 8;
			if (i + 2 < piece)
				v |= p[i + 2];
			*o++ = b64[v >> 18 & 63];
			*o++ = b64[v >> 12 & 63];
			*o++ = i + 1 < piece ? b64[v >> 6 & 63] : '=';
			*o++ = i + 2 < piece ? b64[v & 63] : '=';
		}
		*o = '\0';
		if (ctl(m, n, cmd, 10, out, &len, err, errlen)) {
			if (!err[0] || out[0])
				snprintf(err, errlen, "%.200s", out);
			return -1;
		}
	}
	return 0;
}

/* Sends g's definition and starts it. guest_op held, m->lock not. */
static int guest_start(struct manager *m, struct node_rec *n,
		       struct guest_rec *g, char *msg, size_t msglen)
{
	static char out[SHOJI_REPLY_LEN + 1];
	char cmd[128], num[32], err[256] = "", marker[160], when[32];
	const struct plan_guest *pg;
	struct plan_guest copy;
	unsigned boots;
	size_t len;
	long pid = 0;
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	mgr_lock(m);
	pg = guest_plan(m, g);
	boots = n->boots;
	/* Its strings stay valid: only up and down replace the plan, and
	 * they take guest_op first. */
	if (pg)
		copy = *pg;
	mgr_unlock(m);
	if (!pg) {
		snprintf(msg, msglen, "not in the plan that is up");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "put %s begin -", g->name);
	ret = ctl(m, n, cmd, 10, out, &len, err, sizeof(err));
	if (!ret)
		ret = put_value(m, n, g->name, "kernel", copy.kernel, out, err,
				sizeof(err));
	if (!ret && copy.initrd)
		ret = put_value(m, n, g->name, "initrd", copy.initrd, out, err,
				sizeof(err));
	if (!ret && copy.cmdline[0])
		ret = put_value(m, n, g->name, "cmdline", copy.cmdline, out,
				err, sizeof(err));
	if (!ret && copy.disk) {
		ret = put_value(m, n, g->name, "disk", copy.disk, out, err,
				sizeof(err));
		snprintf(num, sizeof(num), "%" PRIu64 "M",
			 copy.disk_size / UNITS_MIB);
		if (!ret)
			ret = put_value(m, n, g->name, "disk_size", num, out,
					err, sizeof(err));
	}
	snprintf(num, sizeof(num), "%u", copy.vcpus);
	if (!ret)
		ret = put_value(m, n, g->name, "vcpus", num, out, err,
				sizeof(err));
	snprintf(num, sizeof(num), "%" PRIu64 "M", copy.memory / UNITS_MIB);
	if (!ret)
		ret = put_value(m, n, g->name, "memory", num, out, err,
				sizeof(err));
	if (ret) {
		snprintf(msg, msglen, "cannot send its definition to node%u: %.400s",
			 n->id, err[0] ? err : out);
		msg[strcspn(msg, "\n")] = '\0';
		mgr_lock(m);
		g->started_boot = boots;
		guest_set(m, g, G_FAILED, "%s", msg);
		mgr_unlock(m);
		return -1;
	}
	/* What the console of the guest's last run still had on the node's
	 * disk, before launch-guest starts a new one */
	sync_console(m, n, g, UINT64_MAX);
	snprintf(cmd, sizeof(cmd), "start %s", g->name);
	ret = ctl(m, n, cmd, GUEST_START_TIMEOUT_S, out, &len, err,
		  sizeof(err));
	mgr_lock(m);
	g->started_boot = boots;
	if (ret) {
		if (ret < 0)
			snprintf(msg, msglen, "node%u: %s", n->id, err);
		else
			snprintf(msg, msglen, "%.400s", out);
		/* one line, without launch-guest's prefix */
		msg[strcspn(msg, "\n")] = '\0';
		guest_set(m, g, G_FAILED, "start failed: %s", msg);
		mgr_unlock(m);
		return -1;
	}
	sscanf(out, "started (QEMU pid %ld)", &pid);
	g->pid = pid;
	g->console_off = 0;
	g->started_at = now;
	guest_set(m, g, G_RUNNING, "started on node%u (QEMU pid %ld)", n->id,
		  pid);
	mgr_unlock(m);
	offset_save(m, g, 0);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(marker, sizeof(marker),
		 "\n-- shoji: %s started on node%u at %s --\n", g->name, n->id,
		 when);
	log_append(m, g, marker, strlen(marker));
	snprintf(msg, msglen, "started on node%u (QEMU pid %ld)", n->id, pid);
	return 0;
}

struct listed {
	bool found, running;
	long pid;
	uint64_t size;
};

/* Asks node n for its guests' states. guest_op held. */
static int list_node(struct manager *m, struct node_rec *n,
		     struct listed *seen, char *err, size_t errlen)
{
	static char out[SHOJI_REPLY_LEN + 1];
	size_t len;
	char *line, *save = NULL;

	if (ctl(m, n, "list", 10, out, &len, err, errlen))
		return -1;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[PLAN_GUEST_NAME_MAX + 2], state[16], pid[24];
		unsigned long long size;

		if (sscanf(line, "%33s %15s %23s %llu", name, state, pid,
			   &size) != 4)
			continue;
		mgr_lock(m);
		for (size_t i = 0; i < m->guest_count; i++) {
			if (strcmp(m->guests[i].name, name) ||
			    m->guests[i].node != n->id)
				continue;
			seen[i].found = true;
			seen[i].running = !strcmp(state, "running");
			seen[i].pid = strtol(pid, NULL, 10);
			seen[i].size = size;
		}
		mgr_unlock(m);
	}
	return 0;
}

/* m->lock held. Only a node whose agent answers is asked: a command
 * in flight keeps a node from looking degraded (health.c), so commands
 * must not keep going to a silent agent. */
static bool node_runs(const struct node_rec *n)
{
	return n->in_plan && n->page && n->wanted && !n->busy &&
	       n->view.valid && n->view.state == SHOJI_STATE_RUNNING &&
	       n->health == H_RUNNING;
}

/* One look at node id's guests. guest_op held. */
static void pass_node(struct manager *m, unsigned id, struct listed *seen)
{
	struct node_rec *n = &m->nodes[id];
	char err[256], msg[512];
	bool any = false, runs;
	unsigned boots;

	mgr_lock(m);
	for (size_t i = 0; i < m->guest_count; i++)
		any |= m->guests[i].node == id;
	runs = node_runs(n);
	boots = n->boots;
	/* A degraded node's kernel runs, and so do its guests, as far as
	 * anyone knows: they are down only when their node is. */
	if (any && n->health != H_RUNNING && n->health != H_DEGRADED) {
		for (size_t i = 0; i < m->guest_count; i++) {
			struct guest_rec *g = &m->guests[i];

			if (g->node == id &&
			    (g->state == G_RUNNING || g->state == G_DOWN))
				guest_set(m, g, G_DOWN, "its node node%u is %s",
					  id, health_name(n->health));
		}
	}
	mgr_unlock(m);
	if (!any || !runs)
		return;
	memset(seen, 0, m->guest_count * sizeof(*seen));
	if (list_node(m, n, seen, err, sizeof(err)))
		return;
	for (size_t i = 0; i < m->guest_count; i++) {
		struct guest_rec *g = &m->guests[i];
		const struct plan_guest *pg;
		bool start = false;

		if (g->node != id)
			continue;
		mgr_lock(m);
		pg = guest_plan(m, g);
		if (seen[i].running) {
			if (g->started_boot == UINT_MAX)
				g->started_boot = boots;	/* a new manager */
			g->pid = seen[i].pid;
			if (g->state != G_RUNNING)
				guest_set(m, g, G_RUNNING, "found running on node%u (QEMU pid %ld)",
					  id, g->pid);
			if (seen[i].size < g->console_off)
				g->console_off = 0;
		} else if (g->state == G_RUNNING) {
			guest_set(m, g, G_STOPPED, "its QEMU ended by itself (shoji guest logs %s)",
				  g->name);
		} else if (g->state == G_DOWN) {
			guest_set(m, g, G_STOPPED, "node%u was restarted", id);
		}
		if (!seen[i].running && pg && pg->autostart && !g->held_down &&
		    g->started_boot != boots)
			start = true;
		mgr_unlock(m);
		if (seen[i].found)
			sync_console(m, n, g, seen[i].size);
		if (start)
			guest_start(m, n, g, msg, sizeof(msg));
	}
}

void *guest_poller(void *arg)
{
	struct manager *m = arg;
	struct listed *seen = NULL;
	size_t cap = 0;

	for (;;) {
		pthread_mutex_lock(&guest_op);
		mgr_lock(m);
		if (cap < m->guest_count) {
			struct listed *grown = realloc(seen, m->guest_count *
							       sizeof(*seen));
			if (grown) {
				seen = grown;
				cap = m->guest_count;
			}
		}
		mgr_unlock(m);
		for (unsigned id = 1; id < PLAN_MAX_NODES && cap >= m->guest_count;
		     id++)
			pass_node(m, id, seen);
		pthread_mutex_unlock(&guest_op);
		usleep(GUEST_POLL_MS * 1000);
	}
	return NULL;
}

void guests_lock(void)
{
	pthread_mutex_lock(&guest_op);
}

void guests_unlock(void)
{
	pthread_mutex_unlock(&guest_op);
}

/* ---- shoji guest ---- */

/* m->lock held */
static struct guest_rec *find_guest(struct manager *m, const char *name,
				    struct reply *r)
{
	if (!m->plan) {
		reply_err(r, "shoji: no plan is up (shoji up PLAN)\n");
		return NULL;
	}
	for (size_t i = 0; i < m->guest_count; i++)
		if (!strcmp(m->guests[i].name, name))
			return &m->guests[i];
	reply_err(r, "shoji: the plan %s has no guest '%s'%s\n", m->plan_path,
		  name, m->guest_count ? " (shoji guest list)" : "");
	return NULL;
}

/* m->lock held */
void guests_table(struct manager *m, struct reply *r, bool heading_only_if_any)
{
	char mem[32];

	if (heading_only_if_any && !m->guest_count)
		return;
	if (!m->guest_count) {
		reply_out(r, "(the plan has no guests)\n");
		return;
	}
	reply_out(r, "%-12s %-6s %-8s %-5s %-7s %-9s %s\n", "GUEST", "NODE",
		  "STATE", "VCPUS", "MEMORY", "AUTOSTART", "CAUSE");
	for (size_t i = 0; i < m->guest_count; i++) {
		const struct guest_rec *g = &m->guests[i];
		const struct plan_guest *pg = guest_plan(m, g);

		if (!pg)
			continue;
		units_format_size(pg->memory, mem, sizeof(mem));
		reply_out(r, "%-12s node%-2u %-8s %-5u %-7s %-9s %s\n", g->name,
			  g->node, guest_state_name(g->state), pg->vcpus, mem,
			  pg->autostart ? "yes" : "no", g->cause);
	}
}

static int guest_logs(struct manager *m, const char *name, bool follow,
		      struct reply *r)
{
	char path[PATH_MAX + 64], buf[4096];
	struct guest_rec *g;
	struct node_rec *n;
	bool runs;
	off_t at = 0;
	ssize_t got;
	int fd;

	/* bring the copy up to date first, if the node can be asked */
	pthread_mutex_lock(&guest_op);
	cmd_lock(m, r);
	g = find_guest(m, name, r);
	if (!g) {
		cmd_unlock(m, r);
		pthread_mutex_unlock(&guest_op);
		return EXIT_CANNOT;
	}
	n = &m->nodes[g->node];
	runs = node_runs(n);
	cmd_unlock(m, r);
	if (runs)
		sync_console(m, n, g, UINT64_MAX);
	log_path(m, g, path, sizeof(path));
	pthread_mutex_unlock(&guest_op);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !follow) {
		reply_err(r, "shoji: guest %s has no console yet (it never ran)\n",
			  name);
		return EXIT_CANNOT;
	}
	for (;;) {
		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		while (fd >= 0 && (got = pread(fd, buf, sizeof(buf), at)) > 0) {
			reply_write(r, 'o', buf, (size_t)got);
			at += got;
		}
		if (!follow || !reply_alive(r))
			break;
		usleep(500000);
	}
	if (fd >= 0)
		close(fd);
	return EXIT_GOOD;
}

static const char guest_usage[] =
	"Usage: shoji guest list\n"
	"       shoji guest start|stop NAME\n"
	"       shoji guest logs NAME [-f]\n";

int do_guest(struct manager *m, int argc, char **argv, struct reply *r)
{
	char msg[512], err[256];
	struct guest_rec *g;
	struct node_rec *n;
	struct listed seen[1];
	bool follow = false;
	const char *sub = argc >= 2 ? argv[1] : "";
	int ret;

	if (!strcmp(sub, "list") && argc == 2) {
		cmd_lock(m, r);
		if (!m->plan)
			reply_out(r, "No plan is up (shoji up PLAN).\n");
		else
			guests_table(m, r, false);
		cmd_unlock(m, r);
		return EXIT_GOOD;
	}
	if (!strcmp(sub, "logs") && argc == 4 &&
	    (!strcmp(argv[3], "-f") || !strcmp(argv[3], "--follow")))
		follow = true;
	else if (argc != 3 || (strcmp(sub, "start") && strcmp(sub, "stop") &&
			       strcmp(sub, "logs"))) {
		reply_err(r, "%s", guest_usage);
		return EXIT_CANNOT;
	}
	if (!strcmp(sub, "logs"))
		return guest_logs(m, argv[2], follow, r);

	pthread_mutex_lock(&guest_op);
	cmd_lock(m, r);
	g = find_guest(m, argv[2], r);
	if (!g) {
		cmd_unlock(m, r);
		pthread_mutex_unlock(&guest_op);
		return EXIT_CANNOT;
	}
	n = &m->nodes[g->node];
	if (!node_runs(n)) {
		bool stop = !strcmp(sub, "stop");

		if (stop) {
			g->held_down = true;
			state_changed(m);
			reply_out(r, "%s: not running (node%u is %s); it will "
				     "not start when its node comes back\n",
				  g->name, g->node, health_name(n->health));
		} else {
			reply_err(r, "shoji: guest %s: its node node%u is %s%s%s\n",
				  g->name, g->node, health_name(n->health),
				  n->cause[0] ? ": " : "", n->cause);
		}
		cmd_unlock(m, r);
		pthread_mutex_unlock(&guest_op);
		return stop ? EXIT_GOOD : EXIT_CANNOT;
	}
	cmd_unlock(m, r);
	/* what runs now, as the node says */
	memset(seen, 0, sizeof(seen));
	{
		struct listed *all = calloc(m->guest_count, sizeof(*all));

		if (!all || list_node(m, n, all, err, sizeof(err))) {
			reply_err(r, "shoji: guest %s: node%u: %s\n", g->name,
				  g->node, all ? err : "out of memory");
			free(all);
			pthread_mutex_unlock(&guest_op);
			return EXIT_CANNOT;
		}
		seen[0] = all[g - m->guests];
		free(all);
	}
	if (!strcmp(sub, "start")) {
		if (seen[0].running) {
			reply_err(r, "shoji: guest %s is already running on node%u (QEMU pid %ld)\n",
				  g->name, g->node, seen[0].pid);
			pthread_mutex_unlock(&guest_op);
			return EXIT_CANNOT;
		}
		cmd_lock(m, r);
		g->held_down = false;
		cmd_unlock(m, r);
		ret = guest_start(m, n, g, msg, sizeof(msg));
		pthread_mutex_unlock(&guest_op);
		if (ret) {
			reply_err(r, "shoji: guest %s: %s\n", g->name, msg);
			return EXIT_CANNOT;
		}
		reply_out(r, "%s: %s\n", g->name, msg);
		return EXIT_GOOD;
	}
	/* stop */
	cmd_lock(m, r);
	g->held_down = true;
	cmd_unlock(m, r);
	if (!seen[0].running) {
		cmd_lock(m, r);
		if (g->state == G_RUNNING)
			guest_set(m, g, G_STOPPED, "its QEMU ended by itself");
		cmd_unlock(m, r);
		pthread_mutex_unlock(&guest_op);
		reply_out(r, "%s: not running\n", g->name);
		return EXIT_GOOD;
	}
	{
		static char out[SHOJI_REPLY_LEN + 1];
		char cmd[128];
		size_t len;

		snprintf(cmd, sizeof(cmd), "stop %s", g->name);
		ret = ctl(m, n, cmd, 30, out, &len, err, sizeof(err));
		if (ret) {
			pthread_mutex_unlock(&guest_op);
			reply_err(r, "shoji: guest %s: cannot stop it: %s\n",
				  g->name, ret < 0 ? err : out);
			return EXIT_CANNOT;
		}
		sync_console(m, n, g, UINT64_MAX);
		cmd_lock(m, r);
		guest_set(m, g, G_STOPPED, "stopped (shoji guest stop)");
		cmd_unlock(m, r);
	}
	pthread_mutex_unlock(&guest_op);
	reply_out(r, "%s: stopped\n", g->name);
	return EXIT_GOOD;
}
