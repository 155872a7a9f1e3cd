#include <string.h>

#include "common/node_name.h"

bool node_name_parse(const char *s, unsigned *id)
{
	const char *digits = strncmp(s, "node", 4) ? s : s + 4;
	size_t len = strlen(digits);
	unsigned value = 0;

	/* strtoul would take " 1", "+1" and "0x1": a name is digits only */
	if (!len || len > 2 || strspn(digits, "0123456789") != len ||
	    (digits[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
		value = value * 10 + (unsigned)(digits[i] - '0');
	if (value > NODE_ID_MAX)
		return false;
	*id = value;
	return true;
}
