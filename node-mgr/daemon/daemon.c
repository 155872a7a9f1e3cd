/* shoji daemon: the node manager on node0. It owns the plan that is up,
 * the partition (CPUs and devices node0 gave up), the nodes' lifecycle and
 * their health. Commands reach it over a root-only Unix socket; it keeps
 * what it must not forget (the plan, the partition, restart counts) in its
 * state directory, so a new daemon finds running nodes again.
 *
 * This file starts it and runs its socket: a thread for each command,
 * which the table in dispatch hands to the command's handler (cmd_*.c,
 * and guests.c for shoji guest). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/protocol.h"
#include "daemon/cmd_exec.h"
#include "daemon/cmd_lifecycle.h"
#include "daemon/cmd_logs.h"
#include "daemon/cmd_status.h"
#include "daemon/cmd_up_down.h"
#include "daemon/dma_watch.h"
#include "daemon/events.h"
#include "daemon/guests.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/state_restore.h"
#include "daemon/state_save.h"

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* The one manager. Only cmd_daemon names it: it sets it up and hands it
 * to every function and thread that needs it (manager.h). */
static struct manager the_manager = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.poller_lock = PTHREAD_MUTEX_INITIALIZER,
	.dev = -1,
	.hung_timeout_ms = PLAN_DEFAULT_HUNG_TIMEOUT_MS,
	.boot_timeout_ms = PLAN_DEFAULT_BOOT_TIMEOUT_MS,
};

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
	pthread_condattr_t cond_clock;
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
	pthread_condattr_init(&cond_clock);
	/* the poller's timed waits are on the monotonic clock (clock.c) */
	pthread_condattr_setclock(&cond_clock, CLOCK_MONOTONIC);
	pthread_cond_init(&m->poller_wake, &cond_clock);
	pthread_condattr_destroy(&cond_clock);
	for (unsigned i = 0; i < PLAN_MAX_NODES; i++) {
		m->nodes[i].id = i;
		m->nodes[i].manager = m;
		pthread_mutex_init(&m->nodes[i].op, NULL);
		pthread_mutex_init(&m->nodes[i].chan, NULL);
	}
	sl_vmlinux_cache_init(&m->kernel_cache);
	m->dev = open("/dev/shoji", O_RDWR | O_CLOEXEC);
	info = (struct shoji_info){ .size = sizeof(info) };
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
	err = event_writer_start(m);
	event_log(m, "manager", "started (pid %d)%s", (int)getpid(),
		  m->dev < 0 ? "; no /dev/shoji: nodes cannot be run" : "");
	if (err)
		event_log(m, "manager", "cannot start the journal's writer thread: %s; the threads that log write the journal",
			  strerror(err));
	state_restore(m);
	/* Without them no failure would be seen: no manager rather than a blind one. */
	if (start_thread(m, watcher, "watcher") ||
	    start_thread(m, agent_poller, "agent poller") ||
	    start_thread(m, guest_poller, "guest poller") ||
	    start_thread(m, dma_fault_watcher, "DMA fault watcher")) {
		event_flush(m);
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
	event_flush(m);
	close(lfd);
	unlink(m->socket_path);
	return EXIT_GOOD;
}

