/* The journal of every node state change: one line per event in
 * STATE_DIR/events.log, "TIME NODE TEXT", kept across manager restarts.
 * The kernel log of a node that crashed or hung is kept beside it in
 * STATE_DIR/logs/. Both are queued in memory and written, in order, by
 * the journal's writer thread: a thread that logs does not wait for the
 * disk, so a failed node's stop, load and start never wait for a line
 * about it to be synced (some 10-30 ms each on a slow disk). A holder of
 * m->lock only queues (event_hold); mgr_unlock (manager_lock.c) wakes
 * the writer. Without the thread, the caller writes the queue itself
 * once it does not hold m->lock. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/events.h"
#include "daemon/manager.h"

/* Lines and kept logs not written yet, oldest first. Only memory is
 * touched under queue_lock: event_log may be called with m->lock held. */
struct pending {
	struct pending *next;
	char *path;		/* a kept log: its file; NULL: a journal line */
	char *text;		/* the line ("TIME NODE TEXT\n") or the log */
	size_t len;
	size_t what;		/* a line: where "NODE TEXT" starts */
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *queue_head, **queue_tail = &queue_head;
/* Under queue_lock: the writer thread runs, and what wakes it */
static bool writer_runs;
static pthread_cond_t writer_wake = PTHREAD_COND_INITIALIZER;
/* Held while the queue is written out, so that lines reach the journal
 * in the order they were queued. */
static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
/* This thread holds m->lock: what it logs is only queued */
static __thread bool held_here;

static void stamp(char *buf, size_t len, time_t t, bool for_file)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, for_file ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
}

static void enqueue(struct pending *p)
{
	pthread_mutex_lock(&queue_lock);
	p->next = NULL;
	__atomic_store_n(queue_tail, p, __ATOMIC_RELEASE);
	queue_tail = &p->next;
	pthread_mutex_unlock(&queue_lock);
}

/* "TIME NODE TEXT\n" with TIME now, in UTC with milliseconds; *what is
 * where NODE starts. NULL without memory. */
static char *journal_line(const char *node, const char *text, size_t *what)
{
	char when[32], *line;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	stamp(when, sizeof(when), ts.tv_sec, false);
	/* milliseconds: 2026-01-02T03:04:05.678Z */
	when[19] = '\0';
	snprintf(when + 19, sizeof(when) - 19, ".%03dZ",
		 (int)(ts.tv_nsec / 1000000) % 1000);
	if (asprintf(&line, "%s %s %s\n", when, node, text) < 0)
		return NULL;
	*what = strlen(when) + 1;
	return line;
}

/* A kept log that could not be written is said after it in the journal */
static void write_kept_log(struct manager *m, const struct pending *p,
			   FILE *journal)
{
	char dir[PATH_MAX + 8], *why = NULL, *line = NULL;
	size_t what;
	FILE *f;
	int e;

	snprintf(dir, sizeof(dir), "%s/logs", m->state_dir);
	mkdir(dir, 0700);
	f = fopen(p->path, "w");
	if (f && fwrite(p->text, 1, p->len, f) == p->len && !fclose(f))
		return;
	e = errno;
	if (f)
		fclose(f);
	if (asprintf(&why, "cannot keep the log %s: %s", p->path,
		     strerror(e)) >= 0)
		line = journal_line("manager", why, &what);
	if (line) {
		if (journal)
			fputs(line, journal);
		fprintf(stderr, "shoji: %s", line + what);
	}
	free(line);
	free(why);
}

void event_hold(bool hold)
{
	held_here = hold;
}

bool event_queued(void)
{
	return __atomic_load_n(&queue_head, __ATOMIC_ACQUIRE) != NULL;
}

void event_kick(struct manager *m)
{
	bool writer;

	pthread_mutex_lock(&queue_lock);
	writer = writer_runs;
	if (writer)
		pthread_cond_signal(&writer_wake);
	pthread_mutex_unlock(&queue_lock);
	if (!writer)
		event_flush(m);
}

static void *journal_writer(void *arg)
{
	struct manager *m = arg;

	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (!queue_head)
			pthread_cond_wait(&writer_wake, &queue_lock);
		pthread_mutex_unlock(&queue_lock);
		event_flush(m);
	}
	return NULL;
}

int event_writer_start(struct manager *m)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, journal_writer, m);

	if (err)
		return err;
	pthread_detach(t);
	pthread_mutex_lock(&queue_lock);
	writer_runs = true;
	pthread_mutex_unlock(&queue_lock);
	return 0;
}

