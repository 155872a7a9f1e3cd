/* The checked reader of a node's control page (see ctl_view.h). */
#include "common/ctl_view.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_HEADER_SIZE offsetof(struct shoji_control, con_buf)

void ctl_copy_page(struct ctl_copy *copy, const volatile void *page,
		   size_t size)
{
	const volatile unsigned char *src = page;
	size_t i = 0;

	memset(copy, 0, sizeof(*copy));
	if (size > sizeof(copy->bytes))
		size = sizeof(copy->bytes);
	/* Through volatile: the node writes while we read, and the compiler
	 * must not read any value twice. Word by word where the page allows:
	 * the watcher copies every node's page forty times a second. */
	if ((uintptr_t)page % sizeof(uint64_t) == 0) {
		const volatile uint64_t *words = page;

		for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
			uint64_t w = words[i / sizeof(uint64_t)];

			memcpy(copy->bytes + i, &w, sizeof(w));
		}
	}
	for (; i < size; i++)
		copy->bytes[i] = src[i];
}

static void get(const struct ctl_copy *c, size_t off, void *out, size_t len)
{
	memcpy(out, c->bytes + off, len);
}

#define GET(c, field, out) \
	get((c), offsetof(struct shoji_control, field), &(out), sizeof(out))

static void printable(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[i] = '\0';
}

const char *ctl_state_name(uint32_t state)
{
	static const char *const names[] = {
		[SHOJI_STATE_EMPTY] = "empty",
		[SHOJI_STATE_LOADED] = "loaded",
		[SHOJI_STATE_STARTING] = "starting",
		[SHOJI_STATE_BOOTING] = "booting",
		[SHOJI_STATE_RUNNING] = "running",
		[SHOJI_STATE_HALTED] = "halted",
		[SHOJI_STATE_PANICKED] = "panicked",
		[SHOJI_STATE_STOPPED] = "stopped",
		[SHOJI_STATE_STOP_FAILED] = "stop failed",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state]
							: "unknown";
}

bool ctl_read(const struct ctl_copy *c, struct ctl_view *v)
{
	uint32_t magic;
	uint16_t version, size;
	char reason[SHOJI_REASON_LEN];

	memset(v, 0, sizeof(*v));
	GET(c, magic, magic);
	GET(c, version, version);
	GET(c, size, size);
	if (magic != SHOJI_CONTROL_MAGIC) {
		snprintf(v->why, sizeof(v->why), "bad magic %#x", magic);
		return false;
	}
	if (SHOJI_VERSION_MAJOR(version) !=
	    SHOJI_VERSION_MAJOR(CTL_VIEW_VERSION)) {
		snprintf(v->why, sizeof(v->why),
			 "layout version %u.%u (this manager knows %u.%u and its newer minor versions)",
			 SHOJI_VERSION_MAJOR(version),
			 SHOJI_VERSION_MINOR(version),
			 SHOJI_VERSION_MAJOR(CTL_VIEW_VERSION),
			 SHOJI_VERSION_MINOR(CTL_VIEW_VERSION));
		return false;
	}
	/* A newer minor version is larger: the fields known stay where
	 * they are. A smaller size is an older layout, or garbage. */
	if (size < CTL_HEADER_SIZE || size > SHOJI_CONTROL_SIZE) {
		snprintf(v->why, sizeof(v->why),
			 "layout version %u.%u of %u bytes (this manager knows %u.%u of %zu bytes, in a page of %u)",
			 SHOJI_VERSION_MAJOR(version),
			 SHOJI_VERSION_MINOR(version), size,
			 SHOJI_VERSION_MAJOR(CTL_VIEW_VERSION),
			 SHOJI_VERSION_MINOR(CTL_VIEW_VERSION),
			 CTL_HEADER_SIZE, SHOJI_CONTROL_SIZE);
		return false;
	}
	v->con_offset = size;
	GET(c, state, v->state);
	if (v->state > SHOJI_STATE_STOP_FAILED) {
		snprintf(v->why, sizeof(v->why), "unknown state %u",
			 v->state);
		v->state = 0;
		return false;
	}
	GET(c, request, v->request);
	GET(c, heartbeat, v->heartbeat);
	GET(c, tsc_load, v->tsc_load);
	GET(c, tsc_start, v->tsc_start);
	GET(c, tsc_kernel, v->tsc_kernel);
	GET(c, tsc_running, v->tsc_running);
	GET(c, tsc_parked, v->tsc_parked);
	GET(c, reason, reason);
	printable(v->reason, reason, sizeof(reason));
	GET(c, cmd_seq, v->cmd_seq);
	GET(c, reply_seq, v->reply_seq);
	GET(c, reply_status, v->reply_status);
	GET(c, reply_len, v->reply_len);
	if (v->reply_len > SHOJI_REPLY_LEN)
		v->reply_len = SHOJI_REPLY_LEN;
	GET(c, con_head, v->con_head);
	GET(c, con_size, v->con_size);
	/* The ring is the rest of the page after the layout, exactly;
	 * anything else is garbage and only the ring is lost, not the
	 * page. */
	if (v->con_size != SHOJI_CONTROL_SIZE - v->con_offset)
		v->con_size = 0;
	v->valid = true;
	return true;
}

