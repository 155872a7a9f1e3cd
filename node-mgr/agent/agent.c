/* shoji agent: runs inside every node, started by its init. It serves the
 * command channel of the node's control page: node0's manager asks it for
 * a report once a second (its own counter, uptime, load, memory, guests:
 * the user-space heartbeat) and sends it commands to run with sh. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "cli/commands.h"
#include "common/ctl_view.h"

#define AGENT_GUEST_DIR "/shoji/guests"
/* How long a command waits for --commands-after's file */
#define AGENT_READY_WAIT_MS 60000

static uint64_t read_meminfo(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* Guests whose QEMU runs: the pid in each guest's qemu.pid is a live
 * qemu-system process (guest/ctl keeps them under AGENT_GUEST_DIR). */
static unsigned running_guests(void)
{
	DIR *dir = opendir(AGENT_GUEST_DIR);
	struct dirent *e;
	unsigned count = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char path[512], comm[32] = "";
		long pid = 0;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), AGENT_GUEST_DIR "/%s/qemu.pid",
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		if (!strncmp(comm, "qemu-system", 11))
			count++;
	}
	closedir(dir);
	return count;
}

/* The agent's start on the machine's TSC: node0's manager tells from it
 * how much of a node's start its init took before the agent ran. */
static uint64_t started_tsc;

static size_t report(char *out, size_t max)
{
	static uint64_t seq;
	char buf[4096] = "";
	double up = 0, load = 0;
	FILE *f;
	size_t n;

	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = 0;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return (size_t)snprintf(out, max,
		AGENT_REPORT_TAG " seq=%" PRIu64 " uptime=%" PRIu64
		" load1=%.2f mem_total_kb=%" PRIu64 " mem_avail_kb=%" PRIu64
		" guests=%u started_tsc=%" PRIu64 "\n", ++seq, (uint64_t)up, load,
		read_meminfo(buf, "MemTotal:"), read_meminfo(buf, "MemAvailable:"),
		running_guests(), started_tsc);
}

static size_t run(const char *cmd, char *out, size_t max, int *status)
{
	char line[SHOJI_CMD_LEN + 16];
	size_t len = 0, n;
	FILE *p;

	snprintf(line, sizeof(line), "exec 2>&1; %s", cmd);
	p = popen(line, "r");
	if (!p) {
		*status = 127;
		return (size_t)snprintf(out, max, "agent: %s\n", strerror(errno));
	}
	while ((n = fread(out + len, 1, max - len, p)) > 0) {
		len += n;
		if (len == max) {
			char drain[512];

			while (fread(drain, 1, sizeof(drain), p) > 0)
				;
			break;
		}
	}
	*status = pclose(p);
	*status = WIFEXITED(*status) ? WEXITSTATUS(*status)
				     : 128 + WTERMSIG(*status);
	return len;
}

/* Whether PATH exists, waiting for it up to AGENT_READY_WAIT_MS */
static bool wait_for_file(const char *path)
{
	for (unsigned waited = 0; access(path, F_OK) != 0; waited += 10) {
		if (waited >= AGENT_READY_WAIT_MS)
			return false;
		usleep(10000);
	}
	return true;
}

static const char agent_usage[] =
	"Usage: shoji agent [--commands-after FILE]\n"
	"       shoji-agent [--commands-after FILE]\n"
	"\n"
	"Runs inside a node (its init or shoji-agent.service starts it) and\n"
	"answers node0's manager through the node's control page: a report\n"
	"once a second (uptime, load, memory, guests), shoji exec commands and\n"
	"the manager's guest commands. It runs until it is killed.\n"
	"shoji-agent is the same agent linked with the C library alone, for a\n"
	"node's initramfs.\n"
	"\n"
	"  --commands-after FILE  answer reports at once, but run commands only\n"
	"                         once FILE exists (waiting up to 60 s each): an\n"
	"                         init that starts the agent before it mounts\n"
	"                         the node's disk creates FILE when done\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 1 usage error, no /dev/shoji, or run on node0 (it does\n"
	"not return otherwise). A command that waited 60 s for FILE in vain\n"
	"gets status 125 and says so.\n";

int cmd_agent(int argc, char **argv)
{
	volatile struct shoji_control *c;
	char cmd[SHOJI_CMD_LEN + 1], out[SHOJI_REPLY_LEN];
	struct shoji_info info = { .size = sizeof(info) };
	const char *ready_file = NULL;	/* NULL once it exists */
	int first_extra = 1;
	uint32_t seq;
	int fd;

	started_tsc = __rdtsc();

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(agent_usage, stdout);
		return EXIT_GOOD;
	}
	if (argc >= 2 && !strcmp(argv[1], "--commands-after")) {
		if (argc < 3 || !argv[2][0]) {
			fprintf(stderr, "shoji agent: --commands-after needs a file\n%s",
				agent_usage);
			return EXIT_CANNOT;
		}
		ready_file = argv[2];
		first_extra = 3;
	}
	if (argc > first_extra) {
		fprintf(stderr, "shoji agent: unexpected argument '%s'\n%s",
			argv[first_extra], agent_usage);
		return EXIT_CANNOT;
	}
	fd = open("/dev/shoji", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, SHOJI_IOC_INFO, &info)) {
		fprintf(stderr, "shoji agent: /dev/shoji: %s\n", strerror(errno));
		return EXIT_CANNOT;
	}
	if (info.node == SHOJI_ROLE_NODE0) {
		fputs("shoji agent: runs inside a node, not in node0\n", stderr);
		return EXIT_CANNOT;
	}
	c = mmap(NULL, SHOJI_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (c == MAP_FAILED) {
		fprintf(stderr, "shoji agent: cannot map the control page: %s\n",
			strerror(errno));
		return EXIT_CANNOT;
	}
	for (;;) {
		size_t len, i;
		int status = 0;

		seq = __atomic_load_n(&c->cmd_seq, __ATOMIC_ACQUIRE);
		if (seq == __atomic_load_n(&c->reply_seq, __ATOMIC_ACQUIRE)) {
			usleep(10000);
			continue;
		}
		for (i = 0; i < SHOJI_CMD_LEN; i++)
			cmd[i] = c->cmd[i];
		cmd[SHOJI_CMD_LEN] = '\0';
		if (!strcmp(cmd, AGENT_REPORT_REQUEST)) {
			len = report(out, sizeof(out));
		} else if (ready_file && !wait_for_file(ready_file)) {
			status = 125;
			len = (size_t)snprintf(out, sizeof(out),
				"shoji agent: the node's init has not finished setting it up (no %s after %d s)\n",
				ready_file, AGENT_READY_WAIT_MS / 1000);
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
		} else {
			ready_file = NULL;
			len = run(cmd, out, sizeof(out), &status);
		}
		for (i = 0; i < len; i++)
			c->reply[i] = out[i];
		c->reply_len = (uint32_t)len;
		c->reply_status = status;
		__atomic_store_n(&c->reply_seq, seq, __ATOMIC_RELEASE);
	}
}
