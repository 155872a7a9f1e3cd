#include "machine/kernel_signature.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* PE/COFF, as the EFI stub lays it out (arch/x86/boot/header.S) */
#define MZ_PE_OFFSET	0x3c	/* u32: where "PE\0\0" is */
#define COFF_SIZE	20	/* the file header after the signature */
#define OPT_MAGIC_PE32P	0x20b
#define OPT_NR_DIRS	108	/* u32 in a PE32+ optional header */
#define OPT_DIRS	112	/* its data directories, 8 bytes each */
#define DIR_SECURITY	4	/* file offset and size of the certificates */
#define HEAD_BYTES	4096

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

enum kernel_signature kernel_signature_of(const unsigned char *head,
					  size_t head_len, uint64_t size)
{
	const unsigned char *opt, *dir;
	uint32_t pe, offset, length;

	if (head_len < MZ_PE_OFFSET + 4 || head[0] != 'M' || head[1] != 'Z')
		return KERNEL_NOT_PE;
	pe = le32(head + MZ_PE_OFFSET);
	if (pe > head_len || head_len - pe < 4 + COFF_SIZE + OPT_DIRS ||
	    head[pe] != 'P' || head[pe + 1] != 'E' || head[pe + 2] ||
	    head[pe + 3])
		return KERNEL_NOT_PE;
	opt = head + pe + 4 + COFF_SIZE;
	if ((opt[0] | opt[1] << 8) != OPT_MAGIC_PE32P)
		return KERNEL_NOT_PE;
	if (le32(opt + OPT_NR_DIRS) <= DIR_SECURITY ||
	    (size_t)(opt - head) + OPT_DIRS + 8 * (DIR_SECURITY + 1) > head_len)
		return KERNEL_UNSIGNED;
	dir = opt + OPT_DIRS + 8 * DIR_SECURITY;
	offset = le32(dir);
	length = le32(dir + 4);
	if (!length || !offset || (uint64_t)offset + length > size)
		return KERNEL_UNSIGNED;
	return KERNEL_SIGNED;
}

int kernel_signature_read(const char *path, enum kernel_signature *sig)
{
	unsigned char head[HEAD_BYTES];
	struct stat st;
	ssize_t got;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return e;
	}
	got = pread(fd, head, sizeof(head), 0);
	e = errno;
	close(fd);
	if (got < 0)
		return e;
	*sig = kernel_signature_of(head, (size_t)got, (uint64_t)st.st_size);
	return 0;
}
