/* A minimal test harness: CHECK macros count results, check_summary()
 * prints "N passed, N failed" and gives the exit status. */
#ifndef SHOJI_TEST_CHECK_H
#define SHOJI_TEST_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned check_passed, check_failed;

static inline bool check_result(bool ok, const char *file, int line,
				const char *what)
{
	if (ok) {
		check_passed++;
	} else {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

#define CHECK(cond) check_result((cond), __FILE__, __LINE__, #cond)

#define CHECK_U64(actual, expected)                                          \
	do {                                                                 \
		uint64_t a_ = (actual), e_ = (expected);                     \
		if (!check_result(a_ == e_, __FILE__, __LINE__, #actual))    \
			fprintf(stderr, "  got 0x%" PRIx64 ", want 0x%" PRIx64 \
					"\n", a_, e_);                       \
	} while (0)

#define CHECK_STR(actual, expected)                                          \
	do {                                                                 \
		const char *a_ = (actual), *e_ = (expected);                 \
		bool ok_ = a_ && strcmp(a_, e_) == 0;                        \
		if (!check_result(ok_, __FILE__, __LINE__, #actual))         \
			fprintf(stderr, "  got  '%s'\n  want '%s'\n",        \
				a_ ? a_ : "(null)", e_);                     \
	} while (0)

static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
