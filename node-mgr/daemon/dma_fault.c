#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/dma_fault.h"

static bool parse_vtd(const char *msg, struct dma_fault *f)
{
	const char *p = strstr(msg, "DMAR: [DMA ");
	unsigned bus, dev, fn;
	char kind[8];
	int used = 0;

	if (!p || sscanf(p, "DMAR: [DMA %7[A-Za-z]", kind) != 1)
		return false;
	if (!strcmp(kind, "Write"))
		f->write = true;
	else if (!strcmp(kind, "Read"))
		f->write = false;
	else
		return false;
	p = strstr(p, "Request device [");
	if (!p || sscanf(p, "Request device [%x:%x.%x] fault addr 0x%" SCNx64 "%n",
			 &bus, &dev, &fn, &f->address, &used) != 4 || !used)
		return false;
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	snprintf(f->device, sizeof(f->device), "0000:%02x:%02x.%x", bus, dev,
		 fn);
	p += used;
	/* " [fault reason 0x06] PTE Read access is not set" */
	p = strchr(p, ']');
	f->reason[0] = '\0';
	if (p) {
		p += strspn(p + 1, " ") + 1;
		snprintf(f->reason, sizeof(f->reason), "%.*s",
			 (int)strcspn(p, "\n"), p);
	}
	return true;
}

static bool parse_shoji(const char *msg, struct dma_fault *f)
{
	const char *p = strstr(msg, "Shoji: node");
	unsigned node, seg, bus, dev, fn;
	char kind[8];

	if (!p || sscanf(p, "Shoji: node%u: %x:%x:%x.%x: DMA %7s at 0x%" SCNx64,
			 &node, &seg, &bus, &dev, &fn, kind, &f->address) != 7)
		return false;
	if (seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return false;
	if (!strcmp(kind, "write"))
		f->write = true;
	else if (!strcmp(kind, "read"))
		f->write = false;
	else
		return false;
	snprintf(f->device, sizeof(f->device), "%04x:%02x:%02x.%x", seg, bus,
		 dev, fn);
	f->reason[0] = '\0';
	return true;
}

bool dma_fault_parse(const char *msg, struct dma_fault *f)
{
	return parse_vtd(msg, f) || parse_shoji(msg, f);
}
