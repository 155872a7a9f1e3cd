#include "machine/iommu_state.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"

#define IOMMU_GROUPS "/sys/kernel/iommu_groups"
#define IOMMU_CLASS "/sys/class/iommu"

/* An interrupt chip of a remapping domain is named "IR-..." on Intel and
 * AMD alike; the name stands in the chip column, after a space. */
static bool interrupts_text_remapped(const char *text)
{
	return strstr(text, " IR-") != NULL;
}

/* ITEMS (of SIZE bytes each, COUNT used of *cap) with room for one more,
 * moved if need be; NULL without memory, ITEMS then untouched. */
static void *room_for_one(void *items, size_t *cap, size_t count,
			  size_t size)
{
	size_t grown_cap = *cap ? *cap * 2 : 8;
	void *grown;

	if (count < *cap)
		return items;
	grown = realloc(items, grown_cap * size);
	if (grown)
		*cap = grown_cap;
	return grown;
}

static int read_devices(struct iommu_group *group, const char *dir_path)
{
	struct dirent *entry;
	DIR *dir = opendir(dir_path);
	size_t cap = 0;

	if (!dir)
		return errno;
	while ((entry = readdir(dir)) != NULL) {
		struct pci_ref ref, *devices;
		struct units_err err;

		if (entry->d_name[0] == '.' ||
		    !units_parse_pci(entry->d_name, &ref, &err) || ref.by_id)
			continue;
		devices = room_for_one(group->devices, &cap,
				       group->device_count, sizeof(ref));
		if (!devices) {
			closedir(dir);
			return ENOMEM;
		}
		group->devices = devices;
		group->devices[group->device_count++] = ref;
	}
	closedir(dir);
	return 0;
}

static int read_group(struct iommu_group *group, const char *name)
{
	char path[128], *type = NULL, *real;
	unsigned long id;
	char *end;
	int e;

	errno = 0;
	id = strtoul(name, &end, 10);
	if (errno || end == name || *end || id > 0xffffffffUL)
		return EINVAL;
	group->id = (unsigned)id;
	snprintf(path, sizeof(path), IOMMU_GROUPS "/%lu/type", id);
	/* Kernels before 5.11 have no type file: call it unknown. */
	e = sysroot_read(path, &type);
	snprintf(group->type, sizeof(group->type), "%s",
		 e ? "unknown" : type);
	free(type);
	group->type[strcspn(group->type, "\n")] = '\0';
	snprintf(path, sizeof(path), IOMMU_GROUPS "/%lu/devices", id);
	real = sysroot_path(path);
	if (!real)
		return ENOMEM;
	e = read_devices(group, real);
	free(real);
	return e;
}

static int read_groups(struct iommu_state *state)
{
	char *path = sysroot_path(IOMMU_GROUPS);
	struct dirent *entry;
	size_t cap = 0;
	DIR *dir;
	int e = 0;

	if (!path)
		return ENOMEM;
	dir = opendir(path);
	free(path);
	if (!dir)
		return errno == ENOENT ? 0 : errno;
	while (!e && (entry = readdir(dir)) != NULL) {
		struct iommu_group *groups;

		if (entry->d_name[0] == '.')
			continue;
		groups = room_for_one(state->groups, &cap, state->group_count,
				      sizeof(*groups));
		if (!groups) {
			e = ENOMEM;
			break;
		}
		state->groups = groups;
		memset(&state->groups[state->group_count], 0,
		       sizeof(state->groups[0]));
		e = read_group(&state->groups[state->group_count++],
			       entry->d_name);
	}
	closedir(dir);
	return e;
}

/* AMD's IOMMU driver names its units ivhdN, Intel's dmarN */
static bool amd_vi_present(void)
{
	char *path = sysroot_path(IOMMU_CLASS);
	struct dirent *entry;
	bool found = false;
	DIR *dir;

	if (!path)
		return false;
	dir = opendir(path);
	free(path);
	if (!dir)
		return false;
	while (!found && (entry = readdir(dir)) != NULL)
		found = strncmp(entry->d_name, "ivhd", 4) == 0;
	closedir(dir);
	return found;
}

int iommu_state_read(struct iommu_state *state)
{
	char *text = NULL;
	int e;

	memset(state, 0, sizeof(*state));
	e = sysroot_read("/proc/interrupts", &text);
	if (e)
		return e;
	state->interrupts_remapped = interrupts_text_remapped(text);
	free(text);
	state->amd_vi = amd_vi_present();
	e = read_groups(state);
	if (e)
		iommu_state_free(state);
	return e;
}

void iommu_state_free(struct iommu_state *state)
{
	for (size_t i = 0; i < state->group_count; i++)
		free(state->groups[i].devices);
	free(state->groups);
	state->groups = NULL;
	state->group_count = 0;
}

const struct iommu_group *iommu_group_of(const struct iommu_state *state,
					 const struct pci_ref *address)
{
	for (size_t i = 0; i < state->group_count; i++)
		for (size_t j = 0; j < state->groups[i].device_count; j++)
			if (pci_ref_equal(&state->groups[i].devices[j],
					  address))
				return &state->groups[i];
	return NULL;
}
