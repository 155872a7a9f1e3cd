/* The journal of every node state change: one line per event in
 * STATE_DIR/events.log, "TIME NODE TEXT", kept across manager restarts.
 * The kernel log of a node that crashed or hung is kept beside it in
 * STATE_DIR/logs/. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manager.h"

static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;

static void stamp(char *buf, size_t len, time_t t, bool for_file)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, for_file ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
}

void event_log(const char *node, const char *fmt, ...)
{
	char path[PATH_MAX + 16], when[32], *text = NULL;
	struct timespec ts;
	va_list ap;
	FILE *f;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	for (char *p = text; *p; p++)
		if (*p == '\n' || (unsigned char)*p < 0x20)
			*p = ' ';
	clock_gettime(CLOCK_REALTIME, &ts);
	stamp(when, sizeof(when), ts.tv_sec, false);
	/* milliseconds: 2026-01-02T03:04:05.678Z */
	when[19] = '\0';
	snprintf(when + 19, sizeof(when) - 19, ".%03dZ",
		 (int)(ts.tv_nsec / 1000000) % 1000);
	snprintf(path, sizeof(path), "%s/events.log", mgr.state_dir);
	pthread_mutex_lock(&event_lock);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s %s %s\n", when, node, text);
		fflush(f);
		fsync(fileno(f));
		fclose(f);
	}
	pthread_mutex_unlock(&event_lock);
	fprintf(stderr, "shoji: %s %s\n", node, text);
	free(text);
}

void event_keep_log(unsigned node, const char *why, char *out, size_t outlen)
{
	static struct ctl_copy copy;
	static char text[SHOJI_CONTROL_SIZE + 1];
	struct node_rec *n = &mgr.nodes[node];
	char dir[PATH_MAX + 8], path[PATH_MAX + 64], when[32];
	struct ctl_view v;
	size_t len;
	FILE *f;

	out[0] = '\0';
	if (!n->page)
		return;
	pthread_mutex_lock(&event_lock);
	ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
	ctl_read(&copy, &v);
	len = ctl_console(&copy, &v, 0, text, sizeof(text) - 1, NULL, NULL);
	snprintf(dir, sizeof(dir), "%s/logs", mgr.state_dir);
	mkdir(dir, 0700);
	stamp(when, sizeof(when), time(NULL), true);
	snprintf(path, sizeof(path), "%s/node%u-%s-%s.log", dir, node, when,
		 why);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "# node%u %s at %s; state %s; reason: %s\n", node, why,
			when, v.valid ? ctl_state_name(v.state) : "invalid",
			v.valid ? v.reason : v.why);
		fwrite(text, 1, len, f);
		if (len && text[len - 1] != '\n')
			fputc('\n', f);
		fclose(f);
		snprintf(out, outlen, "%s", path);
	}
	pthread_mutex_unlock(&event_lock);
}

void event_print(struct reply *r, bool follow)
{
	char path[PATH_MAX + 16], buf[8192];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/events.log", mgr.state_dir);
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
