/* shoji-agent: the agent of `shoji agent` as a program of its own, linked
 * statically with the C library alone. A node's initramfs carries it
 * instead of `shoji`, whose plan, PCI and image libraries the agent never
 * uses and every node boot would otherwise unpack. */
#include "cli/commands.h"

int main(int argc, char **argv)
{
	return cmd_agent(argc, argv);
}
