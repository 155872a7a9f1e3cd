/* The control page reader on pages built in memory: good ones, one of a
 * newer minor version, and the garbage a broken node may leave (wrong
 * magic, version, size, state, ring size, unterminated reason, huge
 * lengths, wrapped counters). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl_view.h"

#include "check.h"
#include "fixture.h"

#define HDR offsetof(struct shoji_control, con_buf)
#define RING (SHOJI_CONTROL_SIZE - HDR)

static union fixture_page page;
static struct ctl_copy copy;

static void good_page(void)
{
	fixture_good_page(&page);
	page.c.heartbeat = 42;
}

static bool read_page(struct ctl_view *v)
{
	ctl_copy_page(&copy, &page, sizeof(page));
	return ctl_read(&copy, v);
}

static void console_write(const char *s)
{
	while (*s) {
		page.c.con_buf[page.c.con_head % RING] = *s++;
		page.c.con_head++;
	}
}

static void test_good(void)
{
	struct ctl_view v;
	char text[SHOJI_CONTROL_SIZE + 1];
	uint32_t next, lost;

	good_page();
	strcpy(page.c.reason, "Kernel panic - not syncing: test");
	console_write("hello\nworld\n");
	CHECK(read_page(&v));
	CHECK_U64(v.state, SHOJI_STATE_RUNNING);
	CHECK_U64(v.heartbeat, 42);
	CHECK_STR(v.reason, "Kernel panic - not syncing: test");
	CHECK_U64(ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next,
			      &lost), 12);
	CHECK_STR(text, "hello\nworld\n");
	CHECK_U64(next, 12);
	/* from a counter: only the new bytes */
	CHECK_U64(ctl_console(&copy, &v, 6, text, sizeof(text) - 1, &next,
			      &lost), 6);
	CHECK_STR(text, "world\n");
	/* at most max bytes: the last ones */
	CHECK_U64(ctl_console(&copy, &v, 0, text, 3, &next, &lost), 3);
	CHECK_STR(text, "ld\n");
	CHECK_STR(ctl_state_name(v.state), "running");
}

static void test_ring_wraps(void)
{
	struct ctl_view v;
	static char text[SHOJI_CONTROL_SIZE + 1];
	uint32_t next, lost;
	size_t len;

	good_page();
	page.c.con_head = UINT32_MAX - 10;	/* the counter wraps */
	for (int i = 0; i < 3000; i++)
		console_write("x");
	console_write("END");
	CHECK(read_page(&v));
	len = ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next, &lost);
	CHECK_U64(len, RING);
	CHECK(len >= 3 && !strcmp(text + len - 3, "END"));
	/* a reader far behind loses bytes and is told how many */
	ctl_console(&copy, &v, next - RING - 100, text, sizeof(text) - 1,
		    &next, &lost);
	CHECK_U64(lost, 100);
}

static void test_garbage(void)
{
	struct ctl_view v;
	char text[64], reply[SHOJI_REPLY_LEN];
	uint32_t next, lost;

	good_page();
	page.c.magic = 0xdeadbeef;
	CHECK(!read_page(&v));
	CHECK(strstr(v.why, "magic") != NULL);
	CHECK_U64(ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next,
			      &lost), 0);

	good_page();
	page.c.version = 99;
	CHECK(!read_page(&v));
	CHECK(strstr(v.why, "version 0.99") != NULL);

	good_page();
	page.c.size = 8192;
	CHECK(!read_page(&v));
	CHECK(strstr(v.why, "of 8192 bytes") != NULL);

	good_page();
	page.c.state = 1234;
	CHECK(!read_page(&v));
	CHECK(strstr(v.why, "state 1234") != NULL);
	CHECK_U64(v.state, 0);

	/* reason without its NUL and with control characters */
	good_page();
	memset(page.c.reason, 'A', sizeof(page.c.reason));
	page.c.reason[3] = '\033';
	CHECK(read_page(&v));
	CHECK_U64(strlen(v.reason), SHOJI_REASON_LEN);
	CHECK(v.reason[3] == '?');

	/* a ring size that does not match the page: no ring, page valid */
	good_page();
	page.c.con_size = 0xffffffff;
	page.c.con_head = 100;
	CHECK(read_page(&v));
	CHECK_U64(v.con_size, 0);
	CHECK_U64(ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next,
			      &lost), 0);

	/* a reply length far beyond the reply area */
	good_page();
	page.c.reply_len = 0x7fffffff;
	CHECK(read_page(&v));
	CHECK_U64(v.reply_len, SHOJI_REPLY_LEN);
	CHECK_U64(ctl_reply(&copy, &v, reply, sizeof(reply)), SHOJI_REPLY_LEN);
	CHECK_U64(ctl_reply(&copy, &v, reply, 10), 10);

	/* console bytes that are control characters are shown as '?' */
	good_page();
	console_write("a\033[2Jb\r\n");
	CHECK(read_page(&v));
	ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next, &lost);
	CHECK_STR(text, "a?[2Jb?\n");

	/* a short page: the copy is zero-filled, the size is 0 */
	memset(&copy, 0xff, sizeof(copy));
	ctl_copy_page(&copy, &page, 6);
	CHECK(!ctl_read(&copy, &v));
}

