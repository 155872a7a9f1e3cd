/* Partition setup on node0: a node's CPUs go offline (CPU hotplug), its
 * PCI devices leave node0's drivers (unbind, with driver_override set so
 * that nothing binds them again), and its memory must be reserved. Each
 * step is recorded so that it can be undone, in reverse order. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/sysroot.h"
#include "common/units.h"
#include "daemon/manager.h"
#include "daemon/partition.h"
#include "loader/machine.h"
#include "machine/pci_devices.h"

/* The command register of a PCI function and the bits partition_quiesce
 * turns off (I/O space, memory space, bus master) and on (INTx disable,
 * bit 10, in its second byte). */
#define PCI_COMMAND_OFFSET 4
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEMORY 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CMD_INTX_DISABLE_HI 0x4

/* No driver has this name: with it in driver_override, nothing binds. */
#define NO_DRIVER "shoji-node"

static int write_text(const char *path, const char *text)
{
	char *real = sysroot_path(path);
	int fd, ret = 0;
	ssize_t n;

	if (!real)
		return ENOMEM;
	fd = open(real, O_WRONLY | O_CLOEXEC);
	free(real);
	if (fd < 0)
		return errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		ret = errno;
	else if ((size_t)n != strlen(text))
		ret = EIO;
	close(fd);
	return ret;
}

static int cpu_online(unsigned cpu)
{
	char path[96], *text = NULL;
	int ret;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online",
		 cpu);
	if (sysroot_read(path, &text)) {
		/* No online file: the CPU cannot be hotplugged (CPU 0) */
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u",
			 cpu);
		return sysroot_read(path, &text) == ENOENT ? -1 : 1;
	}
	ret = text[0] == '1';
	free(text);
	return ret;
}

static int cpu_set_online(unsigned cpu, bool on)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online",
		 cpu);
	return write_text(path, on ? "1" : "0");
}

