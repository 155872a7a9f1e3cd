/* shoji-dma-probe: make a device DMA where a test says, and see whether
 * it landed. Test-only: it drives an NVMe controller from user space.
 *
 *   shoji-dma-probe target SECONDS
 *	Pins a page of this kernel's memory, fills it with a pattern, prints
 *	"target 0xPHYS", then waits for SIGUSR1 (or SECONDS) and prints
 *	"target unchanged" (exit 0) or "target changed: N bytes" (exit 1).
 *   shoji-dma-probe nvme DDDD:BB:DD.F ADDRESS
 *	Takes over the NVMe controller at that address (no driver may hold
 *	it), and asks it for its Identify data with ADDRESS as the buffer: a
 *	4 KiB DMA write there. Prints "identify: status 0xS" once the
 *	controller completes it (exit 0), exit 1 if it never does.
 *
 * Exit 2 on bad usage or when the machine does not let it work. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define PATTERN 0x5a

static volatile sig_atomic_t checked;

static int die(const char *what)
{
	fprintf(stderr, "shoji-dma-probe: %s: %s\n", what, strerror(errno));
	return 2;
}

/* A pinned, zeroed page and its physical address (root reads it in
 * /proc/self/pagemap) */
static void *pinned_page(uint64_t *phys)
{
	uint64_t entry;
	void *p;
	int fd;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, PAGE);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 ||
	    pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)p / PAGE * 8)) != 8 ||
	    !(entry >> 63) || !(entry & ((UINT64_C(1) << 55) - 1))) {
		if (fd >= 0)
			close(fd);
		errno = errno ? errno : EPERM;
		munmap(p, PAGE);
		return NULL;
	}
	close(fd);
	*phys = (entry & ((UINT64_C(1) << 55) - 1)) * PAGE;
	return p;
}

static void on_usr1(int sig)
{
	(void)sig;
	checked = 1;
}

static int target(unsigned seconds)
{
	unsigned char *page;
	uint64_t phys;
	size_t changed = 0;

	signal(SIGUSR1, on_usr1);
	page = pinned_page(&phys);
	if (!page)
		return die("a pinned page and its physical address");
	memset(page, PATTERN, PAGE);
	printf("target %#" PRIx64 "\n", phys);
	fflush(stdout);
	for (unsigned i = 0; i < seconds * 10 && !checked; i++)
		usleep(100000);
	for (size_t i = 0; i < PAGE; i++)
		changed += page[i] != PATTERN;
	if (!changed) {
		printf("target unchanged\n");
		return 0;
	}
	printf("target changed: %zu bytes\n", changed);
	return 1;
}

static int sysfs_write(const char *dev, const char *file, const char *text)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, file);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		ret = -1;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Memory decoding and bus mastering on, in the command register */
static int enable(const char *dev)
{
	char path[256];
	uint16_t cmd;
	int fd;

	if (sysfs_write(dev, "enable", "1"))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	cmd |= 0x6;
	if (pwrite(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static volatile uint32_t *reg32(volatile void *bar, size_t off)
{
	return (volatile uint32_t *)((volatile char *)bar + off);
}

static void write64(volatile void *bar, size_t off, uint64_t v)
{
	*reg32(bar, off) = (uint32_t)v;
	*reg32(bar, off + 4) = (uint32_t)(v >> 32);
}

/* Waits until CSTS.RDY is want; the controller's CAP.TO, in 500 ms units */
static int wait_ready(volatile void *bar, unsigned want, unsigned timeout_500ms)
{
	for (unsigned i = 0; i <= timeout_500ms * 50; i++) {
		if ((*reg32(bar, 0x1c) & 1) == want)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int nvme(const char *dev, uint64_t address)
{
	volatile uint32_t *sq, *cq;
	uint64_t sq_phys, cq_phys, cap;
	unsigned timeout, stride;
	volatile void *bar;
	char path[256];
	int fd;

	if (enable(dev))
		return die("enabling the device");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", dev);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return die(path);
	bar = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return die("mapping BAR 0");
	sq = pinned_page(&sq_phys);
	cq = pinned_page(&cq_phys);
	if (!sq || !cq)
		return die("the admin queues' pages");

	cap = *reg32(bar, 0) | (uint64_t)*reg32(bar, 4) << 32;
	timeout = (unsigned)(cap >> 24 & 0xff) + 1;
	stride = 4u << (cap >> 32 & 0xf);
	*reg32(bar, 0x14) = 0;			/* CC.EN = 0 */
	if (wait_ready(bar, 0, timeout)) {
		fprintf(stderr, "shoji-dma-probe: the controller does not reset\n");
		return 2;
	}
	*reg32(bar, 0x24) = 1 << 16 | 1;	/* AQA: two entries each */
	write64(bar, 0x28, sq_phys);		/* ASQ */
	write64(bar, 0x30, cq_phys);		/* ACQ */
	/* IOCQES 16 bytes, IOSQES 64 bytes, 4 KiB pages, NVM commands, EN */
	*reg32(bar, 0x14) = 4 << 20 | 6 << 16 | 1;
	if (wait_ready(bar, 1, timeout)) {
		fprintf(stderr, "shoji-dma-probe: the controller does not start\n");
		return 2;
	}
	/* Identify (0x06), command id 1, CNS 1: the controller's data */
	sq[0] = 0x06 | 1 << 16;
	sq[6] = (uint32_t)address;		/* PRP1 */
	sq[7] = (uint32_t)(address >> 32);
	sq[10] = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*reg32(bar, 0x1000) = 1;		/* admin SQ tail */
	for (unsigned i = 0; i < 500; i++) {
		uint32_t dw3 = __atomic_load_n(&cq[3], __ATOMIC_ACQUIRE);

		if (dw3 & 1 << 16) {
			printf("identify: status %#x\n", dw3 >> 17);
			*reg32(bar, 0x1000 + stride) = 1;	/* admin CQ head */
			*reg32(bar, 0x14) = 0;
			return 0;
		}
		usleep(10000);
	}
	*reg32(bar, 0x14) = 0;
	printf("identify: never completed\n");
	return 1;
}

int main(int argc, char **argv)
{
	char *end;

	if (argc == 3 && !strcmp(argv[1], "target"))
		return target((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "nvme")) {
		uint64_t address = strtoull(argv[3], &end, 0);

		if (*end || !address) {
			fprintf(stderr, "shoji-dma-probe: %s: not an address\n", argv[3]);
			return 2;
		}
		return nvme(argv[2], address);
	}
	fprintf(stderr, "usage: shoji-dma-probe target SECONDS\n"
			"       shoji-dma-probe nvme DDDD:BB:DD.F ADDRESS\n");
	return 2;
}
