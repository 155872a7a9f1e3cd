/* node0's kernel log (/dev/kmsg), read from the moment it is opened: the
 * loader adds what the kernel said to the reason a request failed, the
 * manager watches it for DMA faults. */
#ifndef SHOJI_KMSG_H
#define SHOJI_KMSG_H

#include <stddef.h>

/* For reading what has been logged since, without waiting for more; -1 if
 * the log cannot be read */
int sl_kmsg_open(void);
/* The same, for reading that waits for each next record */
int sl_kmsg_follow(void);

/* The text of the next record: the message after the record's header,
 * without its newline, in record (size bytes). NULL, with errno, when
 * there is none yet (sl_kmsg_open) or the log cannot be read on. */
char *sl_kmsg_next(int fd, char *record, size_t size);

/* What node0's kernel logged about node since sl_kmsg_open, "" if
 * nothing; closes fd. */
void sl_kmsg_reason(int fd, unsigned node, char *buf, size_t len);

#endif
