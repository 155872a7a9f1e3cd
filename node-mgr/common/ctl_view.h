/* The control page of a node, read defensively. A node owns most of its
 * control page and a broken node may write anything there, so node0 never
 * acts on the page itself: it takes one copy of the page and reads every
 * value out of the copy, checked. Garbage gives an invalid view with the
 * reason, never a crash, and never a value out of its range. */
#ifndef SHOJI_CTL_VIEW_H
#define SHOJI_CTL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/shoji.h>

/* The layout this reader knows. It also reads a page of a newer minor
 * version of it, which only adds fields after those it knows and moves
 * the console ring after them; not one of an older minor version or of
 * another major version (include/uapi/linux/shoji.h). */
#define CTL_VIEW_VERSION SHOJI_CONTROL_VERSION

struct ctl_view {
	bool valid;		/* false: why says what is wrong */
	char why[128];
	uint32_t state;		/* enum shoji_state, checked */
	uint32_t request;
	uint64_t heartbeat;
	uint64_t tsc_load, tsc_start, tsc_kernel, tsc_running, tsc_parked;
	char reason[SHOJI_REASON_LEN + 1];	/* printable, NUL-terminated */
	uint32_t cmd_seq;
	uint32_t reply_seq;
	int32_t reply_status;
	uint32_t reply_len;	/* at most SHOJI_REPLY_LEN */
	uint32_t con_head;
	uint32_t con_size;	/* 0 if the ring is unusable */
	uint32_t con_offset;	/* where the ring starts: the layout's size */
};

/* The bytes of a control page as node0 copied them */
struct ctl_copy {
	unsigned char bytes[SHOJI_CONTROL_SIZE];
};

/* Copies the shared page (size bytes, normally SHOJI_CONTROL_SIZE) once. */
void ctl_copy_page(struct ctl_copy *copy, const volatile void *page,
		   size_t size);

/* Reads the copy. Returns true if the page is valid. */
bool ctl_read(const struct ctl_copy *copy, struct ctl_view *v);

/* The last max bytes of the console ring, control characters other than
 * newline and tab made '?'. from is the first byte counter wanted (0: as
 * much as the ring holds); *next gets the counter after the last byte and
 * *lost how many wanted bytes the ring no longer held. Returns the length
 * written to out (NUL-terminated, out has room for max + 1 bytes). */
size_t ctl_console(const struct ctl_copy *copy, const struct ctl_view *v,
		   uint32_t from, char *out, size_t max, uint32_t *next,
		   uint32_t *lost);

/* The reply of the command channel, at most max bytes (binary, as sent). */
size_t ctl_reply(const struct ctl_copy *copy, const struct ctl_view *v,
		 char *out, size_t max);

const char *ctl_state_name(uint32_t state);

/* What an agent reports (shoji agent, through the command channel) */
struct agent_report {
	uint64_t seq;		/* the agent's own counter */
	uint64_t uptime_s;
	double load1;
	uint64_t mem_total_kb;
	uint64_t mem_avail_kb;
	unsigned guests;
	/* when the agent started, on the machine's TSC; 0 when it does not
	 * say (optional: started_tsc=) */
	uint64_t started_tsc;
};

#define AGENT_REPORT_REQUEST "\001shoji-report"
#define AGENT_REPORT_TAG "shoji-agent/1"

/* Parses "shoji-agent/1 seq=.. uptime=.. load1=.. mem_total_kb=..
 * mem_avail_kb=.. guests=.. [started_tsc=..]". Returns false on anything
 * else. */
bool agent_report_parse(const char *text, size_t len, struct agent_report *r);

#endif