size_t ctl_console(const struct ctl_copy *c, const struct ctl_view *v,
		   uint32_t from, char *out, size_t max, uint32_t *next,
		   uint32_t *lost)
{
	uint32_t head = v->con_head, size = v->con_size, first, i;
	size_t len = 0;

	if (lost)
		*lost = 0;
	if (next)
		*next = head;
	out[0] = '\0';
	if (!v->valid || !size)
		return 0;
	/* Counters wrap at 2^32: work with distances from head. */
	first = head - (head < size ? head : size);
	if (from && (uint32_t)(head - from) <= (uint32_t)(head - first)) {
		first = from;
	} else if (from && lost && (uint32_t)(head - from) < UINT32_MAX / 2) {
		*lost = (uint32_t)(first - from);
	}
	if ((uint32_t)(head - first) > max)
		first = head - (uint32_t)max;
	for (i = first; i != head; i++) {
		unsigned char ch = c->bytes[v->con_offset + i % size];

		out[len++] = (ch < 0x20 && ch != '\n' && ch != '\t') ||
					     ch == 0x7f
				     ? '?'
				     : (char)ch;
	}
	out[len] = '\0';
	return len;
}

size_t ctl_reply(const struct ctl_copy *c, const struct ctl_view *v,
		 char *out, size_t max)
{
	size_t len = v->valid ? v->reply_len : 0;

	if (len > max)
		len = max;
	memcpy(out, c->bytes + offsetof(struct shoji_control, reply), len);
	return len;
}

static bool field_u64(const char *text, const char *key, uint64_t *out)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p || (p != text && p[-1] != ' '))
		return false;
	p += strlen(key);
	if (*p < '0' || *p > '9')
		return false;
	*out = strtoull(p, &end, 10);
	return end != p && (*end == ' ' || *end == '\n' || !*end);
}

bool agent_report_parse(const char *text, size_t len, struct agent_report *r)
{
	char buf[256], *end;
	const char *p;
	uint64_t guests;

	memset(r, 0, sizeof(*r));
	if (len >= sizeof(buf) || len < sizeof(AGENT_REPORT_TAG))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strlen(buf) != len ||
	    strncmp(buf, AGENT_REPORT_TAG " ", sizeof(AGENT_REPORT_TAG)))
		return false;
	if (!field_u64(buf, "seq=", &r->seq) ||
	    !field_u64(buf, "uptime=", &r->uptime_s) ||
	    !field_u64(buf, "mem_total_kb=", &r->mem_total_kb) ||
	    !field_u64(buf, "mem_avail_kb=", &r->mem_avail_kb) ||
	    !field_u64(buf, "guests=", &guests) || guests > 100000)
		return false;
	r->guests = (unsigned)guests;
	if (strstr(buf, "started_tsc=") &&
	    !field_u64(buf, "started_tsc=", &r->started_tsc))
		return false;
	p = strstr(buf, " load1=");
	if (!p)
		return false;
	r->load1 = strtod(p + 7, &end);
	if (end == p + 7 || !isfinite(r->load1) || r->load1 < 0 ||
	    r->load1 > 1e6)
		return false;
	return true;
}
