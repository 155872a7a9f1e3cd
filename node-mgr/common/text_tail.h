/* The last lines of a text, as `tail -n` gives them: for the log lines
 * `shoji status NODE` shows. */
#ifndef SHOJI_TEXT_TAIL_H
#define SHOJI_TEXT_TAIL_H

#include <stddef.h>

/* Where the last `lines` lines of text (len bytes) start: 0 if it has no
 * more, len for 0 lines. A newline that ends the text ends its last line;
 * it does not start an empty one. */
size_t text_tail_start(const char *text, size_t len, unsigned lines);

#endif
