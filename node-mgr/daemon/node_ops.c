/* What the manager does to one node through node0's kernel: load and
 * start it, stop it, map its control page, and use its command channel.
 * The caller holds the node's op lock (or chan lock for the channel). */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/ctl_channel.h"
#include "daemon/clock.h"
#include "daemon/events.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"
#include "daemon/partition.h"
#include "loader/kmsg.h"
#include "loader/load.h"

int node_map(struct manager *m, struct node_rec *n)
{
	void *p;

	if (n->page)
		return 0;
	p = mmap(NULL, SHOJI_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 m->dev, (off_t)n->id * SHOJI_CONTROL_SIZE);
	if (p == MAP_FAILED)
		return -1;
	n->page = p;
	return 0;
}

struct devices_of {
	struct node_rec *n;
	struct partition_take *take;	/* NULL: the partition was taken */
	struct reply *r;
};

/* The partition is taken, the resets the node's stop or the take began
 * are over, the devices off */
static int prepare_devices(void *arg)
{
	struct devices_of *d = arg;

	if (d->take && partition_take_end(d->take))
		return -1;
	partition_reset_end(d->n, d->r);
	partition_quiesce(d->n, d->r);
	return 0;
}

/* A load request is big: not on the stack of the threads shoji up loads
 * nodes from. NULL if there is no memory for it. */
static struct load_req *load_req_of(struct manager *m, unsigned node,
				    char *err, size_t errlen)
{
	struct load_req *req = calloc(1, sizeof(*req));
	int ret;

	if (!req) {
		snprintf(err, errlen, "no memory for its load");
		return NULL;
	}
	mgr_lock(m);
	ret = m->plan ? load_req_from_plan_node(req, m->plan, node, err,
						errlen)
		      : -1;
	if (!m->plan)
		snprintf(err, errlen, "no plan is up");
	mgr_unlock(m);
	if (ret) {
		free(req);
		return NULL;
	}
	return req;
}

void node_kernel_warm(struct manager *m, unsigned node)
{
	struct load_req *req;
	char err[1024];

	/* What fails here fails the load again, which says why */
	req = load_req_of(m, node, err, sizeof(err));
	if (req)
		sl_warm_kernel(m->dev, req, &m->kernel_cache, err,
			       sizeof(err));
	free(req);
}

int node_load_start(struct manager *m, struct node_rec *n,
		    struct partition_take *take, struct reply *r)
{
	struct shoji_start start = { .size = sizeof(start), .node = n->id };
	struct load_req *req = NULL;
	struct sl_load_result res;
	struct devices_of devices;
	const struct pci_detached *devs;
	char err[1024];
	unsigned i, nr_devs;
	int ret = -1, kmsg = -1;

	req = load_req_of(m, n->id, err, sizeof(err));
	if (!req) {
		reply_err(r, "shoji: node%u: %s\n", n->id, err);
		goto out;
	}
	/* The devices as partition setup found them (a plan may name them
	 * by vendor:device) */
	devs = take ? take->devices : n->pci;
	nr_devs = take ? take->nr_devices : n->nr_pci;
	for (i = 0; i < nr_devs && i < SHOJI_MAX_PCI; i++)
		pci_detached_dev(&devs[i], &req->n.pci[i]);
	req->n.nr_pci = i;
	req->partition_taken_meanwhile = take != NULL;
	devices = (struct devices_of){ .n = n, .take = take, .r = r };
	req->prepare_devices = prepare_devices;
	req->prepare_devices_arg = &devices;
	if (sl_load_node(m->dev, req, 0, &m->kernel_cache, &res, err,
			 sizeof(err))) {
		reply_err(r, "shoji: %s\n", err);
		goto out;
	}
	if (!res.decompressed && !req->compressed) {
		char name[16];

		snprintf(name, sizeof(name), "node%u", n->id);
		event_log(m, name, "kernel loaded %s", res.kernel_form);
	}
	if (node_map(m, n)) {
		reply_err(r, "shoji: node%u: cannot map its control page: %s\n",
			  n->id, strerror(errno));
		goto out;
	}
	kmsg = sl_kmsg_open();
	if (ioctl(m->dev, SHOJI_IOC_START, &start)) {
		int e = errno;

		sl_kmsg_reason(kmsg, n->id, err, sizeof(err));
		kmsg = -1;
		reply_err(r, "shoji: node%u: cannot start: %s%s%s\n", n->id,
			  strerror(e), err[0] ? "; node0's kernel says: " : "",
			  err);
		goto out;
	}
	mgr_lock(m);
	n->pci_confined = res.nr_pci_confined;
	n->pci_remapped = res.nr_pci_remapped;
	n->started_at = time(NULL);
	mono_now(&n->started_mono);
	n->heartbeat_moved = n->started_mono;
	n->last_heartbeat = 0;
	n->agent_heard = false;
	n->agent_seq = 0;
	memset(&n->report, 0, sizeof(n->report));
	n->wanted = true;
	n->boots++;
	mgr_unlock(m);
	reply_out(r, "node%u: loaded (kernel at %#llx, initrd %zu bytes) and started on CPU %u\n",
		  n->id, (unsigned long long)res.kernel, res.initrd_size,
		  req->cpus[0]);
	if (res.nr_pci && res.nr_pci_confined == res.nr_pci)
		reply_out(r, "node%u: node0's IOMMU confines the DMA of its PCI devices to its memory\n",
			  n->id);
	else if (res.nr_pci)
		reply_out(r, "node%u: no IOMMU translates its PCI devices: their DMA is not confined\n",
			  n->id);
	if (res.nr_pci && res.nr_pci_remapped == res.nr_pci)
		reply_out(r, "node%u: its PCI devices interrupt it through remapping entries node0's IOMMU lends it\n",
			  n->id);
	ret = 0;
out:
	/* A load that failed before it waited for the partition and the
	 * resets waits for them here, and reports them */
	if (take)
		partition_take_end(take);
	partition_reset_end(n, r);
	if (kmsg >= 0)
		close(kmsg);
	free(req);
	return ret;
}

