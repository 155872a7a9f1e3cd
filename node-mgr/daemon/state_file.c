#include "daemon/state_file.h"

#include <stdlib.h>
#include <string.h>

int state_file_write(FILE *f, const struct state_file *s)
{
	fprintf(f, STATE_FILE_MAGIC "\n");
	if (s->plan_path[0])
		fprintf(f, "plan %s\n", s->plan_path);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		const struct state_node *n = &s->nodes[i];

		if (!n->listed)
			continue;
		fprintf(f, "node %u %d %d %u %u %lld %d %lld\n", i,
			n->partitioned, n->wanted, n->restarts, n->failures,
			n->started_at, n->health, n->last_failure_at);
		for (unsigned c = 0; c < n->nr_cpus; c++)
			fprintf(f, "cpu %u %u %d\n", i, n->cpus[c],
				n->cpu_was_online[c]);
		for (unsigned d = 0; d < n->nr_pci; d++)
			fprintf(f, "pci %u %s %s\n", i, n->pci[d].address,
				n->pci[d].driver[0] ? n->pci[d].driver : "-");
		if (n->last_failure[0])
			fprintf(f, "failure %u %s\n", i, n->last_failure);
		fprintf(f, "dma %u %u %u\n", i, n->pci_confined,
			n->pci_remapped);
	}
	for (size_t i = 0; i < s->guest_count; i++)
		fprintf(f, "guest %s %d %d\n", s->guests[i].name,
			s->guests[i].held_down, s->guests[i].started);
	return ferror(f) ? -1 : 0;
}

static int add_guest(struct state_file *s, const char *name, int held,
		     int started)
{
	struct state_guest *grown;

	grown = realloc(s->guests, (s->guest_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	s->guests = grown;
	grown = &s->guests[s->guest_count++];
	snprintf(grown->name, sizeof(grown->name), "%s", name);
	grown->held_down = held;
	grown->started = started;
	return 0;
}

/* One line after the plan line, without its newline */
static int parse_line(const char *line, struct state_file *s)
{
	char word[16], addr[16], drv[64], gname[PLAN_GUEST_NAME_MAX + 1];
	unsigned id, a, b;
	int p, w, h, on, fields;
	long long t, ft;
	struct state_node *n;

	if (sscanf(line, "guest %32s %d %d", gname, &p, &w) == 3)
		return add_guest(s, gname, p, w);
	if (sscanf(line, "%15s %u", word, &id) != 2 || !id ||
	    id >= PLAN_MAX_NODES)
		return 0;
	n = &s->nodes[id];
	if (!strcmp(word, "node") &&
	    sscanf(line, "node %u %d %d %u %u %lld %d %lld", &id, &p, &w, &a,
		   &b, &t, &h, &ft) == 8) {
		n->listed = true;
		n->partitioned = p;
		n->wanted = w;
		n->restarts = a;
		n->failures = b;
		n->started_at = t;
		n->health = h;
		n->last_failure_at = ft;
	} else if (!strcmp(word, "cpu") &&
		   sscanf(line, "cpu %u %u %d", &id, &a, &on) == 3 &&
		   n->nr_cpus < SHOJI_MAX_CPUS) {
		n->cpu_was_online[n->nr_cpus] = on;
		n->cpus[n->nr_cpus++] = a;
	} else if (!strcmp(word, "pci") &&
		   sscanf(line, "pci %u %15s %63s", &id, addr, drv) == 3 &&
		   n->nr_pci < SHOJI_MAX_PCI) {
		snprintf(n->pci[n->nr_pci].address,
			 sizeof(n->pci[0].address), "%s", addr);
		snprintf(n->pci[n->nr_pci].driver, sizeof(n->pci[0].driver),
			 "%s", strcmp(drv, "-") ? drv : "");
		n->nr_pci++;
	} else if (!strcmp(word, "dma") &&
		   (fields = sscanf(line, "dma %u %u %u", &id, &a, &b)) >= 2) {
		n->pci_confined = a;
		/* Managers before interrupt remapping wrote no third number */
		n->pci_remapped = fields == 3 ? b : 0;
	} else if (!strcmp(word, "failure")) {
		const char *text = strchr(line + strlen("failure "), ' ');

		/* the last failure line wins, whole: no bytes of an earlier
		 * one stay behind */
		if (text) {
			memset(n->last_failure, 0, sizeof(n->last_failure));
			snprintf(n->last_failure, sizeof(n->last_failure),
				 "%s", text + 1);
		}
	}
	return 0;
}

int state_file_parse(const char *text, struct state_file *s)
{
	const char *line = text, *end;
	char buf[PATH_MAX + 64];
	size_t len;
	int nr = 0;

	memset(s, 0, sizeof(*s));
	for (; *line; line = *end ? end + 1 : end, nr++) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		len = (size_t)(end - line);
		/* A line longer than any the manager writes is no fact */
		if (len >= sizeof(buf)) {
			if (nr < 2)
				goto not_state;
			continue;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (nr == 0) {
			if (strcmp(buf, STATE_FILE_MAGIC))
				goto not_state;
		} else if (nr == 1) {
			if (strncmp(buf, "plan ", 5) || !buf[5] ||
			    len - 5 >= sizeof(s->plan_path))
				goto not_state;
			memcpy(s->plan_path, buf + 5, len - 5 + 1);
		} else if (parse_line(buf, s)) {
			goto not_state;
		}
	}
	if (nr >= 2)
		return 0;
not_state:
	state_file_free(s);
	memset(s, 0, sizeof(*s));
	return -1;
}

void state_file_free(struct state_file *s)
{
	free(s->guests);
	s->guests = NULL;
	s->guest_count = 0;
}
