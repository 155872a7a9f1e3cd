/* Loading a node: checks, registration with node0's kernel, the boot image
 * and kexec_load. */
#define _GNU_SOURCE
#include "load.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kexec.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bootimage.h"
#include "fail.h"
#include "kmsg.h"
#include "machine.h"

static bool cpu_has_la57(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return c & (1u << 16);
}

/*
 * err gets "what: strerror" plus what node0's kernel logged since kmsg,
 * or unlogged (if not NULL) when it logged nothing.
 */
static void fail_kernel(char *err, size_t errlen, unsigned node,
			const char *what, int e, int kmsg, const char *unlogged)
{
	char why[512];

	sl_kmsg_reason(kmsg, node, why, sizeof(why));
	if (why[0])
		sl_fail(err, errlen, "node%u: %s: %s; node0's kernel says: %s",
			node, what, strerror(e), why);
	else
		sl_fail(err, errlen, "node%u: %s: %s%s%s", node, what,
			strerror(e), unlogged ? "; " : "",
			unlogged ? unlogged : "");
}

/* What refused a load when node0's kernel logged nothing: kexec's own
 * limits are silent */
static const char *load_unlogged(int e)
{
	return e == EPERM ? "loads need CAP_SYS_BOOT, and sysctl kernel.kexec_load_disabled or kernel.kexec_load_limit_reboot may forbid them" : NULL;
}

/* Each device of the node into the node's IOMMU domain; *confined counts
 * those an IOMMU translates (none on a machine without one), *remapped
 * those whose interrupts go through entries node0's IOMMU lends the node
 * (none where nothing remaps interrupts). */
static int confine_devices(int fd, unsigned node, const struct sl_node *n,
			   unsigned *confined, unsigned *remapped, char *err,
			   size_t errlen)
{
	*confined = 0;
	*remapped = 0;
	for (unsigned i = 0; i < n->nr_pci; i++) {
		struct shoji_dma_device dev = { .size = sizeof(dev), .node = node,
						.dev = n->pci[i] };
		char what[96], name[SL_PCI_NAME_LEN];
		int kmsg = sl_kmsg_open();

		if (ioctl(fd, SHOJI_IOC_CONFINE_DMA, &dev)) {
			sl_pci_dev_name(&n->pci[i], name);
			snprintf(what, sizeof(what),
				 "node0's kernel cannot confine the DMA of PCI device %s",
				 name);
			fail_kernel(err, errlen, node, what, errno, kmsg, NULL);
			return -1;
		}
		if (kmsg >= 0)
			close(kmsg);
		if (dev.result & SHOJI_DMA_CONFINED)
			(*confined)++;
		if (dev.result & SHOJI_DMA_IRQS_REMAPPED)
			(*remapped)++;
	}
	return 0;
}

/* Waits for what the caller does to the devices first (their resets),
 * since an FLR leaves a device unready for config reads for 100 ms and
 * confining it reads its MSI-X capability; then confines them. */
static int prepare_and_confine(int fd, const struct load_req *req,
			       const struct sl_node *n, unsigned *confined,
			       unsigned *remapped, char *err, size_t errlen)
{
	if (req->prepare_devices &&
	    req->prepare_devices(req->prepare_devices_arg)) {
		sl_fail(err, errlen, "node%u: not started: its CPUs and devices could not be made ready for it",
			n->id);
		return -1;
	}
	if (req->partition_taken_meanwhile &&
	    sl_check_node(n, req->cpus, true, err, errlen))
		return -1;
	return confine_devices(fd, n->id, n, confined, remapped, err,
			       errlen);
}

/* SHOJI_IOC_LOAD_FILE: node0 reads the kernel and initrd, checks the
 * kernel's signature and builds the boot image around img's command
 * line and setup_data */
