/* The node manager daemon: its nodes, their health and what it keeps on
 * disk.
 *
 * Threads: the main thread accepts commands, one thread per command
 * (daemon.c; the handlers are in cmd_*.c and guests.c); the watcher
 * looks at every node ten times a second (health.c), the agent poller
 * asks agents for reports, the guest poller looks at guests (guests.c),
 * the DMA fault reader reads /dev/kmsg (dma_watch.c); a forced stop or a
 * restart after a failure runs in a thread of its own, holding the
 * node's op lock.
 *
 * There is one manager, struct manager, and only daemon.c names it: it
 * hands it down. Every function that needs it takes it first, as m. A
 * thread gets it with what it is started with: the watcher, the pollers
 * and the DMA fault reader as their argument, a command's thread with its
 * connection, a node's forced stop or restart from the node
 * (n->manager).
 *
 * Locks, outermost first: a thread takes a lock only while it holds
 * none listed below it.
 *
 *   n->op        one node's long operations: partition changes, load,
 *                start, stop, the forced stop and restart after a
 *                failure. May block on anything: ioctls, sysfs, files.
 *   guest_op     (guests.c) what is done to guests: the poller's passes
 *                and shoji guest. May block like n->op. Never held with
 *                an n->op, either way round.
 *   n->chan      the node's command channel (node_channel). Blocks on
 *                the agent and on the node's byte lock of /dev/shoji
 *                (ctl_lock_node), which shoji-load exec takes too.
 *   req_lock     (node_ops.c) the one load request buffer; held across
 *                a load.
 *   save_lock    (state_save.c) the state file: one writer at a time, and
 *                never an older snapshot after a newer one.
 *   event_lock   (events.c) the journal and kept logs, written in the
 *                order they were queued.
 *   m->lock      every node and guest record, the plan, the state's
 *                change count. Memory only: no file, socket or device
 *                I/O and no sleep under it. What a holder decides to
 *                write (journal lines, kept logs, the state file) is
 *                queued or counted and written by mgr_unlock after it
 *                releases the lock; replies to commands are held in
 *                memory (reply_hold) and sent once it is released.
 *   queue_lock   (events.c) the queue of journal lines and kept logs.
 *   m->poller_lock  whether the agent poller was woken (health.c).
 *
 * So status always answers and the watcher never waits for a disk or a
 * command's reader: operations that take long hold only their node's
 * op lock (or guest_op, or chan) and take m->lock for moments. Take
 * and release m->lock with mgr_lock and mgr_unlock only
 * (manager_lock.h).
 *
 * Files, lowest first. A file calls, and includes the header of, only
 * files listed before it, and the room's files that call none of these
 * (state_file, the state file's form; restart_policy; dma_fault, the
 * reading of a DMA fault line). Each declares what it offers in its own
 * header, daemon/NAME.h; this one declares the records.
 *
 *   clock.c         the monotonic clock: mono_now, mono_ms, mono_ms_since
 *   manager.c       what the records say: health_name, guest_state_name,
 *                   plan_node_of, parse_node_name
 *   events.c        the journal and kept logs; only queued while the
 *                   thread holds m->lock (mgr_lock tells it: event_hold)
 *   state_save.c    writing the state file: state_flush_to, state_flush,
 *                   state_save_failure
 *   manager_lock.c  m->lock: mgr_lock, mgr_unlock, which writes the
 *                   journal queue, then the state file, once the lock is
 *                   released; cmd_lock, cmd_unlock, state_changed
 *   partition.c     a node's CPUs and devices, taken from node0 and
 *                   given back
 *   node_ops.c      load and start, stop, the control page, the command
 *                   channel
 *   health.c        the watcher, the agent poller, restarts
 *   guests.c        the guests, their poller, shoji guest
 *   status_json.c   shoji status: the table and the JSON
 *   dma_watch.c     the DMA fault reader
 *   plan_adopt.c    the plan that is up: read and checked, adopted,
 *                   dropped
 *   state_restore.c reading the state file back at start-up
 *   node_cycle.c    one node brought up or taken down for a command, and
 *                   the wait until it runs
 *   cmd_up_down.c   shoji up, shoji down
 *   cmd_lifecycle.c shoji start, stop, restart
 *   cmd_status.c    shoji status (status_json.c writes it)
 *   cmd_logs.c      shoji logs, shoji events
 *   cmd_exec.c      shoji exec
 *   daemon.c        start-up, the socket, each command's thread and the
 *                   table that hands it to its handler
 */
#ifndef SHOJI_MANAGER_H
#define SHOJI_MANAGER_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/ctl_view.h"
#include "daemon/state_file.h"
#include "loader/vmlinux.h"
#include "plan/plan.h"

/* The health of a node as the manager sees it */
enum health {
	H_STOPPED = 0,	/* not running (never started, stopped, taken down) */
	H_BOOTING,	/* started, agent not heard yet */
	H_RUNNING,	/* kernel heartbeat and agent reports move */
	H_DEGRADED,	/* kernel alive, agent silent */
	H_HUNG,		/* no kernel heartbeat for hung_timeout */
	H_CRASHED,	/* the node panicked */
	H_FAILED,	/* it will not be restarted (policy, limit, errors) */
};

const char *health_name(enum health h);

struct manager;

