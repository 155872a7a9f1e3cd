// SPDX-License-Identifier: GPL-2.0
#include "workloads.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

void workload_cpu(uint64_t m)
{
	uint64_t counter = 0;

	if (!m)
		return;
	/* The loop is written out so no compiler can fold it away. */
	__asm__ __volatile__("1:\n\t"
			     "add $1, %0\n\t"
			     "sub $1, %1\n\t"
			     "jnz 1b"
			     : "+r"(counter), "+r"(m));
}

int workload_memory(uint64_t n, size_t block_bytes)
{
	char *src = malloc(block_bytes), *dst = malloc(block_bytes);

	if (!src || !dst) {
		free(src);
		free(dst);
		return -ENOMEM;
	}
	/* Touch both buffers first: page faults are not what is measured. */
	memset(src, 0x5a, block_bytes);
	memset(dst, 0, block_bytes);
	for (uint64_t i = 0; i < n; i++) {
		memcpy(dst, src, block_bytes);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	free(src);
	free(dst);
	return 0;
}

int disk_open(struct disk *d, const char *path, size_t max_block)
{
	struct stat st;
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (fstat(d->fd, &st) < 0)
		goto fail;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &d->bytes) < 0)
			goto fail;
	} else {
		d->bytes = (uint64_t)st.st_size;
	}
	if (d->bytes < max_block) {
		errno = ENOSPC;
		goto fail;
	}
	d->max_block = max_block;
	errno = posix_memalign(&d->buffer, 4096, max_block);
	if (errno)
		goto fail;
	return 0;
fail:
	err = -errno;
	close(d->fd);
	d->fd = -1;
	return err;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->buffer);
	d->fd = -1;
	d->buffer = NULL;
}

uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

int workload_io(struct disk *d, uint64_t l, size_t block_bytes, uint64_t *rng_state)
{
	uint64_t blocks = d->bytes / block_bytes;

	if (block_bytes > d->max_block || !blocks)
		return -EINVAL;
	for (uint64_t i = 0; i < l; i++) {
		off_t offset = (off_t)(next_random(rng_state) % blocks * block_bytes);
		ssize_t got;

		if (lseek(d->fd, offset, SEEK_SET) < 0)
			return -errno;
		got = read(d->fd, d->buffer, block_bytes);
		if (got < 0)
			return -errno;
		if ((size_t)got != block_bytes)
			return -EIO;
	}
	return 0;
}
