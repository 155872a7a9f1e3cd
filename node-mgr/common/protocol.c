/* The manager's socket protocol (see protocol.h). */
#include "common/protocol.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mgr_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int proto_send_args(int fd, int argc, char *const *argv)
{
	char head[64];
	int i;

	if (argc < 0 || argc > PROTO_MAX_ARGS)
		return -1;
	snprintf(head, sizeof(head), PROTO_MAGIC " %d\n", argc);
	if (write_all(fd, head, strlen(head)))
		return -1;
	for (i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (len > PROTO_MAX_ARG)
			return -1;
		snprintf(head, sizeof(head), "%zu\n", len);
		if (write_all(fd, head, strlen(head)) ||
		    write_all(fd, argv[i], len))
			return -1;
	}
	return 0;
}

/* One line of at most max - 1 bytes, without its newline */
static bool read_line(FILE *in, char *buf, size_t max)
{
	if (!fgets(buf, (int)max, in))
		return false;
	size_t len = strlen(buf);

	if (!len || buf[len - 1] != '\n')
		return false;
	buf[len - 1] = '\0';
	return true;
}

static bool parse_len(const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

void proto_free_args(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int proto_recv_args(FILE *in, char ***argvp)
{
	char line[64];
	size_t argc, i, len;
	char **argv;

	*argvp = NULL;
	if (!read_line(in, line, sizeof(line)) ||
	    strncmp(line, PROTO_MAGIC " ", sizeof(PROTO_MAGIC)) ||
	    !parse_len(line + sizeof(PROTO_MAGIC), PROTO_MAX_ARGS, &argc))
		return -1;
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		return -1;
	for (i = 0; i < argc; i++) {
		if (!read_line(in, line, sizeof(line)) ||
		    !parse_len(line, PROTO_MAX_ARG, &len))
			goto bad;
		argv[i] = malloc(len + 1);
		if (!argv[i] || fread(argv[i], 1, len, in) != len)
			goto bad;
		argv[i][len] = '\0';
		if (strlen(argv[i]) != len)
			goto bad;
	}
	*argvp = argv;
	return (int)argc;
bad:
	proto_free_args(argv);
	return -1;
}

void reply_write(struct reply *r, char stream, const void *buf, size_t len)
{
	char head[32];
	const char *p = buf;

	while (!r->gone && len) {
		size_t n = len > PROTO_MAX_FRAME ? PROTO_MAX_FRAME : len;

		snprintf(head, sizeof(head), "%c %zu\n", stream, n);
		if (r->hold) {
			/* a memory stream fails only without memory: then the
			 * command gets less output, not a broken frame */
			if (fputs(head, r->hold) == EOF ||
			    fwrite(p, 1, n, r->hold) != n)
				r->gone = true;
		} else if (write_all(r->fd, head, strlen(head)) ||
			   write_all(r->fd, p, n)) {
			r->gone = true;
		}
		p += n;
		len -= n;
	}
}

void reply_hold(struct reply *r)
{
	if (!r->held++ && !r->gone)
		r->hold = open_memstream(&r->hold_buf, &r->hold_len);
}

/* What r holds, to r's own connection or into what to holds */
static void send_held(struct reply *r, struct reply *to)
{
	if (!r->hold)
		return;
	if (fclose(r->hold))
		r->gone = true;
	r->hold = NULL;
	if (!r->gone && r->hold_len && !to->gone) {
		if (to != r && to->hold) {
			if (fwrite(r->hold_buf, 1, r->hold_len, to->hold) !=
			    r->hold_len)
				to->gone = true;
		} else if (write_all(to->fd, r->hold_buf, r->hold_len)) {
			to->gone = true;
		}
	}
	free(r->hold_buf);
	r->hold_buf = NULL;
	r->hold_len = 0;
}

void reply_release(struct reply *r)
{
	if (r->held && !--r->held)
		send_held(r, r);
}

void reply_pass_on(struct reply *from, struct reply *to)
{
	from->held = 0;
	send_held(from, to);
}

void reply_vprintf(struct reply *r, char stream, const char *fmt, va_list ap)
{
	char *text = NULL;
	int len = vasprintf(&text, fmt, ap);

	if (len > 0)
		reply_write(r, stream, text, (size_t)len);
	free(text);
}

void reply_out(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vprintf(r, 'o', fmt, ap);
	va_end(ap);
}

void reply_err(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vprintf(r, 'e', fmt, ap);
	va_end(ap);
}

void reply_exit(struct reply *r, int status)
{
	char line[32];

	r->held = 0;
	send_held(r, r);
	snprintf(line, sizeof(line), "x %d\n", status);
	if (!r->gone && write_all(r->fd, line, strlen(line)))
		r->gone = true;
}

int proto_client_run(int fd)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[64], *buf = malloc(PROTO_MAX_FRAME);
	int status = -1;
	size_t len;

	if (!in || !buf)
		goto out;
	while (read_line(in, line, sizeof(line))) {
		if ((line[0] == 'o' || line[0] == 'e') && line[1] == ' ' &&
		    parse_len(line + 2, PROTO_MAX_FRAME, &len)) {
			FILE *to = line[0] == 'o' ? stdout : stderr;

			if (fread(buf, 1, len, in) != len)
				break;
			fwrite(buf, 1, len, to);
			fflush(to);
		} else if (line[0] == 'x' && line[1] == ' ') {
			char *end;
			long v = strtol(line + 2, &end, 10);

			if (!*end && v >= 0 && v <= 255)
				status = (int)v;
			break;
		} else {
			break;
		}
	}
out:
	if (in)
		fclose(in);
	free(buf);
	return status;
}

bool reply_alive(struct reply *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN | POLLRDHUP };

	if (r->gone)
		return false;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		r->gone = true;
	return !r->gone;
}
