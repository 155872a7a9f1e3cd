/* The benchmark's arithmetic and output: statistics, the JSON line, the
 * random offsets, and the disk opening rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../bench/report.h"
#include "../../bench/stats.h"
#include "../../bench/tsc.h"
#include "../../bench/workloads.h"
#include "check.h"

static void test_summary(void)
{
	const uint64_t odd[] = { 30, 10, 20 };
	const uint64_t even[] = { 4, 1, 3, 2 };
	const uint64_t huge[] = { UINT64_MAX, UINT64_MAX - 2 };
	const uint64_t one[] = { 7 };
	struct summary s;

	CHECK(summarise(odd, 3, &s) == 0);
	CHECK_U64(s.min, 10);
	CHECK_U64(s.median, 20);
	CHECK_U64(s.max, 30);
	CHECK(odd[0] == 30);	/* the caller's order is kept */

	CHECK(summarise(even, 4, &s) == 0);
	CHECK_U64(s.median, 2);	/* (2 + 3) / 2, rounded down */

	CHECK(summarise(huge, 2, &s) == 0);
	CHECK_U64(s.median, UINT64_MAX - 1);

	CHECK(summarise(one, 1, &s) == 0);
	CHECK_U64(s.min, 7);
	CHECK_U64(s.median, 7);
	CHECK_U64(s.max, 7);

	CHECK(summarise(one, 0, &s) == -EINVAL);
}

static void test_json_line(void)
{
	const uint64_t cycles[] = { 3000, 1000, 2000 };
	struct result r = {
		.label = "node \"1\"\n", .host = "node1", .kernel = "6.12.0-shoji",
		.mode = "memory", .block_bytes = 262144, .iterations = 5,
		.seed = 0, .tsc_khz = 1000, .tsc_read = "rdtscp",
		.cycles = cycles, .repetitions = 3,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK(report_json(out, &r) == 0);
	fclose(out);
	CHECK_STR(text,
		  "{\"label\":\"node \\\"1\\\"\\u000a\",\"host\":\"node1\","
		  "\"kernel\":\"6.12.0-shoji\",\"mode\":\"memory\","
		  "\"block_bytes\":262144,\"iterations\":5,\"seed\":0,"
		  "\"tsc_khz\":1000,\"tsc_read\":\"rdtscp\",\"repetitions\":3,\"cycles\":[3000,1000,2000],"
		  "\"min\":1000,\"median\":2000,\"max\":3000,\"median_ms\":2.000}\n");
	free(text);
}

/* Whether the kernel lists the rdtscp flag for CPU 0: the same CPUID bit. */
static int cpuinfo_has_rdtscp(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			found = strstr(line, " rdtscp") != NULL;
	fclose(f);
	return found;
}

static void check_reader_counts(enum tsc_reader reader)
{
	uint64_t a = tsc_begin(), b = tsc_end(reader), khz;

	CHECK(b > a);
	khz = tsc_measure_khz(reader);
	CHECK(khz > 0);
	printf("tsc %s: %" PRIu64 " kHz\n", tsc_reader_name(reader), khz);
}

static void test_tsc_readers(void)
{
	enum tsc_reader reader = TSC_READ_RDTSCP;
	int listed = cpuinfo_has_rdtscp();

	CHECK(tsc_reader_parse("lfence-rdtsc", &reader) == 0);
	CHECK(reader == TSC_READ_FENCED_RDTSC);
	CHECK_STR(tsc_reader_name(reader), "lfence-rdtsc");
	CHECK(tsc_reader_parse("rdtscp", &reader) == 0);
	CHECK(reader == TSC_READ_RDTSCP);
	CHECK_STR(tsc_reader_name(reader), "rdtscp");
	CHECK(tsc_reader_parse("rdtsc", &reader) == -1);

	if (listed >= 0)
		CHECK(tsc_cpu_has_rdtscp() == listed);
	CHECK(tsc_reader_detect() ==
	      (tsc_cpu_has_rdtscp() ? TSC_READ_RDTSCP : TSC_READ_FENCED_RDTSC));

	check_reader_counts(TSC_READ_FENCED_RDTSC);
	if (tsc_cpu_has_rdtscp())
		check_reader_counts(TSC_READ_RDTSCP);
	else
		printf("tsc rdtscp: not run, this CPU has no RDTSCP\n");
}

static void test_random_is_repeatable(void)
{
	uint64_t a = 42, b = 42, c = 43;
	uint64_t first = next_random(&a);

	CHECK_U64(next_random(&b), first);
	CHECK(next_random(&c) != first);
	CHECK(next_random(&a) != first);
}

static void test_disk(const char *dir)
{
	char path[4096];
	struct disk d;
	uint64_t rng = 1;
	int fd;

	CHECK(disk_open(&d, "/nonexistent/disk", 4096) == -ENOENT);

	snprintf(path, sizeof(path), "%s/test_bench.disk", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(ftruncate(fd, 8192) == 0);
	close(fd);

	CHECK(disk_open(&d, path, 16384) == -ENOSPC);
	if (disk_open(&d, path, 4096) == 0) {
		CHECK_U64(d.bytes, 8192);
		CHECK(workload_io(&d, 3, 8192, &rng) == -EINVAL);
		CHECK(workload_io(&d, 4, 4096, &rng) == 0);
		disk_close(&d);
	} else {
		/* O_DIRECT is refused on some filesystems (tmpfs). */
		fprintf(stderr, "note: %s does not support O_DIRECT\n", dir);
	}
	unlink(path);
}

int main(int argc, char **argv)
{
	test_summary();
	test_json_line();
	test_random_is_repeatable();
	test_tsc_readers();
	CHECK(workload_memory(3, 4096) == 0);
	workload_cpu(1000);
	test_disk(argc > 1 ? argv[1] : ".");
	return check_summary();
}
