/* Whether a node's kernel file carries a signature, the question a
 * locked-down node0 settles by verifying it (SHOJI_IOC_LOAD_FILE): a
 * bzImage is a PE image (through its EFI stub), and a signed one has a
 * certificate table (Authenticode) in its security data directory. Only
 * its presence is read here; node0's kernel checks it against its
 * keyrings. */
#ifndef SHOJI_KERNEL_SIGNATURE_H
#define SHOJI_KERNEL_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

enum kernel_signature {
	KERNEL_SIGNED,
	KERNEL_UNSIGNED,
	KERNEL_NOT_PE,		/* no PE header: an old or EFI-less bzImage */
};

/* From the file's first bytes (head, at least its PE headers) and its
 * size. Pure, for tests. */
enum kernel_signature kernel_signature_of(const unsigned char *head,
					  size_t head_len, uint64_t size);

/* The same for a file. Returns 0, or an errno value. */
int kernel_signature_read(const char *path, enum kernel_signature *sig);

#endif
