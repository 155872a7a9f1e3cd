/* shoji-load: build a Shoji node's boot image, load it into the node's
 * memory through node0's kernel, and start, stop and watch the node.
 * Run `shoji-load --help` for the commands. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bootimage.h"
#include "load.h"
#include "load_req.h"
#include "machine.h"

#include "common/ctl_channel.h"
#include "common/ctl_view.h"
#include "common/node_name.h"

static const char *prog = "shoji-load";
static uint64_t kernel_addr;

static void usage(FILE *f)
{
	fprintf(f,
"usage: shoji-load load PLAN NODE [OPTION...]\n"
"       shoji-load load NODE --cpus LIST --memory SIZE@ADDR[,...] --lowmem SIZE@ADDR\n"
"                  --control SIZE@ADDR [--pci BB:DD.F[,...]] [--uart comN|none]\n"
"                  --kernel BZIMAGE [--initrd FILE] [--cmdline TEXT]\n"
"                  [--compressed | --verified]\n"
"                  [--test-setup bad-magic|bad-version|bad-size|newer-minor]\n"
"                  [--test-setup-pci BB:DD.F[,...]] [--test-kernel-addr ADDR]\n"
"       shoji-load start NODE\n"
"       shoji-load stop NODE [--timeout MS]\n"
"       shoji-load release NODE BB:DD.F[,...]\n"
"       shoji-load status NODE\n"
"       shoji-load console NODE\n"
"       shoji-load times NODE [--agent]\n"
"       shoji-load exec NODE [--timeout SECONDS] -- COMMAND...\n"
"       shoji-load info\n"
"\n"
"NODE is node1..node63, or its number alone (1..63).\n"
"\n"
"load     check that node0 gave NODE's CPUs, memory and PCI devices up, build\n"
"         its boot image and load it into its memory (node0 only), from the\n"
"         [nodeN] section of PLAN and/or the options (which win). --control\n"
"         is the machine's control area: NODE's page is at ADDR + NODE * 4 KiB.\n"
"         node0 decompresses the kernel (xz, zstd or gzip) and the node\n"
"         enters it at startup_64; --compressed loads the bzImage as it is,\n"
"         and the node runs its decompressor first. --verified has node0's\n"
"         kernel read the kernel and initrd files itself and check the\n"
"         kernel's signature against its keyrings, as kexec_file_load does;\n"
"         a node0 that is locked down (Secure Boot, lockdown=) loads only\n"
"         that way, and only a kernel whose signature verifies.\n"
"         For tests only: --test-setup gives NODE the setup_data of another\n"
"         loader: one of a layout no kernel knows (wrong magic, the next major\n"
"         version, a size past the entry), which the node must refuse with a\n"
"         panic message on its console, or one of the next minor version with\n"
"         a field more, which the node must take. --test-setup-pci lists\n"
"         devices in NODE's setup_data that node0 does not give it, which the\n"
"         node must not use. --test-kernel-addr moves the kernel's segments to\n"
"         ADDR and nothing else (the node would still enter the kernel where\n"
"         it was), for node0's kernel to refuse segments outside its memory.\n"
"start    start NODE's boot CPU on the loaded image.\n"
"stop     ask NODE to stop, then reset its CPUs (default timeout 5000 ms).\n"
"release  give PCI devices of a stopped NODE back to node0 (and to its IOMMU\n"
"         domain), so that a driver of node0 or another node may have them.\n"
"status   NODE's state and heartbeat, and why it stopped.\n"
"console  NODE's kernel log, as its control page holds it.\n"
"times    NODE's TSC stamps from its control page and the TSC frequency, as\n"
"         one JSON line (0: not reached): load (the load began), start\n"
"         (start request), kernel (its kernel's platform setup, early in\n"
"         setup_arch), running (its initramfs unpacked, at a late initcall;\n"
"         the kernel then frees its init memory and runs init), parked (it\n"
"         stopped). --agent also asks NODE's agent, the first program its\n"
"         init starts, when it started (agent; waits up to 30 s for it).\n"
"exec     run COMMAND with sh inside NODE (through its control page).\n"
"info     this kernel's role and the TSC and LAPIC timer frequencies, and\n"
"         whether node0 is locked down (it then loads nodes only from files\n"
"         whose signature verifies).\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* NODE: node3 or 3, as shoji takes it; node0 is this kernel, not a node */
static unsigned parse_node(const char *s)
{
	unsigned id;

	if (!node_name_parse(s, &id) || id == 0 || id >= SHOJI_MAX_NODES)
		die("'%s' is not a node (" NODE_NAME_RANGE ")", s);
	return id;
}

