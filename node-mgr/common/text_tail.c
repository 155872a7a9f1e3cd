#include "common/text_tail.h"

size_t text_tail_start(const char *text, size_t len, unsigned lines)
{
	size_t at = len;

	if (!lines)
		return len;
	/* the newline that ends the text belongs to its last line */
	if (at && text[at - 1] == '\n')
		at--;
	while (at) {
		if (text[at - 1] == '\n' && !--lines)
			return at;
		at--;
	}
	return 0;
}