/* A layout of a newer minor version: more fields after the known ones,
 * and the console ring after those. */
static void test_newer_minor(void)
{
	const unsigned major = SHOJI_VERSION_MAJOR(SHOJI_CONTROL_VERSION);
	const unsigned minor = SHOJI_VERSION_MINOR(SHOJI_CONTROL_VERSION);
	const uint32_t size = HDR + 24, ring = SHOJI_CONTROL_SIZE - size;
	char text[64], want[160];
	struct ctl_view v;
	uint32_t next, lost;

	good_page();
	page.c.version = SHOJI_VERSION(major, minor + 1);
	page.c.size = size;
	page.c.con_size = ring;
	/* The fields this reader does not know, and the ring after them */
	memset(page.bytes + HDR, 0xee, size - HDR);
	memcpy(page.bytes + size, "newer\n", 6);
	page.c.con_head = 6;
	strcpy(page.c.reason, "halt");
	CHECK(read_page(&v));
	CHECK_U64(v.state, SHOJI_STATE_RUNNING);
	CHECK_U64(v.heartbeat, 42);
	CHECK_STR(v.reason, "halt");
	CHECK_U64(v.con_offset, size);
	CHECK_U64(v.con_size, ring);
	CHECK_U64(ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next,
			      &lost), 6);
	CHECK_STR(text, "newer\n");

	/* the ring of the page this reader knows is no longer the ring */
	page.c.con_size = SHOJI_CONTROL_SIZE - HDR;
	CHECK(read_page(&v));
	CHECK_U64(v.con_size, 0);

	/* an older minor version, smaller than what this reader knows */
	good_page();
	page.c.size = HDR - 8;
	page.c.con_size = SHOJI_CONTROL_SIZE - (HDR - 8);
	CHECK(!read_page(&v));
	snprintf(want, sizeof(want), "of %zu bytes (this manager knows %u.%u of %zu bytes",
		 HDR - 8, major, minor, HDR);
	CHECK(strstr(v.why, want) != NULL);

	/* another major version, newer or older, whatever its size */
	good_page();
	page.c.version = SHOJI_VERSION(major + 1, 0);
	CHECK(!read_page(&v));
	snprintf(want, sizeof(want), "layout version %u.0 (this manager knows %u.%u",
		 major + 1, major, minor);
	CHECK(strstr(v.why, want) != NULL);
	CHECK_U64(ctl_console(&copy, &v, 0, text, sizeof(text) - 1, &next,
			      &lost), 0);
	good_page();
	page.c.version = SHOJI_VERSION(major - 1, minor + 1);
	page.c.size = HDR + 24;
	CHECK(!read_page(&v));
	CHECK(strstr(v.why, "layout version") != NULL);
}

static void test_agent_report(void)
{
	static const char good[] = "shoji-agent/1 seq=7 uptime=12 load1=0.50 "
		"mem_total_kb=500000 mem_avail_kb=400000 guests=0\n";
	static const char *const bad[] = {
		"",
		"shoji-agent/2 seq=7 uptime=12 load1=0.50 mem_total_kb=1 mem_avail_kb=1 guests=0",
		"shoji-agent/1 seq=x uptime=12 load1=0.50 mem_total_kb=1 mem_avail_kb=1 guests=0",
		"shoji-agent/1 seq=7 uptime=12 load1=nan mem_total_kb=1 mem_avail_kb=1 guests=0",
		"shoji-agent/1 seq=7 uptime=12 load1=-1 mem_total_kb=1 mem_avail_kb=1 guests=0",
		"shoji-agent/1 seq=7 uptime=12 load1=1 mem_total_kb=1 mem_avail_kb=1 guests=999999999",
		"shoji-agent/1 seq=7 uptime=12 load1=1 mem_total_kb=1 guests=0",
		"shoji-agent/1 xseq=7 uptime=12 load1=1 mem_total_kb=1 mem_avail_kb=1 guests=0",
		"shoji-agent/1 seq=7 uptime=12 load1=1 mem_total_kb=1 mem_avail_kb=1 guests=0 started_tsc=x",
	};
	static const char with_start[] = "shoji-agent/1 seq=8 uptime=12 load1=0.50 "
		"mem_total_kb=500000 mem_avail_kb=400000 guests=1 started_tsc=123456789012\n";
	struct agent_report r;

	CHECK(agent_report_parse(good, strlen(good), &r));
	CHECK_U64(r.seq, 7);
	CHECK_U64(r.uptime_s, 12);
	CHECK_U64(r.mem_total_kb, 500000);
	CHECK_U64(r.mem_avail_kb, 400000);
	CHECK(r.load1 > 0.49 && r.load1 < 0.51);
	/* an agent that does not say when it started */
	CHECK_U64(r.started_tsc, 0);
	CHECK(agent_report_parse(with_start, strlen(with_start), &r));
	CHECK_U64(r.guests, 1);
	CHECK_U64(r.started_tsc, 123456789012ULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!agent_report_parse(bad[i], strlen(bad[i]), &r));
	/* a NUL inside the length */
	CHECK(!agent_report_parse("shoji-agent/1 \0seq=1", 20, &r));
}

int main(void)
{
	test_good();
	test_ring_wraps();
	test_garbage();
	test_newer_minor();
	test_agent_report();
	return check_summary();
}
