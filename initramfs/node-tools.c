/* shoji-node-tools: every program a node's initramfs runs besides busybox
 * (the agent, shoji-bench and the tests' tools) as one program linked
 * statically, run through a link named after the program, as busybox's
 * applets are. Linked apart, each would carry its own copy of the C
 * library's code, or all of them the shared library: 2.2 MB, which every
 * node boot unpacks before init runs. The build renames each program's
 * main() after it: shoji-bench's is shoji_bench_main(). */
#include <stdio.h>
#include <string.h>

int shoji_agent_main(int argc, char **argv);
int shoji_bench_main(int argc, char **argv);
int shoji_memtest_main(int argc, char **argv);
int shoji_dma_probe_main(int argc, char **argv);
int shoji_kexec_probe_main(int argc, char **argv);

static const struct node_tool {
	const char *name;
	int (*main)(int argc, char **argv);
} node_tools[] = {
	{ "shoji-agent", shoji_agent_main },
	{ "shoji-bench", shoji_bench_main },
	{ "shoji-memtest", shoji_memtest_main },
	{ "shoji-dma-probe", shoji_dma_probe_main },
	{ "shoji-kexec-probe", shoji_kexec_probe_main },
};

#define NODE_TOOLS_COUNT (sizeof(node_tools) / sizeof(node_tools[0]))

static const struct node_tool *node_tool_named(const char *name)
{
	for (size_t i = 0; i < NODE_TOOLS_COUNT; i++)
		if (!strcmp(node_tools[i].name, name))
			return &node_tools[i];
	return NULL;
}

static int usage(FILE *to, int status)
{
	fputs("Usage: shoji-node-tools PROGRAM [ARGUMENT...]\n"
	      "       shoji-node-tools --list\n"
	      "       PROGRAM [ARGUMENT...]   (run through a link named PROGRAM)\n"
	      "\n"
	      "The programs a Shoji node's initramfs runs, in one static program.\n"
	      "--list prints their names, one per line.\n",
	      to);
	return status;
}

int main(int argc, char **argv)
{
	const struct node_tool *tool;
	const char *slash;

	if (argc < 1)
		return usage(stderr, 2);
	slash = strrchr(argv[0], '/');
	tool = node_tool_named(slash ? slash + 1 : argv[0]);
	if (tool)
		return tool->main(argc, argv);
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NODE_TOOLS_COUNT; i++)
			puts(node_tools[i].name);
		return 0;
	}
	tool = node_tool_named(argv[1]);
	if (!tool) {
		fprintf(stderr, "shoji-node-tools: no program named '%s' here (--list names them)\n",
			argv[1]);
		return 2;
	}
	return tool->main(argc - 1, argv + 1);
}