static void pci_driver(const char *addr, char *driver, size_t len)
{
	char path[128], link[PATH_MAX], *real, *base;
	ssize_t n;

	driver[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	real = sysroot_path(path);
	if (!real)
		return;
	n = readlink(real, link, sizeof(link) - 1);
	free(real);
	if (n < 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	n = (ssize_t)strnlen(base, len - 1);
	memcpy(driver, base, (size_t)n);
	driver[n] = '\0';
}

static int pci_detach(unsigned node, const char *addr, char *driver,
		      size_t len, struct reply *r)
{
	char path[128];
	int e;

	pci_driver(addr, driver, len);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 addr);
	e = write_text(path, NO_DRIVER);
	if (e) {
		reply_err(r, "shoji: node%u: PCI device %s: cannot set %s: %s\n",
			  node, addr, path, strerror(e));
		return -1;
	}
	if (driver[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
			 addr);
		e = write_text(path, addr);
		if (e) {
			reply_err(r, "shoji: node%u: PCI device %s: cannot unbind it from node0's driver %s: %s\n",
				  node, addr, driver, strerror(e));
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver_override", addr);
			write_text(path, "\n");
			return -1;
		}
	}
	return 0;
}

bool pci_detached_dev(const struct pci_detached *d, struct shoji_pci_dev *out)
{
	unsigned seg, bus, slot, fn;

	if (sscanf(d->address, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4)
		return false;
	out->seg = (uint16_t)seg;
	out->bus = (uint8_t)bus;
	out->devfn = (uint8_t)(slot << 3 | fn);
	return true;
}

/* Out of the node's IOMMU domain: node0's drivers may bind it again */
static void pci_release_dma(struct manager *m, unsigned node,
			    const struct pci_detached *d, struct reply *r)
{
	struct shoji_dma_device dev = { .size = sizeof(dev), .node = node };

	if (m->dev < 0 || !pci_detached_dev(d, &dev.dev))
		return;
	/* ENOENT: it was never confined (no IOMMU, or never loaded) */
	if (ioctl(m->dev, SHOJI_IOC_RELEASE_DMA, &dev) && errno != ENOENT)
		reply_err(r, "shoji: node%u: PCI device %s: node0's kernel cannot release its DMA: %s\n",
			  node, d->address, strerror(errno));
}

static void pci_attach(const struct pci_detached *d, struct reply *r)
{
	char path[128];
	int e;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 d->address);
	e = write_text(path, "\n");
	if (e)
		reply_err(r, "shoji: PCI device %s: cannot clear %s: %s\n",
			  d->address, path, strerror(e));
	if (!d->driver[0])
		return;
	e = write_text("/sys/bus/pci/drivers_probe", d->address);
	if (e)
		reply_err(r, "shoji: PCI device %s: cannot bind it to %s again: %s\n",
			  d->address, d->driver, strerror(e));
}

static bool range_reserved(const char *iomem, uint64_t start, uint64_t size)
{
	return sl_iomem_reserved(iomem, start, size);
}

/* The bus address of the device a vendor:device reference names */
static int pci_find(const struct pci_ref *ref, struct pci_ref *out)
{
	struct pci_device_list list = { 0 };
	struct diag d;
	int ret = -1;

	diag_init(&d);
	if (pci_devices_scan(&list, &d)) {
		for (size_t i = 0; i < list.count; i++) {
			if (pci_device_matches(&list.devices[i], ref)) {
				*out = list.devices[i].address;
				ret = 0;
				break;
			}
		}
		pci_devices_free(&list);
	}
	diag_free(&d);
	return ret;
}

/* The plan's devices, found on this machine (a plan may name them by
 * vendor:device), before any is taken: the node's image lists them. */
static int find_devices(struct partition_take *t, struct reply *r)
{
	const struct plan_node *pn = t->pn;

	if (pn->pci_count > SHOJI_MAX_PCI) {
		reply_err(r, "shoji: node%u: more than %d PCI devices\n",
			  t->n->id, SHOJI_MAX_PCI);
		return -1;
	}
	for (unsigned i = 0; i < pn->pci_count; i++) {
		const struct pci_ref *ref = &pn->pci[i].ref;
		struct pci_ref found;

		if (ref->by_id) {
			if (pci_find(ref, &found)) {
				reply_err(r, "shoji: node%u: no PCI device %04x:%04x on this machine\n",
					  t->n->id, ref->vendor, ref->device);
				return -1;
			}
			ref = &found;
		}
		memset(&t->devices[i], 0, sizeof(t->devices[i]));
		units_format_pci(ref, t->devices[i].address,
				 sizeof(t->devices[i].address));
	}
	t->nr_devices = (unsigned)pn->pci_count;
	return 0;
}

/* The node's devices taken from node0's drivers, then reset: they come
 * to the node as after a power-on, whatever node0's drivers left. The
 * resets run on while the image is copied (partition_reset_end). */
static void *take_devices(void *arg)
{
	struct partition_take *t = arg;
	struct node_rec *n = t->n;
	struct reply *r = &t->pci.r;

	t->pci.ret = 0;
	for (unsigned i = 0; i < t->nr_devices; i++) {
		struct pci_detached *d = &n->pci[n->nr_pci];

		*d = t->devices[i];
		if (pci_detach(n->id, d->address, d->driver,
			       sizeof(d->driver), r)) {
			t->pci.ret = -1;
			return NULL;
		}
		n->nr_pci++;
		reply_out(r, "node%u: PCI device %s detached from node0%s%s%s\n",
			  n->id, d->address, d->driver[0] ? " (driver " : "",
			  d->driver, d->driver[0] ? ")" : "");
	}
	partition_reset_begin(n, r);
	return NULL;
}

/* The node's CPUs taken offline in node0, in turn (node0's kernel takes
 * one at a time anyway) */
static int take_cpus(struct node_rec *n, const struct plan_node *pn,
		     struct reply *r)
{
	for (unsigned cpu = 0; cpu < CPUSET_MAX; cpu++) {
		int online, e;

		if (!cpuset_has(&pn->cpus, cpu))
			continue;
		if (n->nr_cpus >= SHOJI_MAX_CPUS) {
			reply_err(r, "shoji: node%u: more than %d CPUs\n",
				  n->id, SHOJI_MAX_CPUS);
			return -1;
		}
		online = cpu_online(cpu);
		if (online < 0) {
			reply_err(r, "shoji: node%u: CPU %u does not exist\n",
				  n->id, cpu);
			return -1;
		}
		n->cpus[n->nr_cpus] = cpu;
		n->cpu_was_online[n->nr_cpus] = online;
		n->nr_cpus++;
		if (!online)
			continue;
		e = cpu_set_online(cpu, false);
		if (e) {
			reply_err(r, "shoji: node%u: cannot take CPU %u offline in node0: %s\n",
				  n->id, cpu, strerror(e));
			n->cpu_was_online[n->nr_cpus - 1] = false;
			return -1;
		}
		reply_out(r, "node%u: CPU %u offline in node0\n", n->id, cpu);
	}
	return 0;
}

/*
 * CPU hotplug waits for RCU grace periods, several for each CPU: node0's
 * kernel takes a large node's CPUs offline one after the other, in
 * seconds. Expedited, a grace period ends in a fraction of the time, for
 * an IPI to each CPU node0 runs on; the CPUs of running nodes are offline
 * in node0 and get none. The kernel expedites them itself around
 * suspend; the manager does while it takes CPUs offline, and once no
 * node's CPUs go offline any more, sets back what it found.
 */
#define RCU_EXPEDITED "/sys/kernel/rcu_expedited"

static pthread_mutex_t expedite_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned expedite_users;
static bool expedite_undo;	/* it was off, and the manager set it */

static void rcu_expedite_begin(void)
{
	char *text = NULL;

	pthread_mutex_lock(&expedite_lock);
	if (!expedite_users++) {
		/* Without the file (a kernel with Tiny RCU) or the right to
		 * write it, hotplug just takes longer */
		expedite_undo = !sysroot_read(RCU_EXPEDITED, &text) &&
				text[0] == '0' && !write_text(RCU_EXPEDITED, "1");
		free(text);
	}
	pthread_mutex_unlock(&expedite_lock);
}

static void rcu_expedite_end(void)
{
	pthread_mutex_lock(&expedite_lock);
	if (!--expedite_users && expedite_undo)
		write_text(RCU_EXPEDITED, "0");
	pthread_mutex_unlock(&expedite_lock);
}

static void *take_cpus_step(void *arg)
{
	struct partition_take *t = arg;

	rcu_expedite_begin();
	t->cpus.ret = take_cpus(t->n, t->pn, &t->cpus.r);
	rcu_expedite_end();
	return NULL;
}

/* A step in a thread of its own, its messages held until
 * partition_take_end; without memory to hold them, frames of two threads
 * would mix on the connection, so it runs here and now. */
static void step_begin(struct partition_step *step,
		       void *(*run)(void *), struct partition_take *t)
{
	reply_hold(&step->r);
	step->threaded = step->r.hold &&
			 !pthread_create(&step->thread, NULL, run, t);
	if (!step->threaded)
		run(t);
}

int partition_take_begin(struct partition_take *t, struct manager *m,
			 struct node_rec *n, const struct plan_node *pn,
			 struct reply *r)
{
	char *iomem = NULL;

	*t = (struct partition_take){ .m = m, .n = n, .pn = pn, .to = r,
				      .cpus.r = { .fd = r->fd },
				      .pci.r = { .fd = r->fd } };
	/* Memory and devices first: nothing to undo if they are wrong */
	if (sysroot_read("/proc/iomem", &iomem)) {
		reply_err(r, "shoji: node%u: cannot read /proc/iomem\n", n->id);
		return -1;
	}
	for (unsigned i = 0; i < pn->memory_count; i++) {
		const struct mem_range *mr = &pn->memory[i].range;

		if (!range_reserved(iomem, mr->addr, mr->size)) {
			reply_err(r, "shoji: node%u: memory %#llx-%#llx is not reserved from node0 (node0's boot parameters need memmap=%lluK$%#llx; shoji check --boot-params PLAN)\n",
				  n->id, (unsigned long long)mr->addr,
				  (unsigned long long)(mr->addr + mr->size - 1),
				  (unsigned long long)(mr->size >> 10),
				  (unsigned long long)mr->addr);
			free(iomem);
			return -1;
		}
	}
	free(iomem);
	if (find_devices(t, r))
		return -1;

	n->nr_cpus = 0;
	n->nr_pci = 0;
	n->partitioned = true;
	/* The CPUs and the devices at once: hotplug and a driver's unbind
	 * (an NVMe controller shut down, its disks removed) wait for
	 * different things in node0's kernel, and touch different fields
	 * of n. */
	step_begin(&t->cpus, take_cpus_step, t);
	if (t->cpus.threaded || !t->cpus.ret)
		step_begin(&t->pci, take_devices, t);
	return 0;
}

int partition_take_end(struct partition_take *t)
{
	if (t->ended)
		return t->ret;
	t->ended = true;
	if (t->cpus.threaded)
		pthread_join(t->cpus.thread, NULL);
	if (t->pci.threaded)
		pthread_join(t->pci.thread, NULL);
	/* The CPUs' messages first, as when the steps ran in turn */
	reply_pass_on(&t->cpus.r, t->to);
	reply_pass_on(&t->pci.r, t->to);
	t->ret = t->cpus.ret || t->pci.ret ? -1 : 0;
	if (t->ret)
		partition_give_back(t->m, t->n, t->to);
	return t->ret;
}

/* Stops a stopped node's devices: with I/O, memory and bus mastering off
 * in their command register, a device the last kernel left running (a
 * crashed kernel does not reset its devices) can no longer write into the
 * memory the next kernel is loaded into, nor send it interrupts. The
 * node's CPUs are stopped, so node0's config accesses race with nothing.
 * The next kernel enables the device again when it probes it. */
void partition_quiesce(struct node_rec *n, struct reply *r)
{
	for (unsigned i = 0; i < n->nr_pci; i++) {
		char path[128], *real;
		unsigned char cmd[2];
		int fd;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
			 n->pci[i].address);
		real = sysroot_path(path);
		fd = real ? open(real, O_RDWR | O_CLOEXEC) : -1;
		free(real);
		if (fd < 0 || pread(fd, cmd, 2, PCI_COMMAND_OFFSET) != 2) {
			reply_err(r, "shoji: node%u: PCI device %s: cannot read its command register\n",
				  n->id, n->pci[i].address);
			if (fd >= 0)
				close(fd);
			continue;
		}
		cmd[0] &= (unsigned char)~(PCI_CMD_IO | PCI_CMD_MEMORY |
					   PCI_CMD_MASTER);
		cmd[1] |= PCI_CMD_INTX_DISABLE_HI;
		if (pwrite(fd, cmd, 2, PCI_COMMAND_OFFSET) != 2)
			reply_err(r, "shoji: node%u: PCI device %s: cannot turn it off: %s\n",
				  n->id, n->pci[i].address, strerror(errno));
		close(fd);
	}
}

