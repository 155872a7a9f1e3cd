/* libFuzzer target: the manager's state file reader must accept or refuse
 * any bytes without a crash, a leak or undefined behaviour, and what it
 * accepted must read back the same once written (nodes without a node
 * line are not written). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/state_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct state_file first, second;
	char *text = malloc(size + 1), *out = NULL;
	size_t out_len = 0;
	FILE *f;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (state_file_parse(text, &first) == 0) {
		f = open_memstream(&out, &out_len);
		if (f && !state_file_write(f, &first) && !fclose(f)) {
			if (state_file_parse(out, &second) != 0)
				abort();
			/* only nodes with a node line are written */
			for (unsigned i = 0; i < PLAN_MAX_NODES; i++)
				if (first.nodes[i].listed &&
				    memcmp(&first.nodes[i], &second.nodes[i],
					   sizeof(first.nodes[i])))
					abort();
			if (strcmp(first.plan_path, second.plan_path) ||
			    first.guest_count != second.guest_count)
				abort();
			state_file_free(&second);
		}
		free(out);
		state_file_free(&first);
	}
	free(text);
	return 0;
}
