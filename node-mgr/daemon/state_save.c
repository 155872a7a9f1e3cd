/* Saving the state file: what a new manager reads to find the nodes this
 * one left running and to give their CPUs and devices back. Its form is
 * state_file.h's; this writes it, whole, as STATE_DIR/state.
 *
 * mgr_unlock (manager_lock.c) calls state_flush_to after a holder of
 * m->lock changed what the file keeps (state_changed). save_lock, taken
 * before m->lock, makes one writer at a time and never writes an older
 * snapshot after a newer one. A failure is said in the journal (events.c)
 * once, until a save succeeds again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/events.h"
#include "daemon/manager.h"
#include "daemon/state_file.h"
#include "daemon/state_save.h"

/* m->lock held. The manager's records as the state file keeps them;
 * NULL without memory (errno set). */
static struct state_file *state_snapshot(struct manager *m)
{
	struct state_file *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (m->plan)
		snprintf(s->plan_path, sizeof(s->plan_path), "%s",
			 m->plan_path);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		const struct node_rec *n = &m->nodes[i];
		struct state_node *sn = &s->nodes[i];

		if (!n->in_plan)
			continue;
		sn->listed = true;
		sn->partitioned = n->partitioned;
		sn->wanted = n->wanted || n->restart_pending;
		sn->restarts = n->restarts;
		sn->failures = n->failures;
		sn->started_at = (long long)n->started_at;
		sn->health = (int)n->health;
		sn->last_failure_at = (long long)n->last_failure_at;
		sn->nr_cpus = n->nr_cpus;
		memcpy(sn->cpus, n->cpus, sizeof(sn->cpus));
		memcpy(sn->cpu_was_online, n->cpu_was_online,
		       sizeof(sn->cpu_was_online));
		sn->nr_pci = n->nr_pci;
		memcpy(sn->pci, n->pci, sizeof(sn->pci));
		snprintf(sn->last_failure, sizeof(sn->last_failure), "%s",
			 n->last_failure);
		sn->pci_confined = n->pci_confined;
		sn->pci_remapped = n->pci_remapped;
	}
	if (m->guest_count) {
		s->guests = calloc(m->guest_count, sizeof(*s->guests));
		if (!s->guests) {
			free(s);
			return NULL;
		}
		s->guest_count = m->guest_count;
	}
	for (size_t i = 0; i < m->guest_count; i++) {
		snprintf(s->guests[i].name, sizeof(s->guests[i].name), "%s",
			 m->guests[i].name);
		s->guests[i].held_down = m->guests[i].held_down;
		s->guests[i].started = m->guests[i].started_boot != UINT_MAX;
	}
	return s;
}

/* The errno of this thread's last state file write, 0 if it succeeded:
 * a command tells its caller when its effect could not be saved. */
static __thread int save_errno;

/* The changes to what the state file keeps (m->state_gen) that the file
 * holds, or that its last write tried to save (save_lock) */
static uint64_t saved_gen;
static int saved_errno;
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;

int state_save_failure(void)
{
	return save_errno;
}

void state_save_failure_said(void)
{
	save_errno = 0;
}

/* A renamed file is only there after a crash once its directory is
 * synced too. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	if (ret) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* Writes state to the state file; on failure *step and *what say what
 * failed, with errno. save_lock held, not m->lock. */
static int state_write(struct manager *m, const struct state_file *state,
		       const char **step, const char **what)
{
	static char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	int written, e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/state", m->state_dir);
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", m->state_dir);
	*step = "create";
	*what = tmp;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	written = state_file_write(f, state);
	*step = "write";
	if (written || fflush(f)) {
		e = errno ? errno : EIO;
		fclose(f);
		errno = e;
		goto fail_written;
	}
	*step = "fsync";
	if (fsync(fileno(f))) {
		e = errno;
		fclose(f);
		errno = e;
		goto fail_written;
	}
	*step = "close";
	if (fclose(f))
		goto fail_written;
	*step = "rename";
	if (rename(tmp, path))
		goto fail_written;
	*step = "fsync";
	*what = m->state_dir;
	return sync_dir(m->state_dir);

fail_written:
	e = errno;
	unlink(tmp);
	errno = e;
	return -1;
}

/*
 * What a new manager reads to give node CPUs and devices back, so a
 * failure to write it is said in the journal (once, until a save
 * succeeds again) and to the caller. Writes a snapshot taken now, under
 * save_lock: a write never replaces a newer snapshot by an older one,
 * and a caller whose change a concurrent write already saved gets that
 * write's result.
 */
int state_flush_to(struct manager *m, uint64_t want)
{
	static int failed_errno;
	const char *step = "create", *what = m->state_dir;
	struct state_file *state;
	uint64_t gen;
	int ret = 0, e;

	pthread_mutex_lock(&save_lock);
	if (saved_gen >= want) {
		/* a write since the change saved it, or tried to */
		e = saved_errno;
		pthread_mutex_unlock(&save_lock);
		save_errno = e;
		errno = e;
		return e ? -1 : 0;
	}
	pthread_mutex_lock(&m->lock);
	state = state_snapshot(m);
	gen = m->state_gen;
	pthread_mutex_unlock(&m->lock);
	if (!state || state_write(m, state, &step, &what))
		ret = -1;
	e = ret ? errno : 0;
	if (state) {
		state_file_free(state);
		free(state);
	}
	/* a snapshot that could not be made counts nothing as saved */
	if (state)
		__atomic_store_n(&saved_gen, gen, __ATOMIC_RELEASE);
	saved_errno = e;
	if (e && failed_errno != e)
		event_log(m, "manager", "cannot save the state (%s %s): %s; a new manager would not find the nodes",
			  step, what, strerror(e));
	else if (!e && failed_errno)
		event_log(m, "manager", "state saved again in %s/state",
			  m->state_dir);
	failed_errno = e;
	pthread_mutex_unlock(&save_lock);
	save_errno = e;
	errno = e;
	return ret;
}

int state_flush(struct manager *m)
{
	uint64_t want;

	pthread_mutex_lock(&m->lock);
	want = m->state_gen;
	pthread_mutex_unlock(&m->lock);
	return state_flush_to(m, want);
}
