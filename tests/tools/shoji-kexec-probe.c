/* shoji-kexec-probe: ask this kernel for kexec, without a kernel to load,
 * and print what it answers. Test-only.
 *
 *   shoji-kexec-probe load	kexec_load() of no segments (an unload)
 *   shoji-kexec-probe exec	reboot(LINUX_REBOOT_CMD_KEXEC)
 *
 * Prints "load: ok" or "load: ERROR" (and the same for exec); exit 0 when
 * the call was made, 2 on bad usage. Without a loaded image, exec returns
 * EINVAL where nothing else stops it: it never reboots. */
#include <errno.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(const char *what, long ret)
{
	printf("%s: %s\n", what, ret ? strerror(errno) : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "load"))
		return report("load", syscall(SYS_kexec_load, 0UL, 0UL, NULL,
					      (unsigned long)KEXEC_ARCH_DEFAULT));
	if (argc == 2 && !strcmp(argv[1], "exec"))
		return report("exec", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
					      LINUX_REBOOT_MAGIC2,
					      LINUX_REBOOT_CMD_KEXEC, NULL));
	fprintf(stderr, "usage: shoji-kexec-probe load|exec\n");
	return 2;
}
