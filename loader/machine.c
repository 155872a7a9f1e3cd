#define _GNU_SOURCE
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fail.h"

char *sl_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 65536, f);
		len += n;
		if (n < 65536)
			break;
	}
	/* A read that failed is no end of file: a directory, a disk error */
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (size)
		*size = len;
	return buf;
}

int sl_open_dev(struct shoji_info *info, char *err, size_t errlen)
{
	int fd = open("/dev/shoji", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		sl_fail(err, errlen, errno == ENOENT ?
			"/dev/shoji does not exist: node0 runs a kernel without the Shoji patch (CONFIG_SHOJI)" :
			"cannot open /dev/shoji: %s", strerror(errno));
		return -1;
	}
	*info = (struct shoji_info){ .size = sizeof(*info) };
	if (ioctl(fd, SHOJI_IOC_INFO, info) || info->version != SHOJI_IOCTL_VERSION) {
		sl_fail(err, errlen, "/dev/shoji speaks another interface version than this loader (%u)",
			SHOJI_IOCTL_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

struct iomem_line {
	uint64_t start, end;	/* inclusive */
	int depth;
	const char *name;	/* up to the end of the line */
	size_t name_len;
};

/* Parses one line of /proc/iomem; returns the next line or NULL */
static const char *iomem_next(const char *p, struct iomem_line *l)
{
	const char *nl, *sep;
	char *endp;

	while (p && *p) {
		nl = strchr(p, '\n');
		l->depth = 0;
		while (p[l->depth] == ' ')
			l->depth++;
		l->start = strtoull(p + l->depth, &endp, 16);
		if (*endp == '-') {
			l->end = strtoull(endp + 1, &endp, 16);
			sep = strstr(endp, " : ");
			if (sep && (!nl || sep < nl)) {
				l->name = sep + 3;
				l->name_len = nl ? (size_t)(nl - l->name) : strlen(l->name);
				return nl ? nl + 1 : p + strlen(p);
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static bool name_is(const struct iomem_line *l, const char *name)
{
	return l->name_len == strlen(name) && !strncasecmp(l->name, name, l->name_len);
}

bool sl_iomem_reserved(const char *iomem, uint64_t start, uint64_t size)
{
	uint64_t end = start + size - 1, covered = start;
	struct iomem_line l;
	const char *p = iomem;
	bool progress = true;

	/* No System RAM anywhere in the range, at any depth */
	while ((p = iomem_next(p, &l)))
		if (name_is(&l, "System RAM") && l.start <= end && l.end >= start)
			return false;
	/* Top-level Reserved entries cover it from start to end */
	while (progress && covered <= end) {
		progress = false;
		p = iomem;
		while ((p = iomem_next(p, &l))) {
			if (l.depth || !name_is(&l, "Reserved"))
				continue;
			if (l.start <= covered && l.end >= covered) {
				if (l.end >= end)
					return true;
				covered = l.end + 1;
				progress = true;
			}
		}
	}
	return false;
}

bool sl_iomem_ecam(const char *iomem, uint64_t *base, uint8_t *bus_start,
		   uint8_t *bus_end)
{
	struct iomem_line l;
	const char *p = iomem;
	unsigned seg, b0, b1;
	char name[128];

	while ((p = iomem_next(p, &l))) {
		if (l.name_len >= sizeof(name))
			continue;
		memcpy(name, l.name, l.name_len);
		name[l.name_len] = '\0';
		if ((sscanf(name, "PCI ECAM %x [bus %x-%x]", &seg, &b0, &b1) == 3 ||
		     sscanf(name, "PCI MMCONFIG %x [bus %x-%x]", &seg, &b0, &b1) == 3) &&
		    seg == 0) {
			/* The window starts at bus 0 even if its first bus is not 0 */
			*base = l.start - ((uint64_t)b0 << 20);
			*bus_start = (uint8_t)b0;
			*bus_end = (uint8_t)b1;
			return true;
		}
	}
	return false;
}

static int check_range(const char *iomem, const struct sl_node *n,
		       const char *what, uint64_t start, uint64_t size,
		       char *err, size_t errlen)
{
	if (sl_iomem_reserved(iomem, start, size))
		return 0;
	sl_fail(err, errlen, "node%u: %s %#" PRIx64 "-%#" PRIx64 " is not reserved from node0 (boot node0 with memmap=%" PRIu64 "K$%#" PRIx64 "; see /proc/iomem)",
		n->id, what, start, start + size - 1, size >> 10, start);
	return -1;
}

int sl_check_node(const struct sl_node *n, const unsigned *cpus, bool taken,
		  char *err, size_t errlen)
{
	char path[PATH_MAX], *iomem, *s;
	unsigned i;

	iomem = sl_read_file("/proc/iomem", NULL);
	if (!iomem) {
		sl_fail(err, errlen, "cannot read /proc/iomem: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n->nr_ranges; i++)
		if (check_range(iomem, n, "memory", n->ranges[i].start,
				n->ranges[i].size, err, errlen))
			goto fail;
	if (check_range(iomem, n, "low memory window", n->lowmem.start,
			n->lowmem.size, err, errlen) ||
	    check_range(iomem, n, "control page", n->control_pa,
			SHOJI_CONTROL_SIZE, err, errlen))
		goto fail;
	free(iomem);

	for (i = 0; i < n->nr_cpus; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u", cpus[i]);
		if (access(path, F_OK)) {
			sl_fail(err, errlen, "node%u: CPU %u does not exist on this machine",
				n->id, cpus[i]);
			return -1;
		}
		if (!taken)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpus[i]);
		s = sl_read_file(path, NULL);
		if (!s) {
			sl_fail(err, errlen, "node%u: CPU %u cannot be taken offline in node0",
				n->id, cpus[i]);
			return -1;
		}
		if (s[0] != '0') {
			free(s);
			sl_fail(err, errlen, "node%u: CPU %u is still online in node0 (echo 0 > /sys/devices/system/cpu/cpu%u/online)",
				n->id, cpus[i], cpus[i]);
			return -1;
		}
		free(s);
	}

	for (i = 0; i < n->nr_pci; i++) {
		const struct shoji_pci_dev *d = &n->pci[i];
		char dev[SL_PCI_NAME_LEN], link[PATH_MAX];
		ssize_t len;

		sl_pci_dev_name(d, dev);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", dev);
		if (access(path, F_OK)) {
			sl_fail(err, errlen, "node%u: PCI device %s does not exist", n->id, dev);
			return -1;
		}
		if (!taken)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", dev);
		len = readlink(path, link, sizeof(link) - 1);
		if (len >= 0) {
			link[len] = '\0';
			sl_fail(err, errlen, "node%u: PCI device %s is still bound to node0's driver %s (echo %s > /sys/bus/pci/devices/%s/driver/unbind)",
				n->id, dev, strrchr(link, '/') ? strrchr(link, '/') + 1 : link,
				dev, dev);
			return -1;
		}
	}
	return 0;
fail:
	free(iomem);
	return -1;
}