/* A function reset of one device of a node, in a thread of its own */
struct pci_reset {
	char address[16];	/* DDDD:BB:DD.F */
	pthread_t thread;
	bool running;		/* thread to join */
	bool pending;		/* begun, its outcome not reported yet */
	int err;		/* errno of the reset, 0 if it took */
};

struct node_rec {
	unsigned id;
	/* its manager: a thread that works on one node is given the node */
	struct manager *manager;
	bool in_plan;
	/* partition: what node0 gave up for this node */
	bool partitioned;
	unsigned cpus[SHOJI_MAX_CPUS];
	unsigned nr_cpus;
	bool cpu_was_online[SHOJI_MAX_CPUS];
	struct pci_detached pci[SHOJI_MAX_PCI];
	unsigned nr_pci;
	struct pci_reset resets[SHOJI_MAX_PCI];	/* under op */

	bool wanted;		/* the manager keeps it running */
	enum health health;
	time_t health_since;	/* wall clock of its last change of health;
				 * a new manager's start for what it found */
	char cause[256];	/* why it is in its state */
	char last_failure[256];	/* "" if none */
	time_t last_failure_at;
	unsigned restarts;	/* restarts done by the policy, in total */
	unsigned failures;	/* consecutive failures, against restart_max */
	time_t started_at;	/* wall clock of the last start, 0 if none */
	struct timespec started_mono;

	/* what the watcher saw */
	volatile void *page;	/* mapped control page, NULL if none */
	struct ctl_view view;
	uint32_t prev_state;	/* kernel state at the last tick */
	uint64_t last_heartbeat;
	struct timespec heartbeat_moved;
	bool agent_heard;
	uint64_t agent_seq;
	struct timespec agent_moved;
	struct agent_report report;
	struct timespec agent_asked;
	uint64_t failure_tsc;	/* TSC of the last failure, 0 if none */
	enum health failure_kind;

	unsigned boots;		/* loads and starts since the manager began */
	bool busy;		/* an operation holds op */
	bool in_command;	/* the agent works on a command (not a report) */
	bool restart_pending;
	bool reboot_pending;	/* the pending restart is a reboot it asked
				 * for, not a failure's */
	bool stopped_by_manager;	/* since it last ran: CPUs parked by
					 * the manager's stop, devices reset
					 * or resetting (resets[]); its next
					 * start needs no stop */
	unsigned pci_confined;	/* devices whose DMA node0's IOMMU confines */
	unsigned pci_remapped;	/* devices whose MSIs node0's IOMMU remaps */
	unsigned dma_faults;	/* DMAs of its devices the IOMMU blocked */
	uint64_t restart_at_ms;	/* on mono_ms's clock */
	pthread_mutex_t op;	/* held by load/start/stop/restart */
	pthread_mutex_t chan;	/* held while the command channel is used */
};

enum guest_state {
	G_STOPPED = 0,	/* not running (never started, stopped, ended) */
	G_RUNNING,	/* its QEMU runs on its node */
	G_DOWN,		/* its node is not running */
	G_FAILED,	/* it could not be started */
};

const char *guest_state_name(enum guest_state s);

struct guest_rec {
	char name[PLAN_GUEST_NAME_MAX + 1];
	unsigned node;
	enum guest_state state;
	char cause[256];
	long pid;		/* QEMU's pid on the node, 0 if unknown */
	time_t started_at;
	/* the node boot (node_rec.boots) it was last started in, UINT_MAX
	 * if never: an autostart guest starts once per boot of its node */
	unsigned started_boot;
	bool held_down;		/* shoji guest stop: no autostart */
	uint64_t console_off;	/* bytes of its console copied to node0 */
};

struct manager {
	pthread_mutex_t lock;
	/* The agent poller waits on poller_wake between passes; the watcher
	 * wakes it when a node's kernel starts running, so that the node's
	 * first report is asked for at once. */
	pthread_mutex_t poller_lock;
	pthread_cond_t poller_wake;
	bool poller_woken;
	int dev;		/* /dev/shoji, -1 if absent */
	uint32_t tsc_khz;
	char state_dir[PATH_MAX];
	char socket_path[PATH_MAX];
	char plan_path[PATH_MAX];	/* "" if no plan is up */
	struct plan *plan;
	bool bringing_up;	/* an up adopted plan and has not finished */
	bool taking_down;	/* a down began and has not finished */
	unsigned node_commands;	/* starts, stops and restarts under way */
	uint64_t hung_timeout_ms;
	uint64_t boot_timeout_ms;	/* from start to running with its agent */
	struct node_rec nodes[PLAN_MAX_NODES];
	struct guest_rec *guests;	/* the plan's guests, in its order */
	size_t guest_count;
	uint64_t state_gen;	/* changes to what the state file keeps */
	/* The last kernel node0 decompressed, for the next load of it;
	 * node_load_start's loads, one at a time, use it */
	struct sl_vmlinux_cache kernel_cache;
};

/* The plan's node id, NULL if no plan is up or it has no such node
 * (m->lock held) */
const struct plan_node *plan_node_of(struct manager *m, unsigned id);

struct reply;

/* m->lock held. The node a command names (node3 or 3) in the plan that
 * is up: 0, or -1 after saying why to r */
int parse_node_name(struct manager *m, const char *s, struct reply *r,
		    struct node_rec **out);

#endif
