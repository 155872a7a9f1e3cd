/* libFuzzer target: any bytes as a node's control page (what a broken
 * node may leave there), through every reader the manager uses. Nothing
 * may crash, and every value that comes out must be in its range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctl_copy copy;
static char text[SHOJI_CONTROL_SIZE + 1], reply[SHOJI_REPLY_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_view v;
	struct agent_report r;
	uint32_t next, lost, from = 0;
	size_t len;

	ctl_copy_page(&copy, data, size);
	if (size >= 4)
		memcpy(&from, data + size - 4, 4);
	if (ctl_read(&copy, &v)) {
		if (v.state > SHOJI_STATE_STOP_FAILED || v.reply_len > SHOJI_REPLY_LEN ||
		    strlen(v.reason) > SHOJI_REASON_LEN)
			abort();
		for (const char *p = v.reason; *p; p++)
			if ((unsigned char)*p < 0x20)
				abort();
	}
	len = ctl_console(&copy, &v, 0, text, 100, &next, &lost);
	if (len > 100 || strlen(text) != len)
		abort();
	len = ctl_console(&copy, &v, from, text, sizeof(text) - 1, &next, &lost);
	if (len > sizeof(text) - 1 || strlen(text) != len)
		abort();
	len = ctl_reply(&copy, &v, reply, sizeof(reply));
	if (len > sizeof(reply))
		abort();
	agent_report_parse(reply, len, &r);
	agent_report_parse((const char *)data, size, &r);
	(void)ctl_state_name(v.state);
	return 0;
}
