/* The kernel proper out of a bzImage: its payload decompressed in user
 * space and laid out as its ELF program headers place it, so that a node
 * enters it at startup_64 instead of running the bzImage's decompressor
 * at every boot. kexec-tools loads an ELF vmlinux the same way. */
#ifndef SHOJI_VMLINUX_H
#define SHOJI_VMLINUX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "bootimage.h"

/* Bytes of image that a program header fills from the file, page-aligned
 * outward and merged where they touch */
struct sl_vmlinux_piece {
	uint64_t offset;	/* from the load address */
	size_t size;
};

struct sl_vmlinux {
	uint8_t *image;		/* from the load address on; gaps zeroed */
	size_t size;		/* bytes of image */
	uint64_t memsz;		/* up to _end: .bss and .brk included */
	uint64_t entry;		/* startup_64, from the load address */
	char format[8];		/* the payload's compression: "xz", ... */
	/*
	 * What a node needs loaded of image: not the gaps between the
	 * segments, which the kernel frees at boot, nor .bss and .brk,
	 * which it clears itself before it uses them (clear_bss()), as it
	 * must after its own decompressor, which leaves them as they were.
	 */
	unsigned nr_pieces;
	struct sl_vmlinux_piece piece[SL_VMLINUX_MAX_PIECES];
};

/* The compression of the bzImage's payload ("xz", "zstd", "gzip", or what
 * this loader cannot decompress: "lz4", "lzo", "bzip2", "lzma", "none",
 * "unknown"). */
const char *sl_payload_format(const struct sl_bzimage *bz);

/* Decompresses the payload and lays the kernel out. Returns 0, or -1 with
 * the reason in err; the bzImage stays loadable as it is either way. */
int sl_vmlinux_unpack(struct sl_vmlinux *vm, const struct sl_bzimage *bz,
		      char *err, size_t errlen);

/* Lays out an ELF vmlinux whose lowest segment belongs at base (the
 * kernel's LOAD_PHYSICAL_ADDR). Returns 0, or -1 with the reason in err. */
int sl_vmlinux_layout(struct sl_vmlinux *vm, const uint8_t *elf,
		      size_t size, uint64_t base, char *err, size_t errlen);

void sl_vmlinux_free(struct sl_vmlinux *vm);

/*
 * The decompressed kernel of the last bzImage unpacked, kept by a caller
 * that loads the same kernel again and again (the node manager restarting
 * a node): a bzImage byte-identical to the kept one is not decompressed
 * again.
 */
struct sl_vmlinux_cache {
	/* Loads from several threads share the cache. sl_load_node() holds
	 * it from its lookup until the node's image is copied: for reading
	 * when the cache has its kernel already, so that the copies of
	 * several nodes go on at once, and for writing when it must be
	 * decompressed, as sl_warm_kernel() does. sl_vmlinux_cached() takes
	 * no lock. */
	pthread_rwlock_t lock;
	uint8_t *bzimage;
	size_t bzimage_size;
	struct sl_vmlinux vm;
};

/* vm for bz, from the cache when bz is the kept bzImage; the cache owns
 * what *vm points to. Returns 0, or -1 with the reason in err. */
int sl_vmlinux_cached(struct sl_vmlinux_cache *cache,
		      const struct sl_bzimage *bz, const struct sl_vmlinux **vm,
		      char *err, size_t errlen);

/* Takes cache->lock: for reading if the cache holds bz, else for writing */
void sl_vmlinux_cache_hold(struct sl_vmlinux_cache *cache,
			   const struct sl_bzimage *bz);

void sl_vmlinux_cache_init(struct sl_vmlinux_cache *cache);
void sl_vmlinux_cache_free(struct sl_vmlinux_cache *cache);

#endif