int node_halt(struct manager *m, struct node_rec *n, uint64_t timeout_ms,
	      struct reply *r)
{
	struct shoji_stop st = { .size = sizeof(st), .node = n->id };

	st.timeout_ms = timeout_ms > UINT32_MAX ? UINT32_MAX
						 : (uint32_t)timeout_ms;
	if (ioctl(m->dev, SHOJI_IOC_STOP, &st)) {
		if (errno == ENOENT)
			return 0;	/* never registered: nothing runs */
		/* EIO: some CPU did not take INIT; the page says which */
		if (errno == EIO && n->page) {
			struct ctl_copy copy;
			struct ctl_view v;

			ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
			if (ctl_read(&copy, &v))
				reply_err(r, "shoji: node%u: cannot stop: %s\n",
					  n->id, v.reason);
			else
				reply_err(r, "shoji: node%u: cannot stop: some CPU did not take INIT, and its control page is invalid: %s\n",
					  n->id, v.why);
			return -1;
		}
		reply_err(r, "shoji: node%u: cannot stop: %s\n", n->id,
			  strerror(errno));
		return -1;
	}
	return 0;
}

int node_stop(struct manager *m, struct node_rec *n, uint64_t timeout_ms,
	      struct reply *r)
{
	if (node_halt(m, n, timeout_ms, r))
		return -1;
	/* Its CPUs are parked or reset: nothing drives its devices now.
	 * Whatever uses them next waits for their reset
	 * (partition_reset_end). */
	partition_reset_begin(n, r);
	return 0;
}

int node_channel(struct manager *m, struct node_rec *n, const char *cmd,
		 double timeout_s, bool wait_for_channel, char *out,
		 size_t *outlen, char *err, size_t errlen)
{
	static __thread struct ctl_copy copy;
	struct ctl_view v;
	bool locked;
	int ret = -1;

	*outlen = 0;
	if (!n->page) {
		snprintf(err, errlen, "node%u is not loaded", n->id);
		return -1;
	}
	if (strlen(cmd) >= SHOJI_CMD_LEN) {
		snprintf(err, errlen, "the command is longer than %d bytes",
			 SHOJI_CMD_LEN - 1);
		return -1;
	}
	if (!wait_for_channel) {
		if (pthread_mutex_trylock(&n->chan))
			return -2;
	} else {
		pthread_mutex_lock(&n->chan);
	}
	/* n->chan keeps this manager's threads apart; the node's byte lock
	 * on the manager's own open of the device keeps shoji-load exec out */
	locked = m->dev >= 0 && ctl_lock_node(m->dev, n->id) == 0;
	/* The agent answers one request at a time: while it works on a
	 * command it cannot report, and that is no sign of trouble. */
	mgr_lock(m);
	n->in_command = strcmp(cmd, AGENT_REPORT_REQUEST) != 0;
	mgr_unlock(m);
	switch (ctl_ask(n->page, cmd, timeout_s, 10, &copy, &v)) {
	case CTL_ANSWERED:
		*outlen = ctl_reply(&copy, &v, out, SHOJI_REPLY_LEN);
		ret = v.reply_status < 0 ? 255
			: v.reply_status > 255 ? 255 : v.reply_status;
		break;
	case CTL_PAGE_INVALID:
		snprintf(err, errlen, "its control page is invalid: %s", v.why);
		break;
	case CTL_NOT_RUNNING:
		snprintf(err, errlen, "the node is %s%s%s",
			 ctl_state_name(v.state), v.reason[0] ? ": " : "",
			 v.reason);
		break;
	case CTL_NO_ANSWER:
		snprintf(err, errlen, "no answer from the node's agent within %.0f s",
			 timeout_s);
		break;
	case CTL_TOO_LONG:
		snprintf(err, errlen, "the command is longer than %d bytes",
			 SHOJI_CMD_LEN - 1);
		break;
	}
	mgr_lock(m);
	n->in_command = false;
	if (ret >= 0 && n->agent_heard)
		mono_now(&n->agent_moved);	/* it answered: it is alive */
	mgr_unlock(m);
	if (locked)
		ctl_unlock_node(m->dev, n->id);
	pthread_mutex_unlock(&n->chan);
	return ret;
}
