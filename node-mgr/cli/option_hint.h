/* "did you mean '--offline'?" for the commands that read their options
 * with getopt_long (check, plan create). */
#ifndef SHOJI_OPTION_HINT_H
#define SHOJI_OPTION_HINT_H

#include <getopt.h>

/* The long option of longopts (ended by a NULL name) nearest to given,
 * as "--name", or NULL if none is a likely typo of it. buf keeps the
 * text. */
const char *option_hint(const char *given, const struct option *longopts,
			char *buf, size_t len);

#endif
