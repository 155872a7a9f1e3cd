/* The daemon's clock for intervals: CLOCK_MONOTONIC, which no change of
 * the wall clock moves. Times kept across manager restarts (the state
 * file, the journal) use the wall clock instead. */
#ifndef SHOJI_DAEMON_CLOCK_H
#define SHOJI_DAEMON_CLOCK_H

#include <stdint.h>
#include <time.h>

void mono_now(struct timespec *t);
uint64_t mono_ms(void);		/* CLOCK_MONOTONIC in milliseconds */
/* Milliseconds from t (mono_now's) to now */
double mono_ms_since(const struct timespec *t);

#endif