/* stop's --timeout: whole milliseconds, 0 included (no waiting at all) */
static uint32_t parse_stop_timeout(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v > UINT32_MAX)
		die("stop: --timeout takes whole milliseconds (0..%u), not '%s'",
		    UINT32_MAX, s);
	return (uint32_t)v;
}

/* exec's --timeout: seconds, more than 0 and at most a day */
static double parse_exec_timeout(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v > 0 && v <= 86400))
		die("exec: --timeout takes seconds (more than 0, at most 86400), not '%s'",
		    s);
	return v;
}

static uint64_t parse_size(const char *s, const char *what)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (end == s || *end)
		die("bad %s '%s'", what, s);
	return v;
}

/* A list to cut up, whole: a fixed buffer would drop its end */
static char *copy_arg(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		die("out of memory");
	return copy;
}

/* SIZE@ADDR */
static struct sl_range parse_range(const char *s, const char *what)
{
	char *buf = copy_arg(s), *at;
	struct sl_range r;

	at = strchr(buf, '@');
	if (!at)
		die("bad %s '%s' (expected SIZE@ADDR)", what, s);
	*at = '\0';
	r.size = parse_size(buf, what);
	r.start = parse_size(at + 1, what);
	if (!r.size || r.start % SL_PAGE || r.size % SL_PAGE)
		die("%s '%s' is not page aligned", what, s);
	free(buf);
	return r;
}

static unsigned parse_cpus(const char *s, unsigned *cpus)
{
	char *buf = copy_arg(s), *tok, *save = NULL;
	unsigned n = 0, a, b;

	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (sscanf(tok, "%u-%u", &a, &b) == 2) {
		} else if (sscanf(tok, "%u", &a) == 1) {
			b = a;
		} else {
			die("bad CPU list '%s'", s);
		}
		for (; a <= b; a++) {
			if (n >= SHOJI_MAX_CPUS)
				die("too many CPUs in '%s'", s);
			cpus[n++] = a;
		}
	}
	free(buf);
	if (!n)
		die("empty CPU list");
	return n;
}

static void parse_pci(const char *s, struct sl_node *n)
{
	char *buf = copy_arg(s), *tok, *save = NULL;
	unsigned seg, bus, dev, fn;

	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		seg = 0;
		if (sscanf(tok, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4 &&
		    sscanf(tok, "%x:%x.%x", &bus, &dev, &fn) != 3)
			die("bad PCI address '%s' (expected BB:DD.F)", tok);
		if (bus > 255 || dev > 31 || fn > 7 || seg > 0xffff)
			die("bad PCI address '%s'", tok);
		if (n->nr_pci >= SHOJI_MAX_PCI)
			die("too many PCI devices");
		n->pci[n->nr_pci].seg = (uint16_t)seg;
		n->pci[n->nr_pci].bus = (uint8_t)bus;
		n->pci[n->nr_pci].devfn = (uint8_t)(dev << 3 | fn);
		n->nr_pci++;
	}
	free(buf);
}

static uint16_t parse_uart(const char *s)
{
	static const uint16_t ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

	if (!strcmp(s, "none"))
		return 0;
	if (!strncmp(s, "com", 3) && s[3] >= '1' && s[3] <= '4' && !s[4])
		return ports[s[3] - '1'];
	die("bad UART '%s' (com1..com4 or none)", s);
}

