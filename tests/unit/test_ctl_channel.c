/* The asking side of the command channel on a page in memory, with a
 * thread for the node's agent: an answer, no answer, a node that is not
 * running or stops meanwhile, a broken page, a command too long; and the
 * command locks of two nodes, which do not exclude each other. */
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ctl_channel.h"

#include "check.h"
#include "fixture.h"

static union fixture_page page;
static struct ctl_copy copy;

static void good_page(void)
{
	fixture_good_page(&page);
	page.c.cmd_seq = 41;
	page.c.reply_seq = 41;
}

/* The agent: answers the next command with its text reversed and the
 * status 3, as shoji agent answers through the page */
static void *agent(void *arg)
{
	char got[SHOJI_CMD_LEN];
	uint32_t seq;
	size_t len;

	(void)arg;
	while ((seq = __atomic_load_n(&page.c.cmd_seq, __ATOMIC_ACQUIRE)) ==
	       __atomic_load_n(&page.c.reply_seq, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(got, sizeof(got), "%s", page.c.cmd);
	len = strlen(got);
	for (size_t i = 0; i < len; i++)
		page.c.reply[i] = got[len - 1 - i];
	page.c.reply_len = (uint32_t)len;
	page.c.reply_status = 3;
	__atomic_store_n(&page.c.reply_seq, seq, __ATOMIC_RELEASE);
	return NULL;
}

/* A node that panics 20 ms after the command came */
static void *panics(void *arg)
{
	(void)arg;
	usleep(20000);
	__atomic_store_n(&page.c.state, SHOJI_STATE_PANICKED, __ATOMIC_RELEASE);
	return NULL;
}

static void test_answer(void)
{
	char out[SHOJI_REPLY_LEN];
	struct ctl_view v;
	pthread_t t;

	good_page();
	CHECK(pthread_create(&t, NULL, agent, NULL) == 0);
	CHECK(ctl_ask(&page.c, "uptime", 5, 1, &copy, &v) == CTL_ANSWERED);
	pthread_join(t, NULL);
	CHECK(v.reply_seq == 42 && page.c.cmd_seq == 42);
	CHECK(ctl_reply(&copy, &v, out, sizeof(out)) == 6);
	CHECK(memcmp(out, "emitpu", 6) == 0);
	CHECK(v.reply_status == 3);
}

static void test_no_answer(void)
{
	struct ctl_view v;

	good_page();
	CHECK(ctl_ask(&page.c, "true", 0.05, 1, &copy, &v) == CTL_NO_ANSWER);
	/* the command waits in the page for an agent that comes later */
	CHECK(page.c.cmd_seq == 42 && !strcmp(page.c.cmd, "true"));
}

static void test_not_running(void)
{
	struct ctl_view v;
	pthread_t t;

	good_page();
	page.c.state = SHOJI_STATE_HALTED;
	strcpy(page.c.reason, "power off");
	CHECK(ctl_ask(&page.c, "true", 5, 1, &copy, &v) == CTL_NOT_RUNNING);
	CHECK(v.state == SHOJI_STATE_HALTED && !strcmp(v.reason, "power off"));
	/* nothing was sent to a node that does not run */
	CHECK(page.c.cmd_seq == 41 && page.c.cmd[0] == '\0');

	good_page();
	CHECK(pthread_create(&t, NULL, panics, NULL) == 0);
	CHECK(ctl_ask(&page.c, "sleep 9", 5, 1, &copy, &v) == CTL_NOT_RUNNING);
	pthread_join(t, NULL);
	CHECK(v.state == SHOJI_STATE_PANICKED);
}

static void test_broken(void)
{
	char cmd[SHOJI_CMD_LEN + 1];
	struct ctl_view v;

	good_page();
	page.c.magic ^= 1;
	CHECK(ctl_ask(&page.c, "true", 5, 1, &copy, &v) == CTL_PAGE_INVALID);
	CHECK(v.why[0] != '\0');
	CHECK(page.c.cmd_seq == 41);

	good_page();
	memset(cmd, 'x', SHOJI_CMD_LEN);
	cmd[SHOJI_CMD_LEN] = '\0';
	CHECK(ctl_ask(&page.c, cmd, 5, 1, &copy, &v) == CTL_TOO_LONG);
	cmd[SHOJI_CMD_LEN - 1] = '\0';
	CHECK(ctl_ask(&page.c, cmd, 0.01, 1, &copy, &v) == CTL_NO_ANSWER);
	CHECK(strlen(page.c.cmd) == SHOJI_CMD_LEN - 1);
}

/* The type of lock another open file description sees on byte `node` */
static short lock_seen(int fd, unsigned node)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = node,
		.l_len = 1,
	};

	if (fcntl(fd, F_OFD_GETLK, &fl))
		return -1;
	return fl.l_type;
}

/* Two opens of one file stand for the manager's channel to node1 and a
 * shoji-load exec in node2, as two opens of /dev/shoji would */
static void test_node_locks(void)
{
	char path[] = "/tmp/shoji-test-lock-XXXXXX";
	int tmp = mkstemp(path), a, b;

	CHECK(tmp >= 0);
	if (tmp < 0)
		return;
	/* a write lock needs an open for writing, as /dev/shoji's are */
	a = open(path, O_RDWR);
	b = open(path, O_RDWR);
	unlink(path);
	close(tmp);
	CHECK(ctl_lock_node(a, 1) == 0);
	CHECK(lock_seen(b, 1) == F_WRLCK);
	CHECK(lock_seen(b, 2) == F_UNLCK);
	/* would block for ever if node1's lock covered node2 */
	CHECK(ctl_lock_node(b, 2) == 0);
	CHECK(lock_seen(a, 2) == F_WRLCK);
	CHECK(ctl_unlock_node(a, 1) == 0);
	CHECK(lock_seen(b, 1) == F_UNLCK);
	CHECK(ctl_lock_node(b, 1) == 0);
	/* closing gives every lock of that open up, as a process's exit does */
	close(b);
	CHECK(lock_seen(a, 1) == F_UNLCK);
	CHECK(lock_seen(a, 2) == F_UNLCK);
	close(a);
}

int main(void)
{
	test_answer();
	test_no_answer();
	test_not_running();
	test_broken();
	test_node_locks();
	return check_summary();
}