/* A stopped node's devices may still hold its queues, its interrupt
 * vectors and work in flight. After bus mastering is off, a function
 * reset (FLR, or the reset the PCI core has for the device) brings them
 * back to their power-on state, so that the next kernel finds what it
 * would after a boot. node0's kernel restores the command register as
 * it was before the reset: off.
 *
 * An FLR waits 100 ms before the function may be used again (PCIe
 * 6.0, 6.6.2), whatever the machine: the resets run at once, one thread
 * per device, and the load of the next kernel goes on meanwhile. */
static void *reset_device(void *arg)
{
	struct pci_reset *job = arg;
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset",
		 job->address);
	job->err = write_text(path, "1");
	return NULL;
}

void partition_reset_begin(struct node_rec *n, struct reply *r)
{
	partition_reset_end(n, r);	/* one that a stop before began */
	partition_quiesce(n, r);
	for (unsigned i = 0; i < n->nr_pci; i++) {
		struct pci_reset *job = &n->resets[i];

		_Static_assert(sizeof(job->address) ==
			       sizeof(n->pci[i].address), "one address size");
		memcpy(job->address, n->pci[i].address, sizeof(job->address));
		job->err = 0;
		job->running = pthread_create(&job->thread, NULL,
					      reset_device, job) == 0;
		if (!job->running)
			reset_device(job);	/* no thread: here, in turn */
		job->pending = true;
	}
}

