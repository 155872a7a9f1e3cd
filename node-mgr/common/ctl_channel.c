#include "common/ctl_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

enum ctl_ask_result ctl_ask(volatile struct shoji_control *page,
			    const char *cmd, double timeout_s,
			    unsigned poll_ms, struct ctl_copy *copy,
			    struct ctl_view *v)
{
	size_t len = strlen(cmd);
	struct timespec start;
	uint32_t seq;

	if (len >= SHOJI_CMD_LEN)
		return CTL_TOO_LONG;
	ctl_copy_page(copy, page, SHOJI_CONTROL_SIZE);
	if (!ctl_read(copy, v))
		return CTL_PAGE_INVALID;
	if (v->state != SHOJI_STATE_RUNNING)
		return CTL_NOT_RUNNING;
	/* The command first, then the counter that tells the agent */
	for (size_t i = 0; i <= len; i++)
		page->cmd[i] = cmd[i];
	seq = v->cmd_seq + 1;
	__atomic_store_n(&page->cmd_seq, seq, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ctl_copy_page(copy, page, SHOJI_CONTROL_SIZE);
		if (!ctl_read(copy, v))
			return CTL_PAGE_INVALID;
		if (v->reply_seq == seq)
			return CTL_ANSWERED;
		if (v->state != SHOJI_STATE_RUNNING)
			return CTL_NOT_RUNNING;
		if (seconds_since(&start) > timeout_s)
			return CTL_NO_ANSWER;
		usleep(poll_ms * 1000);
	}
}

static int lock_byte(int fd, unsigned node, short type)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = node,
		.l_len = 1,
	};
	int ret;

	do
		ret = fcntl(fd, F_OFD_SETLKW, &fl);
	while (ret < 0 && errno == EINTR);
	return ret;
}

int ctl_lock_node(int fd, unsigned node)
{
	return lock_byte(fd, node, F_WRLCK);
}

int ctl_unlock_node(int fd, unsigned node)
{
	return lock_byte(fd, node, F_UNLCK);
}
