/* Error collection and the nearest-name suggestion. */
#include <stdlib.h>

#include "common/diag.h"

#include "check.h"
#include "fixture.h"

static void test_edit_distance(void)
{
	CHECK(edit_distance("", "") == 0);
	CHECK(edit_distance("cpus", "cpus") == 0);
	CHECK(edit_distance("cpu", "cpus") == 1);
	CHECK(edit_distance("nod1", "node1") == 1);
	CHECK(edit_distance("memroy", "memory") == 1); /* transposition */
	CHECK(edit_distance("kernal", "kernel") == 1);
	CHECK(edit_distance("abc", "") == 3);
	CHECK(edit_distance("", "abc") == 3);
	CHECK(edit_distance("kitten", "sitting") == 3);
}

static void test_nearest_name(void)
{
	static const char *const keys[] = { "cpus", "memory", "lowmem",
					    "kernel", "initrd", "restart",
					    "restart_max" };
	size_t n = sizeof(keys) / sizeof(*keys);
	char long_word[200];

	CHECK_STR(nearest_name("cpu", keys, n), "cpus");
	CHECK_STR(nearest_name("memroy", keys, n), "memory");
	CHECK_STR(nearest_name("restart_mx", keys, n), "restart_max");
	CHECK_STR(nearest_name("initrdd", keys, n), "initrd");
	CHECK(nearest_name("uart", keys, n) == NULL);
	CHECK(nearest_name("x", keys, n) == NULL);
	CHECK(nearest_name("", keys, n) == NULL);
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	CHECK(nearest_name(long_word, keys, n) == NULL);
}

static void test_sorting_and_format(void)
{
	struct diag d;
	char *text;

	diag_init(&d);
	diag_add(&d, 9, "third");
	diag_add(&d, 2, "first");
	diag_add(&d, 0, "plan-wide");
	diag_add(&d, 9, "fourth");
	diag_add(&d, 3, "ctrl\001char");
	CHECK(diag_errors(&d) == 5);
	CHECK(!diag_failed(&d));
	text = fixture_render(&d);
	CHECK_STR(text, "p.ini: plan-wide\n"
			"p.ini:2: first\n"
			"p.ini:3: ctrl?char\n"
			"p.ini:9: third\n"
			"p.ini:9: fourth\n");
	free(text);
	diag_fail(&d, "first failure %d", 1);
	diag_fail(&d, "second failure");
	CHECK(diag_failed(&d));
	CHECK_STR(d.failure, "first failure 1");
	diag_free(&d);
	CHECK(diag_errors(&d) == 0 && !diag_failed(&d));
}

static void test_many_errors(void)
{
	struct diag d;

	diag_init(&d);
	for (unsigned i = 0; i < 1000; i++)
		diag_add(&d, 1000 - i, "error %u", i);
	CHECK(diag_errors(&d) == 1000);
	CHECK(!d.out_of_memory);
	diag_free(&d);
}

int main(void)
{
	test_edit_distance();
	test_nearest_name();
	test_sorting_and_format();
	test_many_errors();
	return check_summary();
}