void event_flush(struct manager *m)
{
	char path[PATH_MAX + 16];
	struct pending *list, *next;
	FILE *journal = NULL;
	int open_errno = 0;

	pthread_mutex_lock(&event_lock);
	pthread_mutex_lock(&queue_lock);
	list = queue_head;
	queue_head = NULL;
	queue_tail = &queue_head;
	pthread_mutex_unlock(&queue_lock);
	for (; list; list = next) {
		next = list->next;
		if (!list->path && !journal && !open_errno) {
			snprintf(path, sizeof(path), "%s/events.log",
				 m->state_dir);
			journal = fopen(path, "a");
			if (!journal) {
				open_errno = errno;
				fprintf(stderr, "shoji: manager cannot write the journal %s: %s\n",
					path, strerror(open_errno));
			}
		}
		if (list->path) {
			write_kept_log(m, list, journal);
		} else {
			if (journal)
				fwrite(list->text, 1, list->len, journal);
			fprintf(stderr, "shoji: %s", list->text + list->what);
		}
		free(list->path);
		free(list->text);
		free(list);
	}
	if (journal) {
		/* one sync per batch: the watcher may queue several lines a tick */
		if (fflush(journal) || fsync(fileno(journal)))
			fprintf(stderr, "shoji: manager cannot write the journal: %s\n",
				strerror(errno));
		fclose(journal);
	}
	pthread_mutex_unlock(&event_lock);
}

void event_log(struct manager *m, const char *node, const char *fmt, ...)
{
	struct pending *p = calloc(1, sizeof(*p));
	char *text = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len >= 0) {
		for (char *c = text; *c; c++)
			if (*c == '\n' || (unsigned char)*c < 0x20)
				*c = ' ';
		if (p)
			p->text = journal_line(node, text, &p->what);
	}
	free(text);
	if (!p || !p->text) {
		free(p);
		fprintf(stderr, "shoji: %s: an event was lost: out of memory\n",
			node);
		return;
	}
	p->len = strlen(p->text);
	enqueue(p);
	if (!held_here)
		event_kick(m);
}

void event_keep_log(struct manager *m, unsigned node, const char *why,
		    char *out, size_t outlen)
{
	static struct ctl_copy copy;	/* m->lock held: one user */
	struct node_rec *n = &m->nodes[node];
	char when[32], *path = NULL, *text = NULL, *head = NULL;
	struct pending *p = NULL;
	struct ctl_view v;
	size_t len;
	int hlen;

	out[0] = '\0';
	if (!n->page)
		return;
	ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
	ctl_read(&copy, &v);
	stamp(when, sizeof(when), time(NULL), true);
	hlen = asprintf(&head, "# node%u %s at %s; state %s; reason: %s\n", node,
			why, when, v.valid ? ctl_state_name(v.state) : "invalid",
			v.valid ? v.reason : v.why);
	text = malloc(SHOJI_CONTROL_SIZE + (hlen > 0 ? (size_t)hlen : 0) + 2);
	p = calloc(1, sizeof(*p));
	if (hlen < 0 || !text || !p ||
	    asprintf(&path, "%s/logs/node%u-%s-%s.log", m->state_dir, node,
		     when, why) < 0) {
		free(head);
		free(text);
		free(p);
		return;
	}
	memcpy(text, head, (size_t)hlen);
	free(head);
	len = (size_t)hlen;
	len += ctl_console(&copy, &v, 0, text + len, SHOJI_CONTROL_SIZE, NULL,
			   NULL);
	if (len > (size_t)hlen && text[len - 1] != '\n')
		text[len++] = '\n';
	p->path = path;
	p->text = text;
	p->len = len;
	snprintf(out, outlen, "%s", path);
	/* written before the journal line that names it: queued first */
	enqueue(p);
	if (!held_here)
		event_kick(m);
}

void event_print(struct manager *m, struct reply *r, bool follow)
{
	char path[PATH_MAX + 16], buf[8192];
	ssize_t got;
	int fd;

	/* what was logged before the command is in the file */
	event_flush(m);
	snprintf(path, sizeof(path), "%s/events.log", m->state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			reply_err(r, "shoji: %s: %s\n", path, strerror(errno));
		if (!follow)
			return;
		while (!r->gone && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			usleep(200000);
		if (fd < 0)
			return;
	}
	for (;;) {
		while ((got = read(fd, buf, sizeof(buf))) > 0)
			reply_write(r, 'o', buf, (size_t)got);
		if (!follow || r->gone)
			break;
		usleep(200000);
		if (!reply_alive(r))
			break;
	}
	close(fd);
}
