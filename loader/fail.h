/* The loader's way of failing: every function that can fail takes the
 * caller's err buffer and writes the one reason into it. */
#ifndef SHOJI_FAIL_H
#define SHOJI_FAIL_H

#include <stddef.h>

void sl_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
