#include "machine/node0_needs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"

/* Device mapper over md over partitions is three; a loop is not followed
 * forever. */
#define MAX_STACK_DEPTH 8

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "0000:00:03.0", exactly: the name sysfs gives a PCI function */
static bool parse_pci_component(const char *s, size_t len,
				struct pci_ref *out)
{
	char text[13];
	struct units_err err;

	if (len != 12 || !hex_run(s, 4) || s[4] != ':' || !hex_run(s + 5, 2) ||
	    s[7] != ':' || !hex_run(s + 8, 2) || s[10] != '.' ||
	    !isdigit((unsigned char)s[11]))
		return false;
	memcpy(text, s, 12);
	text[12] = '\0';
	return units_parse_pci(text, out, &err) && !out->by_id;
}

/* One reason per block device: "(vda)" names it in every reason of
 * the filesystems on it, and the first (the root, mounted first) is told. */
static void append_why(struct node0_need *need, const char *why)
{
	size_t used = strlen(need->why);
	const char *device = strrchr(why, '(');

	if (strstr(need->why, why) || (device && strstr(need->why, device)))
		return;
	if (used + 2 + strlen(why) + 1 > sizeof(need->why)) {
		if (!strstr(need->why, ", and more"))
			snprintf(need->why + used, sizeof(need->why) - used,
				 ", and more");
		return;
	}
	snprintf(need->why + used, sizeof(need->why) - used, "%s%s",
		 used ? ", " : "", why);
}

static int add_need(struct node0_needs *needs, const struct pci_ref *address,
		    const char *why)
{
	struct node0_need *grown;

	for (size_t i = 0; i < needs->count; i++) {
		if (pci_ref_equal(&needs->devices[i].address, address)) {
			append_why(&needs->devices[i], why);
			return 0;
		}
	}
	grown = realloc(needs->devices, (needs->count + 1) * sizeof(*grown));
	if (!grown)
		return ENOMEM;
	needs->devices = grown;
	grown = &needs->devices[needs->count++];
	grown->address = *address;
	grown->why[0] = '\0';
	append_why(grown, why);
	return 0;
}

/*
 * The real path of a sysfs file under the root (a symlink into
 * /sys/devices names every PCI function on the way to the device), or
 * NULL when the machine has no such file.
 */
static char *real_sysfs_path(const char *path)
{
	char *full = sysroot_path(path), *real;

	if (!full)
		return NULL;
	real = realpath(full, NULL);
	free(full);
	return real;
}

/* Every PCI function on a device's sysfs path needs to stay with node0:
 * the device and the bridges above it (which no node gets anyway). */
static int add_path_devices(struct node0_needs *needs, const char *real,
			    const char *why)
{
	const char *p = real;

	while (*p) {
		size_t len = strcspn(p, "/");
		struct pci_ref address;
		int e;

		if (parse_pci_component(p, len, &address)) {
			e = add_need(needs, &address, why);
			if (e)
				return e;
		}
		p += len;
		p += strspn(p, "/");
	}
	return 0;
}

/* The block device name a /dev path stands for: "/dev/mapper/root" is a
 * link to "../dm-0" */
static void block_name_of(const char *dev_path, char *name, size_t len)
{
	char *full = sysroot_path(dev_path), *real = NULL;
	const char *base;

	if (full)
		real = realpath(full, NULL);
	base = strrchr(real ? real : dev_path, '/');
	snprintf(name, len, "%s", base ? base + 1 : dev_path);
	free(real);
	free(full);
}

static int add_block_device(struct node0_needs *needs, const char *sysfs,
			    const char *why, unsigned depth)
{
	char *real = real_sysfs_path(sysfs), *slaves_path = NULL;
	struct dirent *entry;
	DIR *slaves;
	int e;

	if (!real)
		return 0;
	e = add_path_devices(needs, real, why);
	if (e || depth == MAX_STACK_DEPTH ||
	    asprintf(&slaves_path, "%s/slaves", real) < 0) {
		free(real);
		return e ? e : (depth == MAX_STACK_DEPTH ? 0 : ENOMEM);
	}
	free(real);
	slaves = opendir(slaves_path);
	free(slaves_path);
	if (!slaves)
		return 0;
	while (!e && (entry = readdir(slaves))) {
		char below[sizeof("/sys/class/block/") + NAME_MAX];

		if (entry->d_name[0] == '.')
			continue;
		snprintf(below, sizeof(below), "/sys/class/block/%s",
			 entry->d_name);
		e = add_block_device(needs, below, why, depth + 1);
	}
	closedir(slaves);
	return e;
}

/* "36 25 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw" */
static int add_mount(struct node0_needs *needs, char *line)
{
	char *field[5], *save = NULL, *source, *separator;
	unsigned major, minor;
	char sysfs[64], name[NAME_MAX + 1], why[sizeof(needs->devices->why)];

	separator = strstr(line, " - ");
	if (!separator)
		return 0;
	*separator = '\0';
	for (int i = 0; i < 5; i++) {
		field[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!field[i])
			return 0;
	}
	save = NULL;
	if (!strtok_r(separator + 3, " ", &save))
		return 0;
	source = strtok_r(NULL, " ", &save);
	if (sscanf(field[2], "%u:%u", &major, &minor) != 2)
		return 0;
	/* Filesystems without a block device of their own (btrfs) show
	 * major 0 and name their device as the source. */
	if (major) {
		snprintf(sysfs, sizeof(sysfs), "/sys/dev/block/%u:%u", major,
			 minor);
		block_name_of(sysfs, name, sizeof(name));
	} else if (source && !strncmp(source, "/dev/", 5)) {
		block_name_of(source, name, sizeof(name));
		snprintf(sysfs, sizeof(sysfs), "/sys/class/block/%.40s", name);
	} else {
		return 0;
	}
	snprintf(why, sizeof(why), "the filesystem on %.60s (%.40s)", field[4],
		 name);
	return add_block_device(needs, sysfs, why, 0);
}