static int load_from_files(int fd, const struct load_req *req,
			   const struct sl_image *img,
			   struct shoji_load_file *lf, char *err,
			   size_t errlen)
{
	unsigned node = req->n.id;
	int kfd, ifd = -1, kmsg, ret = -1;

	kfd = open(req->kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		sl_fail(err, errlen, "node%u: cannot open kernel %s: %s", node,
			req->kernel, strerror(errno));
		return -1;
	}
	if (req->initrd[0]) {
		ifd = open(req->initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			sl_fail(err, errlen, "node%u: cannot open initrd %s: %s",
				node, req->initrd, strerror(errno));
			goto out;
		}
	}
	*lf = (struct shoji_load_file){
		.size = sizeof(*lf),
		.node = node,
		.kernel_fd = kfd,
		.initrd_fd = ifd,
		.cmdline = (uintptr_t)img->cmdline,
		.cmdline_len = (uint32_t)strlen(img->cmdline) + 1,
		.setup = (uintptr_t)img->setup,
		.setup_len = img->setup_data->len,
	};
	kmsg = sl_kmsg_open();
	if (ioctl(fd, SHOJI_IOC_LOAD_FILE, lf)) {
		fail_kernel(err, errlen, node,
			    "node0's kernel refused to load the node from its files",
			    errno, kmsg, load_unlogged(errno));
		goto out;
	}
	if (kmsg >= 0)
		close(kmsg);
	ret = 0;
out:
	if (ifd >= 0)
		close(ifd);
	close(kfd);
	return ret;
}

/*
 * The kernel decompressed, from cache when it holds this bzImage; NULL,
 * with the reason in why, when the node is to decompress it itself.
 */
static const struct sl_vmlinux *decompressed(const struct load_req *req,
					     const struct sl_bzimage *bz,
					     struct sl_vmlinux_cache *cache,
					     struct sl_vmlinux *own,
					     char *why, size_t whylen)
{
	const struct sl_vmlinux *vm;

	if (req->compressed) {
		snprintf(why, whylen, "as asked");
		return NULL;
	}
	if (cache)
		return sl_vmlinux_cached(cache, bz, &vm, why, whylen) ? NULL : vm;
	return sl_vmlinux_unpack(own, bz, why, whylen) ? NULL : own;
}

int sl_warm_kernel(int fd, const struct load_req *req,
		   struct sl_vmlinux_cache *cache, char *err, size_t errlen)
{
	struct shoji_info info = { .size = sizeof(info) };
	const struct sl_vmlinux *vm;
	struct sl_bzimage bz;
	char *kdata;
	size_t ksize;
	int ret = -1;

	if (req->compressed || req->verified)
		return 0;
	if (ioctl(fd, SHOJI_IOC_INFO, &info)) {
		sl_fail(err, errlen, "/dev/shoji: %s", strerror(errno));
		return -1;
	}
	if (info.load & SHOJI_LOAD_FILE_ONLY)
		return 0;
	kdata = sl_read_file(req->kernel, &ksize);
	if (!kdata) {
		sl_fail(err, errlen, "cannot read kernel %s: %s", req->kernel,
			strerror(errno));
		return -1;
	}
	if (!sl_bzimage_parse(&bz, kdata, ksize, err, errlen)) {
		if (bz.shoji) {
			pthread_rwlock_wrlock(&cache->lock);
			ret = sl_vmlinux_cached(cache, &bz, &vm, err, errlen);
			pthread_rwlock_unlock(&cache->lock);
		} else {
			sl_fail(err, errlen, "kernel %s was built without the Shoji patch",
				req->kernel);
		}
	}
	free(kdata);
	return ret;
}

