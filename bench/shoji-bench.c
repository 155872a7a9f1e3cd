// SPDX-License-Identifier: GPL-2.0
/*
 * shoji-bench: the measurements of the Mint evaluation, on whatever x86_64
 * Linux runs it (plain Linux, node0, a node, a KVM guest): increment a
 * register M times, memcpy a block N times, lseek+read a random block of a
 * disk L times, each repeated and timed with the TSC. One JSON line per
 * mode and block size on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "common/units.h"

#include "report.h"
#include "tsc.h"
#include "workloads.h"

#define MAX_BLOCKS 8
#define MAX_REPETITIONS 1000

struct options {
	uint64_t cpu_iterations;	/* M */
	uint64_t memory_iterations;	/* N */
	uint64_t io_iterations;		/* L */
	size_t blocks[MAX_BLOCKS];
	size_t nr_blocks;
	size_t repetitions;
	const char *disk;
	const char *label;
	uint64_t seed;
	int seed_given;
	enum tsc_reader tsc_reader;
};

static void usage(FILE *out)
{
	fputs("usage: shoji-bench [options]\n"
	      "  --cpu M         increment a register M times (0 skips; default 0)\n"
	      "  --memory N      memcpy each block N times (0 skips; default 0)\n"
	      "  --io L          read L random blocks of --disk (0 skips; default 0)\n"
	      "  --disk PATH     disk or file for --io, read with O_DIRECT\n"
	      "  --blocks LIST   block sizes (default 256K,512K,1024K)\n"
	      "  --repeat R      repetitions of each measurement (default 10)\n"
	      "  --seed S        seed of the random offsets (default: from the clock)\n"
	      "  --label TEXT    configuration name put into every result\n"
	      "  --tsc-read HOW  rdtscp or lfence-rdtsc (default: rdtscp when\n"
	      "                  CPUID shows it, lfence-rdtsc otherwise)\n"
	      "  -h, --help      this text\n"
	      "Each result is one JSON line: label, host, kernel, mode, block_bytes,\n"
	      "iterations, seed, tsc_khz, tsc_read, repetitions, cycles[], min, median,\n"
	      "max, median_ms. Exit status: 0 done, 1 a measurement failed, 2 bad usage.\n",
	      out);
}

static int parse_count(const char *opt, const char *s, uint64_t *out)
{
	struct units_err err;

	if (units_parse_u64(s, out, &err))
		return 0;
	fprintf(stderr, "shoji-bench: %s %s: %s\n", opt, s, err.msg);
	return -1;
}

static int parse_blocks(const char *s, struct options *o)
{
	struct list_iter it;
	char item[64];
	struct units_err err;

	o->nr_blocks = 0;
	list_iter_init(&it, s);
	while (list_iter_next(&it, item, sizeof(item))) {
		uint64_t bytes;

		if (!units_parse_size(item, &bytes, &err)) {
			fprintf(stderr, "shoji-bench: --blocks %s: '%s': %s\n", s, item, err.msg);
			return -1;
		}
		if (bytes == 0 || bytes % 4096 || bytes > (UINT64_C(1) << 30)) {
			fprintf(stderr, "shoji-bench: --blocks %s: '%s' must be a multiple of 4K up to 1G\n",
				s, item);
			return -1;
		}
		if (o->nr_blocks == MAX_BLOCKS) {
			fprintf(stderr, "shoji-bench: --blocks %s: at most %d sizes\n", s, MAX_BLOCKS);
			return -1;
		}
		o->blocks[o->nr_blocks++] = (size_t)bytes;
	}
	return o->nr_blocks ? 0 : -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "io", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },
		{ "blocks", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "tsc-read", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t value;
	int c;

	*o = (struct options){ .repetitions = 10, .label = "",
			       .tsc_reader = tsc_reader_detect() };
	if (parse_blocks("256K,512K,1024K", o))
		return -1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': if (parse_count("--cpu", optarg, &o->cpu_iterations)) return -1; break;
		case 'm': if (parse_count("--memory", optarg, &o->memory_iterations)) return -1; break;
		case 'i': if (parse_count("--io", optarg, &o->io_iterations)) return -1; break;
		case 'd': o->disk = optarg; break;
		case 'b': if (parse_blocks(optarg, o)) return -1; break;
		case 'l': o->label = optarg; break;
		case 't':
			if (tsc_reader_parse(optarg, &o->tsc_reader)) {
				fprintf(stderr, "shoji-bench: --tsc-read %s: must be rdtscp or lfence-rdtsc\n",
					optarg);
				return -1;
			}
			if (o->tsc_reader == TSC_READ_RDTSCP && !tsc_cpu_has_rdtscp()) {
				fputs("shoji-bench: --tsc-read rdtscp: this CPU has no RDTSCP (CPUID 0x80000001 EDX bit 27)\n",
				      stderr);
				return -1;
			}
			break;
		case 's':
			if (parse_count("--seed", optarg, &o->seed))
				return -1;
			o->seed_given = 1;
			break;
		case 'r':
			if (parse_count("--repeat", optarg, &value))
				return -1;
			if (value < 1 || value > MAX_REPETITIONS) {
				fprintf(stderr, "shoji-bench: --repeat %s: must be 1 to %d\n",
					optarg, MAX_REPETITIONS);
				return -1;
			}
			o->repetitions = (size_t)value;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shoji-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->io_iterations && !o->disk) {
		fputs("shoji-bench: --io needs --disk PATH\n", stderr);
		return -1;
	}
	if (!o->cpu_iterations && !o->memory_iterations && !o->io_iterations) {
		fputs("shoji-bench: nothing to measure: give --cpu, --memory or --io\n", stderr);
		return -1;
	}
	if (!o->seed_given)
		o->seed = (uint64_t)time(NULL);
	return 0;
}

