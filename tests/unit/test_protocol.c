/* The manager's socket protocol over a socket pair: arguments arrive as
 * sent, frames and the exit status come back, and broken requests are
 * refused; and the command's connection to the manager's socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/protocol.h"

#include "check.h"

static int recv_from(const char *bytes, size_t len, char ***argv)
{
	int sv[2], argc;
	FILE *in;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -2;
	if (write(sv[0], bytes, len) != (ssize_t)len)
		return -2;
	close(sv[0]);
	in = fdopen(sv[1], "r");
	argc = proto_recv_args(in, argv);
	fclose(in);
	return argc;
}

static void test_roundtrip(void)
{
	char *args[] = { "exec", "node1", "--", "echo 'a b'\nnext", "" };
	char **argv;
	int sv[2], argc;
	FILE *in;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(proto_send_args(sv[0], 5, args) == 0);
	in = fdopen(sv[1], "r");
	argc = proto_recv_args(in, &argv);
	CHECK(argc == 5);
	if (argc == 5) {
		for (int i = 0; i < 5; i++)
			CHECK_STR(argv[i], args[i]);
		CHECK(argv[5] == NULL);
	}
	proto_free_args(argv);
	fclose(in);
	close(sv[0]);
}

static void test_bad_requests(void)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "hello\n", 6 },
		{ "shoji/1 65\n", 11 },
		{ "shoji/1 -1\n", 11 },
		{ "shoji/1 1\n5\nab", 14 },
		{ "shoji/1 1\n99999\n", 16 },
		{ "shoji/1 1\n2\na\0", 14 },
		{ "shoji/1 2", 9 },
		{ "shoji/2 0\n", 10 },
	};
	char **argv;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(recv_from(bad[i].bytes, bad[i].len, &argv) == -1);
		CHECK(argv == NULL);
	}
	CHECK(recv_from("shoji/1 0\n", 10, &argv) == 0);
	proto_free_args(argv);
}

static void test_frames(void)
{
	int sv[2], status;
	struct reply r = { .fd = -1 };
	FILE *out;
	char buf[64] = "";

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	r.fd = sv[0];
	reply_out(&r, "hello %d\n", 1);
	reply_exit(&r, 3);
	/* the client copies frames to stdout: catch it */
	fflush(stdout);
	out = tmpfile();
	int saved = dup(1);
	dup2(fileno(out), 1);
	status = proto_client_run(sv[1]);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(out);
	CHECK(fgets(buf, sizeof(buf), out) != NULL);
	fclose(out);
	CHECK_STR(buf, "hello 1\n");
	CHECK(status == 3);
	CHECK(reply_alive(&r));
	close(sv[1]);
	CHECK(!reply_alive(&r));
	/* writing to a command that went away is quiet */
	reply_out(&r, "more\n");
	CHECK(r.gone);
	close(sv[0]);
}

/* Bytes waiting on fd, without waiting for more; NUL-terminated */
static size_t waiting(int fd, char *buf, size_t len)
{
	ssize_t got = recv(fd, buf, len - 1, MSG_DONTWAIT);

	got = got < 0 ? 0 : got;
	buf[got] = '\0';
	return (size_t)got;
}

/* A held reply is sent only at its last release, frames and streams as
 * they would have gone, or at its exit. */
static void test_held(void)
{
	int sv[2];
	struct reply r = { .fd = -1 };
	char buf[256];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	r.fd = sv[0];
	reply_hold(&r);
	reply_out(&r, "a\n");
	reply_hold(&r);
	reply_err(&r, "bc\n");
	reply_release(&r);
	CHECK(waiting(sv[1], buf, sizeof(buf)) == 0);
	reply_release(&r);
	waiting(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "o 2\na\ne 3\nbc\n");
	/* not held: at once */
	reply_out(&r, "d\n");
	waiting(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "o 2\nd\n");
	/* a release too many changes nothing */
	reply_release(&r);
	CHECK(waiting(sv[1], buf, sizeof(buf)) == 0);
	/* the exit sends what is held first */
	reply_hold(&r);
	reply_out(&r, "e\n");
	reply_exit(&r, 4);
	waiting(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "o 2\ne\nx 4\n");
	CHECK(!r.hold && !r.held);
	/* held output for a command that went away is dropped, quietly */
	close(sv[1]);
	reply_hold(&r);
	reply_out(&r, "f\n");
	reply_release(&r);
	CHECK(r.gone);
	close(sv[0]);
}

/* Another thread's held reply passed on: after what the command's reply
 * held so far, or sent at once if it holds nothing */
static void test_pass_on(void)
{
	int sv[2];
	struct reply r = { .fd = -1 }, other;
	char buf[256];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	r.fd = sv[0];
	other = (struct reply){ .fd = r.fd };
	reply_hold(&r);
	reply_hold(&other);
	reply_out(&other, "b\n");
	reply_out(&r, "a\n");
	reply_pass_on(&other, &r);
	CHECK(!other.hold && !other.held);
	CHECK(waiting(sv[1], buf, sizeof(buf)) == 0);
	reply_out(&r, "c\n");
	reply_release(&r);
	waiting(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "o 2\na\no 2\nb\no 2\nc\n");
	/* the command's reply not held: at once */
	reply_hold(&other);
	reply_err(&other, "d\n");
	CHECK(waiting(sv[1], buf, sizeof(buf)) == 0);
	reply_pass_on(&other, &r);
	waiting(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "e 2\nd\n");
	/* nothing held: nothing sent */
	reply_pass_on(&other, &r);
	CHECK(waiting(sv[1], buf, sizeof(buf)) == 0);
	close(sv[1]);
	close(sv[0]);
}

/* The command reaches a listening socket and is told, by errno, why it
 * could not: the client tells "not running" from "not root" by it. */
static void test_connect(void)
{
	char dir[] = "/tmp/shoji-test-XXXXXX", path[64], long_path[200];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int lfd, fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sock", dir);
	errno = 0;
	CHECK(mgr_connect(path) == -1 && errno == ENOENT);
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	errno = 0;
	CHECK(mgr_connect(long_path) == -1 && errno == ENAMETOOLONG);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	CHECK(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(lfd, 1) == 0);
	fd = mgr_connect(path);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_roundtrip();
	test_bad_requests();
	test_frames();
	test_held();
	test_pass_on();
	test_connect();
	return check_summary();
}
