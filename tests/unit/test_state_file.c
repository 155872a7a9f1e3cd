/* Unit tests of daemon/state_file.c: the manager's state file, written and
 * read */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/state_file.h"

#include "check.h"

static const char saved[] =
	"shoji-state 1\n"
	"plan /etc/shoji/server.ini\n"
	"node 1 1 1 2 1 1700000000 2 1699999000\n"
	"cpu 1 2 1\n"
	"cpu 1 3 0\n"
	"pci 1 0000:00:03.0 nvme\n"
	"pci 1 0000:00:05.0 -\n"
	"failure 1 crashed: Kernel panic - not syncing: sysrq triggered crash\n"
	"dma 1 2 2\n"
	"node 2 1 0 0 0 0 0 0\n"
	"cpu 2 4 1\n"
	"dma 2 0 0\n"
	"guest g1 0 1\n"
	"guest g2 1 0\n";

static char *written(const struct state_file *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || state_file_write(f, s) || fclose(f)) {
		perror("open_memstream");
		exit(1);
	}
	return text;
}

static void test_round_trip(void)
{
	struct state_file *s = malloc(sizeof(*s));
	const struct state_node *n1, *n2;
	char *text;

	CHECK(s && state_file_parse(saved, s) == 0);
	CHECK_STR(s->plan_path, "/etc/shoji/server.ini");
	n1 = &s->nodes[1];
	n2 = &s->nodes[2];
	CHECK(n1->listed && n1->partitioned && n1->wanted);
	CHECK(n1->restarts == 2 && n1->failures == 1 && n1->health == 2);
	CHECK(n1->started_at == 1700000000 && n1->last_failure_at == 1699999000);
	CHECK(n1->nr_cpus == 2 && n1->cpus[0] == 2 && n1->cpus[1] == 3);
	CHECK(n1->cpu_was_online[0] && !n1->cpu_was_online[1]);
	CHECK(n1->nr_pci == 2);
	CHECK_STR(n1->pci[1].address, "0000:00:05.0");
	CHECK_STR(n1->pci[0].driver, "nvme");
	CHECK_STR(n1->pci[1].driver, "");
	CHECK_STR(n1->last_failure,
		  "crashed: Kernel panic - not syncing: sysrq triggered crash");
	CHECK(n1->pci_confined == 2 && n1->pci_remapped == 2);
	CHECK(n2->listed && !n2->wanted && n2->nr_cpus == 1);
	CHECK(!s->nodes[3].listed);
	CHECK(s->guest_count == 2);
	CHECK_STR(s->guests[1].name, "g2");
	CHECK(s->guests[1].held_down && !s->guests[1].started);
	CHECK(!s->guests[0].held_down && s->guests[0].started);

	/* what it writes is what it read */
	text = written(s);
	CHECK_STR(text, saved);
	free(text);
	state_file_free(s);
	free(s);
}

static void test_not_state(void)
{
	struct state_file *s = malloc(sizeof(*s));

	CHECK(s != NULL);
	CHECK(state_file_parse("", s) == -1);
	CHECK(state_file_parse("shoji-state 2\nplan /p.ini\n", s) == -1);
	CHECK(state_file_parse("shoji-state 1\n", s) == -1);
	/* no plan is up: nothing to give back */
	CHECK(state_file_parse("shoji-state 1\nnode 1 1 1 0 0 0 0 0\n", s) == -1);
	CHECK(state_file_parse("shoji-state 1\nplan \n", s) == -1);
	CHECK(s->guest_count == 0 && !s->nodes[1].listed);
	free(s);
}

static void test_skipped_lines(void)
{
	struct state_file *s = malloc(sizeof(*s));
	char *text, *p;
	size_t len;

	CHECK(s != NULL);
	/* ids out of range, lines cut short, words it does not know, and a
	 * file whose last line has no newline */
	CHECK(state_file_parse("shoji-state 1\nplan /p.ini\n"
			       "node 0 1 1 0 0 0 0 0\n"
			       "node 64 1 1 0 0 0 0 0\n"
			       "node 1 1 1 0 0\n"
			       "cpu 1\n"
			       "pci 1 0000:00:03.0\n"
			       "weather 1 fine\n"
			       "failure 1\n"
			       "dma 1 1\n"
			       "cpu 2 5 1", s) == 0);
	CHECK(!s->nodes[1].listed && s->nodes[1].nr_cpus == 0);
	CHECK(s->nodes[1].nr_pci == 0 && !s->nodes[1].last_failure[0]);
	/* an old manager's dma line: confined, nothing remapped */
	CHECK(s->nodes[1].pci_confined == 1 && s->nodes[1].pci_remapped == 0);
	CHECK(s->nodes[2].nr_cpus == 1 && s->nodes[2].cpus[0] == 5);
	state_file_free(s);

	/* more CPU lines than a node has room for are dropped */
	len = 64 + 16 * (SHOJI_MAX_CPUS + 4);
	text = malloc(len);
	CHECK(text != NULL);
	p = text + sprintf(text, "shoji-state 1\nplan /p.ini\n");
	for (unsigned c = 0; c < SHOJI_MAX_CPUS + 4; c++)
		p += sprintf(p, "cpu 1 %u 1\n", c);
	CHECK(state_file_parse(text, s) == 0);
	CHECK(s->nodes[1].nr_cpus == SHOJI_MAX_CPUS);
	free(text);
	state_file_free(s);
	free(s);
}

int main(void)
{
	test_round_trip();
	test_not_state();
	test_skipped_lines();
	return check_summary();
}