enum mode { MODE_CPU, MODE_MEMORY, MODE_IO };

static int measure(enum mode mode, const struct options *o, size_t block,
		   struct disk *disk, uint64_t *rng, uint64_t *cycles)
{
	for (size_t i = 0; i < o->repetitions; i++) {
		uint64_t start = tsc_begin();
		int err = 0;

		switch (mode) {
		case MODE_CPU: workload_cpu(o->cpu_iterations); break;
		case MODE_MEMORY: err = workload_memory(o->memory_iterations, block); break;
		case MODE_IO: err = workload_io(disk, o->io_iterations, block, rng); break;
		}
		cycles[i] = tsc_end(o->tsc_reader) - start;
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "cpu", "memory", "io" };
	struct options o;
	struct utsname uts;
	struct disk disk = { .fd = -1 };
	uint64_t *cycles, rng, tsc_khz;
	int status = 0;

	if (parse_options(argc, argv, &o))
		return 2;
	uname(&uts);
	cycles = calloc(o.repetitions, sizeof(*cycles));
	if (!cycles) {
		fputs("shoji-bench: out of memory\n", stderr);
		return 1;
	}
	if (o.io_iterations) {
		size_t max_block = 0;
		int err;

		for (size_t i = 0; i < o.nr_blocks; i++)
			if (o.blocks[i] > max_block)
				max_block = o.blocks[i];
		err = disk_open(&disk, o.disk, max_block);
		if (err) {
			fprintf(stderr, "shoji-bench: --disk %s: %s\n", o.disk, strerror(-err));
			free(cycles);
			return 1;
		}
	}
	tsc_khz = tsc_measure_khz(o.tsc_reader);
	rng = o.seed;

	for (int mode = MODE_CPU; mode <= MODE_IO && !status; mode++) {
		uint64_t iterations = mode == MODE_CPU ? o.cpu_iterations :
				      mode == MODE_MEMORY ? o.memory_iterations : o.io_iterations;
		size_t nr = mode == MODE_CPU ? 1 : o.nr_blocks;

		if (!iterations)
			continue;
		for (size_t b = 0; b < nr && !status; b++) {
			size_t block = mode == MODE_CPU ? 0 : o.blocks[b];
			struct result r = {
				.label = o.label, .host = uts.nodename, .kernel = uts.release,
				.mode = names[mode], .block_bytes = block,
				.iterations = iterations, .seed = mode == MODE_IO ? o.seed : 0,
				.tsc_khz = tsc_khz,
				.tsc_read = tsc_reader_name(o.tsc_reader), .cycles = cycles, .repetitions = o.repetitions,
			};
			int err = measure(mode, &o, block, &disk, &rng, cycles);

			if (!err)
				err = report_json(stdout, &r);
			if (err) {
				fprintf(stderr, "shoji-bench: %s, block %zu: %s\n",
					names[mode], block, strerror(-err));
				status = 1;
			}
			fflush(stdout);
		}
	}
	if (o.io_iterations)
		disk_close(&disk);
	free(cycles);
	return status;
}