/* node0's kernel log from now on: what it says about a refused request */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Prints what node0's kernel logged about this node since kmsg_open_at_end */
static void print_kernel_reason(int fd, unsigned node)
{
	char line[1024], tag[32];
	ssize_t len;
	char *msg;

	if (fd < 0)
		return;
	snprintf(tag, sizeof(tag), "Shoji: node%u:", node);
	while ((len = read(fd, line, sizeof(line) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		line[len] = '\0';
		msg = strchr(line, ';');
		if (msg && strstr(msg, tag)) {
			msg[strcspn(msg, "\n")] = '\0';
			fprintf(stderr, "%s: node0's kernel says: %s\n", prog, msg + 1);
		}
	}
	close(fd);
}

/* Fills req from shoji-load's load options. Returns 0, or 2 on bad usage. */
static int parse_load_options(struct load_req *req, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "lowmem", required_argument, NULL, 'l' },
		{ "control", required_argument, NULL, 'C' },
		{ "pci", required_argument, NULL, 'p' },
		{ "uart", required_argument, NULL, 'u' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "test-kernel-addr", required_argument, NULL, 'K' },
		{ "test-setup", required_argument, NULL, 'B' },
		{ "test-setup-pci", required_argument, NULL, 'T' },
		{ "compressed", no_argument, NULL, 'z' },
		{ "verified", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_node *n = &req->n;
	char *tok, *save = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': n->nr_cpus = parse_cpus(optarg, req->cpus); break;
		case 'm':
			n->nr_ranges = 0;
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (n->nr_ranges >= SHOJI_MAX_RANGES)
					die("node%u: too many memory ranges", n->id);
				n->ranges[n->nr_ranges++] = parse_range(tok, "memory");
			}
			break;
		case 'l': n->lowmem = parse_range(optarg, "lowmem"); break;
		case 'C': req->control = parse_range(optarg, "control"); break;
		case 'p': n->nr_pci = 0; parse_pci(optarg, n); break;
		case 'u': n->uart_port = parse_uart(optarg); break;
		case 'k': snprintf(req->kernel, sizeof(req->kernel), "%s", optarg); break;
		case 'i': snprintf(req->initrd, sizeof(req->initrd), "%s", optarg); break;
		case 'a': snprintf(req->cmdline, sizeof(req->cmdline), "%s", optarg); break;
		case 'K': kernel_addr = parse_size(optarg, "kernel address"); break;
		case 'z': req->compressed = true; break;
		case 'V': req->verified = true; break;
		case 'B':
			req->setup_layout = sl_setup_layout_parse(optarg);
			if (req->setup_layout == SL_SETUP_AS_BUILT)
				die("node%u: --test-setup %s: expected bad-magic, bad-version, bad-size or newer-minor",
				    n->id, optarg);
			break;
		case 'T': {
			struct sl_node listed = { .id = n->id };

			parse_pci(optarg, &listed);
			memcpy(req->test_pci, listed.pci, sizeof(listed.pci));
			req->nr_test_pci = listed.nr_pci;
			break;
		}
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	static struct load_req req;
	struct sl_node *n = &req.n;
	struct sl_load_result res;
	struct shoji_info info;
	unsigned node;
	char err[1024];
	int fd, ret;

	/* shoji-load load PLAN NODE [options] or shoji-load load NODE options */
	if (argc >= 3 && strchr(argv[1], '.') && argv[2][0] != '-') {
		node = parse_node(argv[2]);
		if (load_req_from_plan(&req, argv[1], node))
			return 2;
		argc -= 2;
		argv += 2;
	} else {
		node = parse_node(argv[1]);
		memset(&req, 0, sizeof(req));
		n->id = node;
		req.describe_numa = load_numa_from_srat;
		argc -= 1;
		argv += 1;
	}
	ret = parse_load_options(&req, argc, argv);
	if (ret)
		return ret;
	fd = sl_open_dev(&info, err, sizeof(err));
	if (fd < 0)
		die("node%u: %s", node, err);
	if (sl_load_node(fd, &req, kernel_addr, NULL, &res, err, sizeof(err)))
		die("%s", err);
	printf("node%u: loaded: kernel at %#" PRIx64 ", boot_params at %#" PRIx64
	       ", initrd at %#" PRIx64 " (%zu bytes), trampoline at %#" PRIx64
	       ", boot CPU APIC ID %u%s\n", node, res.kernel, res.boot_params,
	       res.initrd, res.initrd_size, res.entry, res.boot_apic_id,
	       res.la57 ? ", 5-level paging" : "");
	printf("node%u: kernel %s\n", node, res.kernel_form);
	close(fd);
	return 0;
}

static int open_dev_or_die(struct shoji_info *info)
{
	char err[512];
	int fd = sl_open_dev(info, err, sizeof(err));

	if (fd < 0)
		die("%s", err);
	return fd;
}

/* NODE's control page, as mapped: node0 only writes to it (exec's command)
 * and reads it through read_control. */
static struct shoji_control *map_control(int fd, unsigned node)
{
	void *p = mmap(NULL, SHOJI_CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, (off_t)node * SHOJI_CONTROL_SIZE);

	if (p == MAP_FAILED)
		die("node%u: cannot map its control page: %s%s", node, strerror(errno),
		    errno == ENOENT ? " (the node is not loaded)" : "");
	return p;
}

/* One copy of the page, checked (common/ctl_view.h): the node may write
 * anything there, so node0 prints and acts only on what v says. Returns
 * false with v->why if the page is invalid. */
static bool read_control(const struct shoji_control *c, struct ctl_copy *copy,
			 struct ctl_view *v)
{
	ctl_copy_page(copy, c, SHOJI_CONTROL_SIZE);
	return ctl_read(copy, v);
}

static void read_control_or_die(const struct shoji_control *c, unsigned node,
				struct ctl_copy *copy, struct ctl_view *v)
{
	if (!read_control(c, copy, v))
		die("node%u: its control page is invalid: %s", node, v->why);
}

/* The node's state from node0's kernel, and its control page, checked */
static void node_status(int fd, unsigned node, struct shoji_status *st,
			struct ctl_copy *copy, struct ctl_view *v)
{
	*st = (struct shoji_status){ .size = sizeof(*st), .node = node };
	if (ioctl(fd, SHOJI_IOC_STATUS, st))
		die("node%u: %s", node, errno == ENOENT ? "nothing was ever loaded" :
		    strerror(errno));
	read_control_or_die(map_control(fd, node), node, copy, v);
}

/*
 * When NODE's agent started, on the machine's TSC, as its report says: the
 * first program of the node's init, so the end of the node's boot as a
 * user sees it. state is the node's state in the page just read. Dies when
 * the node does not run or its agent does not say.
 */
static uint64_t agent_started_tsc(int fd, unsigned node, uint32_t state)
{
	static char reply[SHOJI_REPLY_LEN];
	struct shoji_control *c;
	struct agent_report report;
	struct ctl_copy copy;
	struct ctl_view v;
	size_t len;

	if (state != SHOJI_STATE_RUNNING)
		die("node%u: is %s, not running: no agent to ask when it started",
		    node, ctl_state_name(state));
	c = map_control(fd, node);
	if (ctl_lock_node(fd, node))
		die("node%u: cannot take its command lock on /dev/shoji: %s", node,
		    strerror(errno));
	switch (ctl_ask(c, AGENT_REPORT_REQUEST, 30, 10, &copy, &v)) {
	case CTL_ANSWERED:
		break;
	case CTL_PAGE_INVALID:
		die("node%u: its control page is invalid: %s", node, v.why);
	case CTL_NOT_RUNNING:
		die("node%u: the node is %s%s%s", node, ctl_state_name(v.state),
		    v.reason[0] ? ": " : "", v.reason);
	case CTL_NO_ANSWER:
		die("node%u: no report from the node's agent within 30 s (node is %s)",
		    node, ctl_state_name(v.state));
	case CTL_TOO_LONG:
		die("node%u: the report request does not fit the command slot", node);
	}
	ctl_unlock_node(fd, node);
	len = ctl_reply(&copy, &v, reply, sizeof(reply));
	if (!agent_report_parse(reply, len, &report))
		die("node%u: its agent's answer is not a report: %.*s", node,
		    (int)(len > 80 ? 80 : len), reply);
	if (!report.started_tsc)
		die("node%u: its agent's report does not say when it started", node);
	return report.started_tsc;
}

static int cmd_simple(const char *cmd, unsigned node, int argc, char **argv)
{
	uint32_t stop_timeout_ms = 5000;
	bool ask_agent = false;
	struct shoji_info info;
	struct ctl_copy copy;
	struct ctl_view v;
	int fd, i;

	/* Every argument checked before anything is done */
	for (i = 1; i < argc; i++) {
		if (!strcmp(cmd, "times") && !strcmp(argv[i], "--agent")) {
			ask_agent = true;
			continue;
		}
		if (!strcmp(cmd, "stop") && !strcmp(argv[i], "--timeout")) {
			if (++i == argc)
				die("stop: --timeout needs a value in milliseconds");
			stop_timeout_ms = parse_stop_timeout(argv[i]);
			continue;
		}
		die("%s: unexpected argument '%s' (shoji-load --help)", cmd, argv[i]);
	}
	fd = open_dev_or_die(&info);

	if (!strcmp(cmd, "start")) {
		struct shoji_start start = { .size = sizeof(start), .node = node };
		int kmsg = kmsg_open_at_end();

		if (ioctl(fd, SHOJI_IOC_START, &start)) {
			int e = errno;

			print_kernel_reason(kmsg, node);
			die("node%u: cannot start: %s", node, strerror(e));
		}
		close(kmsg);
		printf("node%u: started\n", node);
	} else if (!strcmp(cmd, "stop")) {
		struct shoji_stop st = { .size = sizeof(st), .node = node,
					 .timeout_ms = stop_timeout_ms };

		if (ioctl(fd, SHOJI_IOC_STOP, &st)) {
			/* EIO: some CPU did not take INIT; the page says which */
			if (errno == EIO) {
				if (!read_control(map_control(fd, node), &copy, &v))
					die("node%u: cannot stop, and its control page is invalid: %s",
					    node, v.why);
				die("node%u: cannot stop: %s", node, v.reason);
			}
			die("node%u: cannot stop: %s", node, errno == ENOENT ?
			    "nothing was ever loaded" : strerror(errno));
		}
		printf("node%u: stopped\n", node);
	} else if (!strcmp(cmd, "status")) {
		struct shoji_status st;

		/* State and heartbeat as the copy has them: node0's kernel
		 * reads them from the same page, and one copy is consistent. */
		node_status(fd, node, &st, &copy, &v);
		printf("node%u: %s, heartbeat %" PRIu64 "%s", node, ctl_state_name(v.state),
		       v.heartbeat, st.started ? ", started" : "");
		if (v.reason[0])
			printf(", reason: %s", v.reason);
		if (v.tsc_running > v.tsc_start && info.tsc_khz)
			printf(", booted in %" PRIu64 " ms",
			       (v.tsc_running - v.tsc_start) / info.tsc_khz);
		printf("\n");
	} else if (!strcmp(cmd, "times")) {
		struct shoji_status st;
		uint64_t tsc_agent;

		node_status(fd, node, &st, &copy, &v);
		/* asked first: a node whose agent cannot say prints nothing */
		tsc_agent = ask_agent ? agent_started_tsc(fd, node, v.state) : 0;
		printf("{\"node\":%u,\"state\":\"%s\",\"tsc_khz\":%u,\"tsc_load\":%" PRIu64
		       ",\"tsc_start\":%" PRIu64 ",\"tsc_kernel\":%" PRIu64
		       ",\"tsc_running\":%" PRIu64 ",\"tsc_parked\":%" PRIu64,
		       node, ctl_state_name(v.state), info.tsc_khz, v.tsc_load,
		       v.tsc_start, v.tsc_kernel, v.tsc_running, v.tsc_parked);
		if (ask_agent)
			printf(",\"tsc_agent\":%" PRIu64, tsc_agent);
		printf("}\n");
	} else if (!strcmp(cmd, "console")) {
		/* The whole ring fits: it is what the page has after its header */
		static char text[SHOJI_CONTROL_SIZE + 1];
		size_t len;

		read_control_or_die(map_control(fd, node), node, &copy, &v);
		if (!v.con_size)
			die("node%u: bad console ring size (expected %u)", node,
			    SHOJI_CONTROL_SIZE - v.con_offset);
		len = ctl_console(&copy, &v, 0, text, sizeof(text) - 1, NULL, NULL);
		fwrite(text, 1, len, stdout);
	}
	close(fd);
	return 0;
}

/* What load gave the node is its until given back: load cannot know
 * whether the node is to run again. */
static int cmd_release(unsigned node, int argc, char **argv)
{
	struct sl_node listed = { .id = node };
	struct shoji_info info;
	int fd;

	if (argc != 2)
		die("release: expected NODE and its PCI devices, BB:DD.F[,...] (shoji-load --help)");
	parse_pci(argv[1], &listed);
	fd = open_dev_or_die(&info);
	for (unsigned i = 0; i < listed.nr_pci; i++) {
		struct shoji_dma_device dev = { .size = sizeof(dev), .node = node,
						.dev = listed.pci[i] };
		int kmsg = kmsg_open_at_end();
		char name[SL_PCI_NAME_LEN];

		sl_pci_dev_name(&dev.dev, name);
		if (ioctl(fd, SHOJI_IOC_RELEASE_DMA, &dev)) {
			int e = errno;

			print_kernel_reason(kmsg, node);
			die("node%u: cannot give PCI device %s back to node0: %s", node,
			    name, e == ENOENT ? "node0 did not give it to the node" : strerror(e));
		}
		close(kmsg);
		printf("node%u: PCI device %s given back to node0\n", node, name);
	}
	close(fd);
	return 0;
}

static int cmd_exec(unsigned node, int argc, char **argv)
{
	static char reply[SHOJI_REPLY_LEN];
	struct shoji_info info;
	struct shoji_control *c;
	struct ctl_copy copy;
	struct ctl_view v;
	char cmd[SHOJI_CMD_LEN];
	size_t len = 0;
	double timeout = 60;
	int fd, i = 1;

	if (i < argc && !strcmp(argv[i], "--timeout")) {
		if (i + 1 == argc)
			die("exec: --timeout needs a value in seconds");
		timeout = parse_exec_timeout(argv[i + 1]);
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		die("exec: no command");
	for (; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (len + l + 2 > sizeof(cmd))
			die("node%u: the command is longer than %d bytes", node, SHOJI_CMD_LEN - 1);
		if (len)
			cmd[len++] = ' ';
		memcpy(cmd + len, argv[i], l);
		len += l;
	}
	cmd[len] = '\0';

	fd = open_dev_or_die(&info);
	c = map_control(fd, node);
	read_control_or_die(c, node, &copy, &v);
	if (v.state != SHOJI_STATE_RUNNING)
		die("node%u: is %s, not running", node, ctl_state_name(v.state));
	/* One exec at a time per node: a control page has one command slot */
	if (ctl_lock_node(fd, node))
		die("node%u: cannot take its command lock on /dev/shoji: %s", node,
		    strerror(errno));
	switch (ctl_ask(c, cmd, timeout, 20, &copy, &v)) {
	case CTL_ANSWERED:
		break;
	case CTL_PAGE_INVALID:
		fprintf(stderr, "%s: node%u: its control page is invalid: %s\n",
			prog, node, v.why);
		return 125;
	case CTL_NOT_RUNNING:
		fprintf(stderr, "%s: node%u: the node is %s%s%s\n", prog, node,
			ctl_state_name(v.state), v.reason[0] ? ": " : "",
			v.reason);
		return 125;
	case CTL_NO_ANSWER:
		fprintf(stderr, "%s: node%u: no answer from the node's agent within %.0f s (node is %s)\n",
			prog, node, timeout, ctl_state_name(v.state));
		return 124;
	case CTL_TOO_LONG:
		die("node%u: the command is longer than %d bytes", node,
		    SHOJI_CMD_LEN - 1);
	}
	/* The reply and its status from the copy that has the answer */
	fwrite(reply, 1, ctl_reply(&copy, &v, reply, sizeof(reply)), stdout);
	fflush(stdout);
	ctl_unlock_node(fd, node);
	/* an exit status: what a node's agent sends is 0..255 */
	return v.reply_status < 0 || v.reply_status > 255 ? 255 : v.reply_status;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct shoji_info info;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "info")) {
		close(open_dev_or_die(&info));
		printf("node %u, TSC %u kHz, LAPIC timer %u kHz%s\n", info.node,
		       info.tsc_khz, info.lapic_khz,
		       info.load & SHOJI_LOAD_FILE_ONLY ?
		       ", locked down: loads nodes only from files whose signature verifies" : "");
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(parse_node(argv[2]), argc - 2, argv + 2);
	if (!strcmp(cmd, "release"))
		return cmd_release(parse_node(argv[2]), argc - 2, argv + 2);
	if (!strcmp(cmd, "start") || !strcmp(cmd, "stop") || !strcmp(cmd, "status") ||
	    !strcmp(cmd, "console") || !strcmp(cmd, "times"))
		return cmd_simple(cmd, parse_node(argv[2]), argc - 2, argv + 2);
	usage(stderr);
	return 2;
}