/* Calls fn for each line of a file under the root; a missing file has no
 * lines. */
static int for_each_line(const char *path, struct node0_needs *needs,
			 int (*fn)(struct node0_needs *needs, char *line))
{
	char *text, *line, *save = NULL;
	int e = sysroot_read(path, &text);

	if (e)
		return e == ENOMEM ? e : 0;
	for (line = strtok_r(text, "\n", &save); line && !e;
	     line = strtok_r(NULL, "\n", &save))
		e = fn(needs, line);
	free(text);
	return e;
}

/* "/dev/nvme0n1p3  partition  4194300  0  -2"; a swap file lives on a
 * mounted filesystem, which is there already. */
static int add_swap(struct node0_needs *needs, char *line)
{
	char path[256], type[32], name[NAME_MAX + 1], sysfs[64];
	char why[sizeof(needs->devices->why)];

	if (sscanf(line, "%255s %31s", path, type) != 2 ||
	    strcmp(type, "partition"))
		return 0;
	block_name_of(path, name, sizeof(name));
	snprintf(sysfs, sizeof(sysfs), "/sys/class/block/%.40s", name);
	snprintf(why, sizeof(why), "swap (%.40s)", name);
	return add_block_device(needs, sysfs, why, 0);
}

static int add_net_device(struct node0_needs *needs, const char *ifname,
			  const char *why, unsigned depth)
{
	char path[sizeof("/sys/class/net//device") + NAME_MAX];
	char *real;
	struct dirent *entry;
	DIR *dir;
	int e = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	real = real_sysfs_path(path);
	if (real) {
		e = add_path_devices(needs, real, why);
		free(real);
	}
	/* A bridge, bond or VLAN has no device: its lower links do. */
	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	real = real_sysfs_path(path);
	if (e || !real || depth == MAX_STACK_DEPTH) {
		free(real);
		return e;
	}
	dir = opendir(real);
	free(real);
	if (!dir)
		return 0;
	while (!e && (entry = readdir(dir)))
		if (!strncmp(entry->d_name, "lower_", 6))
			e = add_net_device(needs, entry->d_name + 6, why,
					   depth + 1);
	closedir(dir);
	return e;
}

static int add_route_device(struct node0_needs *needs, const char *ifname)
{
	char why[sizeof(needs->devices->why)];

	if (!strcmp(ifname, "lo"))
		return 0;
	snprintf(why, sizeof(why), "the default route (%.40s)", ifname);
	return add_net_device(needs, ifname, why, 0);
}

/* "eth0  00000000  0202000A  0003  0  0  0  00000000 ..." */
static int add_route(struct node0_needs *needs, char *line)
{
	char ifname[64], destination[16], mask[16];

	if (sscanf(line, "%63s %15s %*s %*s %*s %*s %*s %15s", ifname,
		   destination, mask) != 3 ||
	    strcmp(destination, "00000000") || strcmp(mask, "00000000"))
		return 0;
	return add_route_device(needs, ifname);
}

/* destination, prefix length, source, its length, next hop, metric,
 * reference count, use, flags, interface */
static int add_route6(struct node0_needs *needs, char *line)
{
	char destination[40], length[4], ifname[64];

	if (sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %63s",
		   destination, length, ifname) != 3 ||
	    strspn(destination, "0") != 32 || strcmp(length, "00"))
		return 0;
	return add_route_device(needs, ifname);
}

/* "tty0 ttyS0": a virtual console draws on the first framebuffer. */
static int add_consoles(struct node0_needs *needs)
{
	char *text, *name, *save = NULL;
	int e = sysroot_read("/sys/class/tty/console/active", &text);

	if (e)
		return e == ENOMEM ? e : 0;
	for (name = strtok_r(text, " \n", &save); name && !e;
	     name = strtok_r(NULL, " \n", &save)) {
		char path[96], why[sizeof(needs->devices->why)], *real;
		const char *digits = name + 3;

		if (!strncmp(name, "tty", 3) && *digits &&
		    strspn(digits, "0123456789") == strlen(digits))
			snprintf(path, sizeof(path),
				 "/sys/class/graphics/fb0/device");
		else
			snprintf(path, sizeof(path), "/sys/class/tty/%.40s/device",
				 name);
		real = real_sysfs_path(path);
		if (!real)
			continue;
		snprintf(why, sizeof(why), "the console (%.40s)", name);
		e = add_path_devices(needs, real, why);
		free(real);
	}
	free(text);
	return e;
}

int node0_needs_read(struct node0_needs *needs)
{
	int e;

	*needs = (struct node0_needs){ 0 };
	e = for_each_line("/proc/self/mountinfo", needs, add_mount);
	if (!e)
		e = for_each_line("/proc/swaps", needs, add_swap);
	if (!e)
		e = add_consoles(needs);
	if (!e)
		e = for_each_line("/proc/net/route", needs, add_route);
	if (!e)
		e = for_each_line("/proc/net/ipv6_route", needs, add_route6);
	if (e)
		node0_needs_free(needs);
	return e;
}

void node0_needs_free(struct node0_needs *needs)
{
	free(needs->devices);
	*needs = (struct node0_needs){ 0 };
}

const char *node0_needs_why(const struct node0_needs *needs,
			    const struct pci_ref *address)
{
	for (size_t i = 0; i < needs->count; i++)
		if (pci_ref_equal(&needs->devices[i].address, address))
			return needs->devices[i].why;
	return NULL;
}
