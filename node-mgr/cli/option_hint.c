#include <stdio.h>
#include <string.h>

#include "cli/option_hint.h"
#include "common/diag.h"

const char *option_hint(const char *given, const struct option *longopts,
			char *buf, size_t len)
{
	const char *names[32];
	char word[64];
	const char *near;
	size_t count = 0;

	if (strncmp(given, "--", 2))
		return NULL;
	/* --name=value: the name is what was mistyped */
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(given + 2, "="),
		 given + 2);
	for (; longopts->name && count < 32; longopts++)
		names[count++] = longopts->name;
	near = nearest_name(word, names, count);
	if (!near)
		return NULL;
	snprintf(buf, len, "--%s", near);
	return buf;
}