int sl_load_node(int fd, struct load_req *req, uint64_t kernel_addr,
		 struct sl_vmlinux_cache *cache, struct sl_load_result *res,
		 char *err, size_t errlen)
{
	const struct sl_vmlinux *vm;
	struct sl_vmlinux own = { 0 };
	char form[256], why[200];
	struct sl_node *n = &req->n;
	unsigned node = n->id, i;
	char *kdata = NULL, *idata = NULL, *iomem;
	size_t ksize, isize = 0;
	struct sl_bzimage bz;
	struct sl_image img;
	struct shoji_info info;
	struct shoji_node_desc desc;
	struct kexec_segment segs[SL_MAX_SEGMENTS];
	struct shoji_load_file lf;
	unsigned confined = 0, remapped = 0;
	bool from_files, confine_after_copy, cache_locked = false;
	int ret = -1, kmsg;

	n->cmdline = req->cmdline;
	if (!n->nr_cpus || !n->nr_ranges || !n->lowmem.size ||
	    !req->control.size || !req->kernel[0]) {
		sl_fail(err, errlen, "node%u: load needs CPUs, memory, a low window, the control area and a kernel",
			node);
		return -1;
	}
	if ((uint64_t)(node + 1) * SHOJI_CONTROL_SIZE > req->control.size) {
		sl_fail(err, errlen, "node%u: the control area %#" PRIx64 " has no page for node%u",
			node, req->control.start, node);
		return -1;
	}
	n->control_pa = req->control.start + (uint64_t)node * SHOJI_CONTROL_SIZE;

	/* Refuse before touching anything */
	kdata = sl_read_file(req->kernel, &ksize);
	if (!kdata) {
		sl_fail(err, errlen, "node%u: cannot read kernel %s: %s", node,
			req->kernel, strerror(errno));
		return -1;
	}
	if (sl_bzimage_parse(&bz, kdata, ksize, err, errlen)) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		sl_fail(err, errlen, "node%u: kernel %s: %s", node, req->kernel, why);
		goto out;
	}
	if (!bz.shoji) {
		sl_fail(err, errlen, "node%u: kernel %s was built without the Shoji patch (no " SHOJI_BZIMAGE_MARKER " marker): it cannot run as a node",
			node, req->kernel);
		goto out;
	}
	if (bz.shoji_abi != sl_abi_version()) {
		sl_fail(err, errlen, "node%u: kernel %s speaks Shoji node ABI %u, this loader speaks ABI %u: build both from the same patch series",
			node, req->kernel, bz.shoji_abi, sl_abi_version());
		goto out;
	}
	if (req->initrd[0]) {
		idata = sl_read_file(req->initrd, &isize);
		if (!idata) {
			sl_fail(err, errlen, "node%u: cannot read initrd %s: %s",
				node, req->initrd, strerror(errno));
			goto out;
		}
	}
	info = (struct shoji_info){ .size = sizeof(info) };
	if (ioctl(fd, SHOJI_IOC_INFO, &info)) {
		sl_fail(err, errlen, "node%u: /dev/shoji: %s", node, strerror(errno));
		goto out;
	}
	if (info.node != SHOJI_ROLE_NODE0) {
		sl_fail(err, errlen, "node%u: this kernel is node%u; only node0 loads nodes",
			node, info.node);
		goto out;
	}
	if (sl_check_node(n, req->cpus, !req->partition_taken_meanwhile, err,
			  errlen))
		goto out;
	if (n->nr_pci) {
		iomem = sl_read_file("/proc/iomem", NULL);
		if (!iomem || !sl_iomem_ecam(iomem, &n->ecam_base,
					     &n->ecam_bus_start,
					     &n->ecam_bus_end)) {
			free(iomem);
			sl_fail(err, errlen, "node%u: node0 has no PCI ECAM (MMCONFIG) window in /proc/iomem; a node reaches its PCI devices only through ECAM",
				node);
			goto out;
		}
		free(iomem);
	}
	n->tsc_khz = info.tsc_khz;
	n->lapic_khz = info.lapic_khz;
	n->la57 = cpu_has_la57() && (bz.xloadflags & XLF_5LEVEL) &&
		  !strstr(n->cmdline, "no5lvl");

	memset(&desc, 0, sizeof(desc));
	desc.size = sizeof(desc);
	desc.node = node;
	desc.nr_cpus = n->nr_cpus;
	memcpy(desc.cpus, req->cpus, n->nr_cpus * sizeof(req->cpus[0]));
	desc.nr_ranges = n->nr_ranges;
	for (i = 0; i < n->nr_ranges; i++) {
		desc.ranges[i].start = n->ranges[i].start;
		desc.ranges[i].size = n->ranges[i].size;
	}
	desc.lowmem.start = n->lowmem.start;
	desc.lowmem.size = n->lowmem.size;
	desc.control.start = n->control_pa;
	desc.control.size = SHOJI_CONTROL_SIZE;
	desc.uart_port = n->uart_port;
	kmsg = sl_kmsg_open();
	if (ioctl(fd, SHOJI_IOC_SET_NODE, &desc)) {
		fail_kernel(err, errlen, node,
			    "node0's kernel refused the node's resources", errno,
			    kmsg, NULL);
		goto out;
	}
	if (kmsg >= 0)
		close(kmsg);
	memcpy(n->apic_ids, desc.apic_ids, n->nr_cpus * sizeof(n->apic_ids[0]));
	if (req->describe_numa)
		req->describe_numa(n);
	/* node0 told the node its interrupt remapping at load before
	 * SHOJI_LOAD_REMAP_AT_START: the devices are confined first */
	confine_after_copy = info.load & SHOJI_LOAD_REMAP_AT_START;
	if (!confine_after_copy &&
	    prepare_and_confine(fd, req, n, &confined, &remapped, err,
				errlen))
		goto out;
	/* A locked-down node0 refuses kexec_load() and says so */
	from_files = req->verified || (info.load & SHOJI_LOAD_FILE_ONLY);
	if (from_files && kernel_addr) {
		sl_fail(err, errlen, "node%u: node0 places the kernel itself when it reads the node's files; no kernel address can be given",
			node);
		goto out;
	}
	/* Until the image is copied: vm may be the cache's */
	cache_locked = !from_files && cache;
	if (cache_locked)
		sl_vmlinux_cache_hold(cache, &bz);
	vm = from_files ? NULL
			: decompressed(req, &bz, cache, &own, why, sizeof(why));
	if (vm)
		snprintf(form, sizeof(form), "decompressed by node0 (%s, %zu KiB)",
			 vm->format, vm->size >> 10);
	else if (!from_files)
		snprintf(form, sizeof(form), "compressed (%s), decompressed by the node: %s",
			 sl_payload_format(&bz), why);
	if (sl_build_image(&img, n, &bz, vm, idata, isize, err, errlen)) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		sl_fail(err, errlen, "node%u: %s", node, why);
		goto out;
	}
	/* Test only: the layout of another loader */
	sl_alter_setup(&img, req->setup_layout);
	sl_setup_list_pci(&img, req->test_pci, req->nr_test_pci);
	if (!from_files) {
		if (kernel_addr) {
			/* Test only: the kernel's segments elsewhere, and
			 * nothing else, for node0's kernel to refuse */
			for (i = img.kernel_seg;
			     i < img.kernel_seg + img.nr_kernel_segs; i++)
				img.seg[i].mem = img.seg[i].mem - img.kernel +
						 kernel_addr;
			img.kernel = kernel_addr;
		}
		for (i = 0; i < img.nr; i++) {
			segs[i].buf = img.seg[i].buf;
			segs[i].bufsz = img.seg[i].bufsz;
			segs[i].mem = (const void *)(uintptr_t)img.seg[i].mem;
			segs[i].memsz = img.seg[i].memsz;
		}
		kmsg = sl_kmsg_open();
		if (syscall(SYS_kexec_load, (unsigned long)img.entry,
			    (unsigned long)img.nr, segs,
			    (unsigned long)(KEXEC_SHOJI | KEXEC_SHOJI_NODE(node)))) {
			fail_kernel(err, errlen, node,
				    "node0's kernel refused the image", errno,
				    kmsg, load_unlogged(errno));
			sl_image_free(&img);
			goto out;
		}
		if (kmsg >= 0)
			close(kmsg);
	}
	if (cache_locked) {
		pthread_rwlock_unlock(&cache->lock);
		cache_locked = false;
	}
	if (from_files) {
		ret = load_from_files(fd, req, &img, &lf, err, errlen);
		sl_image_free(&img);
		if (ret)
			goto out;
		snprintf(form, sizeof(form), "read from its file by node0 (%s, decompressed by the node), %s",
			 sl_payload_format(&bz),
			 lf.verified ? "its signature verified"
				     : "its signature not verified: node0 is not locked down");
		if (res) {
			memset(res, 0, sizeof(*res));
			res->kernel = lf.kernel;
			res->boot_params = lf.boot_params;
			res->initrd = lf.initrd;
			res->entry = lf.entry;
			res->from_files = true;
			res->signature_verified = lf.verified;
		}
	} else {
		if (res) {
			memset(res, 0, sizeof(*res));
			res->kernel = img.kernel;
			res->boot_params = img.boot_params;
			res->initrd = img.initrd;
			res->entry = img.entry;
			res->decompressed = vm != NULL;
		}
		sl_image_free(&img);
	}
	/*
	 * After the copy, which needs no device, so that the resets a stop
	 * began run meanwhile. Bus mastering has been off since the stop:
	 * nothing a device does reaches the memory just written.
	 */
	if (confine_after_copy &&
	    prepare_and_confine(fd, req, n, &confined, &remapped, err,
				errlen))
		goto out;
	if (res) {
		res->initrd_size = isize;
		res->boot_apic_id = n->apic_ids[0];
		res->la57 = n->la57;
		res->nr_pci = n->nr_pci;
		res->nr_pci_confined = confined;
		res->nr_pci_remapped = remapped;
		snprintf(res->kernel_form, sizeof(res->kernel_form), "%s", form);
	}
	ret = 0;
out:
	if (cache_locked)
		pthread_rwlock_unlock(&cache->lock);
	sl_vmlinux_free(&own);
	free(kdata);
	free(idata);
	return ret;
}
