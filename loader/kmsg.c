#define _GNU_SOURCE
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Records from before the open belong to an earlier request or an earlier
 * manager, which has already reported them. */
static int open_at_end(int flags)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC | flags);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int sl_kmsg_open(void)
{
	return open_at_end(O_NONBLOCK);
}

int sl_kmsg_follow(void)
{
	return open_at_end(0);
}

char *sl_kmsg_next(int fd, char *record, size_t size)
{
	for (;;) {
		ssize_t n = read(fd, record, size - 1);
		char *msg;

		if (n < 0) {
			/* EPIPE: records were overwritten before we read them */
			if (errno == EPIPE || errno == EINTR)
				continue;
			return NULL;
		}
		if (n == 0) {
			errno = 0;
			return NULL;
		}
		record[n] = '\0';
		msg = strchr(record, ';');
		if (!msg)
			continue;
		msg[strcspn(msg, "\n")] = '\0';
		return msg + 1;
	}
}

void sl_kmsg_reason(int fd, unsigned node, char *buf, size_t len)
{
	char record[2048], tag[32];
	size_t used = 0;
	char *msg;

	if (len)
		buf[0] = '\0';
	if (fd < 0)
		return;
	snprintf(tag, sizeof(tag), "Shoji: node%u:", node);
	while ((msg = sl_kmsg_next(fd, record, sizeof(record))))
		if (strstr(msg, tag) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? "; " : "", msg);
	close(fd);
}