void partition_reset_end(struct node_rec *n, struct reply *r)
{
	for (unsigned i = 0; i < SHOJI_MAX_PCI; i++) {
		struct pci_reset *job = &n->resets[i];

		if (!job->pending)
			continue;
		if (job->running)
			pthread_join(job->thread, NULL);
		job->running = false;
		job->pending = false;
		if (job->err == ENOENT)
			reply_out(r, "node%u: PCI device %s has no reset method; bus mastering is off\n",
				  n->id, job->address);
		else if (job->err)
			reply_err(r, "shoji: node%u: PCI device %s: reset failed: %s; bus mastering is off\n",
				  n->id, job->address, strerror(job->err));
		else
			reply_out(r, "node%u: PCI device %s reset\n", n->id,
				  job->address);
	}
}

void partition_give_back(struct manager *m, struct node_rec *n,
			 struct reply *r)
{
	unsigned i;

	partition_reset_end(n, r);
	for (i = n->nr_pci; i-- > 0;) {
		pci_release_dma(m, n->id, &n->pci[i], r);
		pci_attach(&n->pci[i], r);
		reply_out(r, "node%u: PCI device %s given back to node0\n",
			  n->id, n->pci[i].address);
	}
	n->nr_pci = 0;
	n->pci_confined = 0;
	n->pci_remapped = 0;
	for (i = n->nr_cpus; i-- > 0;) {
		int e;

		if (!n->cpu_was_online[i])
			continue;
		e = cpu_set_online(n->cpus[i], true);
		if (e)
			reply_err(r, "shoji: node%u: cannot bring CPU %u back online in node0: %s\n",
				  n->id, n->cpus[i], strerror(e));
		else
			reply_out(r, "node%u: CPU %u online in node0 again\n",
				  n->id, n->cpus[i]);
	}
	n->nr_cpus = 0;
	n->partitioned = false;
}
