/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHOJI_BENCH_WORKLOADS_H
#define SHOJI_BENCH_WORKLOADS_H

#include <stddef.h>
#include <stdint.h>

/* The three measurements of the Mint evaluation; each returns 0 or -errno. */

/* Increment a register m times. */
void workload_cpu(uint64_t m);

/* memcpy a block of block_bytes, n times, between two buffers. */
int workload_memory(uint64_t n, size_t block_bytes);

struct disk {
	int fd;			/* opened O_DIRECT */
	uint64_t bytes;
	void *buffer;		/* aligned for O_DIRECT, max_block bytes */
	size_t max_block;
};

int disk_open(struct disk *d, const char *path, size_t max_block);
void disk_close(struct disk *d);

/* lseek to a random block-aligned offset and read one block, l times. */
int workload_io(struct disk *d, uint64_t l, size_t block_bytes, uint64_t *rng_state);

/* splitmix64: a small, seedable generator, so a run can be repeated. */
uint64_t next_random(uint64_t *state);

#endif
