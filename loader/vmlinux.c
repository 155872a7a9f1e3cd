#define _POSIX_C_SOURCE 200809L /* pthread_rwlock_t */

#include "vmlinux.h"

#include <elf.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "fail.h"

/* Where the setup header keeps the payload and the address the kernel
 * was linked for (boot protocol 2.08 and 2.10) */
#define HDR_PAYLOAD_OFFSET	0x248
#define HDR_PAYLOAD_LENGTH	0x24c
#define HDR_PREF_ADDRESS	0x258

/* A decompressed kernel larger than this is not a kernel */
#define VMLINUX_MAX		(UINT64_C(1) << 30)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool payload(const struct sl_bzimage *bz, const uint8_t **p,
		    size_t *len)
{
	size_t off, size;

	/* payload_offset counts from the protected-mode kernel */
	off = bz->setup_size + le32(bz->data + HDR_PAYLOAD_OFFSET);
	size = le32(bz->data + HDR_PAYLOAD_LENGTH);
	if (off > bz->size || size > bz->size - off || size < 8)
		return false;
	*p = bz->data + off;
	*len = size;
	return true;
}

const char *sl_payload_format(const struct sl_bzimage *bz)
{
	static const struct {
		const char *name;
		size_t len;
		uint8_t magic[6];
	} formats[] = {
		{ "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0 } },
		{ "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd } },
		{ "gzip", 2, { 0x1f, 0x8b } },
		{ "lz4", 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ "lzo", 4, { 0x89, 'L', 'Z', 'O' } },
		{ "bzip2", 3, { 'B', 'Z', 'h' } },
		{ "lzma", 3, { 0x5d, 0, 0 } },
		{ "none", 4, { 0x7f, 'E', 'L', 'F' } },
	};
	const uint8_t *p;
	size_t len;

	if (!payload(bz, &p, &len))
		return "unknown";
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (len >= formats[i].len &&
		    !memcmp(p, formats[i].magic, formats[i].len))
			return formats[i].name;
	return "unknown";
}

/*
 * The kernel's build appends the decompressed size, 32-bit little endian,
 * to an xz or zstd payload; gzip's own trailer ends with it.
 */
static size_t appended_size(const uint8_t *p, size_t len)
{
	return le32(p + len - 4);
}

static int unxz(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
		char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
		sl_fail(err, errlen, "xz: cannot start the decoder");
		return -1;
	}
	s.next_in = in;
	s.avail_in = inlen;
	s.next_out = out;
	s.avail_out = outlen;
	r = lzma_code(&s, LZMA_FINISH);
	lzma_end(&s);
	if (r != LZMA_STREAM_END || s.total_out != outlen) {
		sl_fail(err, errlen, "xz: the payload does not decompress to the %zu bytes it announces (liblzma error %d)",
			outlen, (int)r);
		return -1;
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t inlen, uint8_t *out,
		  size_t outlen, char *err, size_t errlen)
{
	size_t frame = ZSTD_findFrameCompressedSize(in, inlen);
	size_t n;

	if (ZSTD_isError(frame)) {
		sl_fail(err, errlen, "zstd: %s", ZSTD_getErrorName(frame));
		return -1;
	}
	n = ZSTD_decompress(out, outlen, in, frame);
	if (ZSTD_isError(n) || n != outlen) {
		sl_fail(err, errlen, "zstd: the payload does not decompress to the %zu bytes it announces%s%s",
			outlen, ZSTD_isError(n) ? ": " : "",
			ZSTD_isError(n) ? ZSTD_getErrorName(n) : "");
		return -1;
	}
	return 0;
}

static int gunzip(const uint8_t *in, size_t inlen, uint8_t *out,
		  size_t outlen, char *err, size_t errlen)
{
	z_stream s;
	int r;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) {
		sl_fail(err, errlen, "gzip: cannot start the decoder");
		return -1;
	}
	/* Both sizes are below VMLINUX_MAX, so they fit zlib's uInt */
	s.next_in = (Bytef *)(uintptr_t)in;
	s.avail_in = (uInt)inlen;
	s.next_out = out;
	s.avail_out = (uInt)outlen;
	r = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	if (r != Z_STREAM_END || s.total_out != outlen) {
		sl_fail(err, errlen, "gzip: the payload does not decompress to the %zu bytes it announces (zlib error %d)",
			outlen, r);
		return -1;
	}
	return 0;
}

/*
 * Adds [start, end) (page-aligned, within image) to vm's pieces, kept
 * sorted and merged. Returns false when they would be more than
 * SL_VMLINUX_MAX_PIECES.
 */
static bool add_piece(struct sl_vmlinux *vm, uint64_t start, uint64_t end)
{
	struct sl_vmlinux_piece *p = vm->piece;
	unsigned i = 0, j;

	while (i < vm->nr_pieces && p[i].offset + p[i].size < start)
		i++;
	/* Merge with every piece it touches, from the i-th on */
	for (j = i; j < vm->nr_pieces && p[j].offset <= end; j++) {
		if (p[j].offset < start)
			start = p[j].offset;
		if (p[j].offset + p[j].size > end)
			end = p[j].offset + p[j].size;
	}
	if (j == i && vm->nr_pieces == SL_VMLINUX_MAX_PIECES)
		return false;
	/* Pieces i..j-1 become one; those after move up or down */
	memmove(&p[i + 1], &p[j], (vm->nr_pieces - j) * sizeof(*p));
	vm->nr_pieces = vm->nr_pieces - (j - i) + 1;
	p[i].offset = start;
	p[i].size = (size_t)(end - start);
	return true;
}

/* The pieces of image the segments fill from the file; one piece of the
 * whole image when they are too many */
static void find_pieces(struct sl_vmlinux *vm, const uint8_t *elf,
			const Elf64_Ehdr *eh, uint64_t base)
{
	const uint64_t page = 4096;

	vm->nr_pieces = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		uint64_t at, end;
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh->e_phoff + (size_t)i * sizeof(ph),
		       sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		at = ph.p_paddr - base;
		end = (at + ph.p_filesz + page - 1) & ~(page - 1);
		if (end > vm->size)
			end = vm->size;
		if (!add_piece(vm, at & ~(page - 1), end)) {
			vm->nr_pieces = 1;
			vm->piece[0].offset = 0;
			vm->piece[0].size = vm->size;
			return;
		}
	}
}

int sl_vmlinux_layout(struct sl_vmlinux *vm, const uint8_t *elf,
		      size_t size, uint64_t base, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t file_end = 0, mem_end = 0;
	unsigned loads = 0;

	memset(vm, 0, sizeof(*vm));
	if (size < sizeof(eh)) {
		sl_fail(err, errlen, "the decompressed kernel is too short for an ELF header");
		return -1;
	}
	memcpy(&eh, elf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64 ||
	    eh.e_type != ET_EXEC) {
		sl_fail(err, errlen, "the decompressed kernel is not an x86-64 ELF executable");
		return -1;
	}
	if (eh.e_phentsize != sizeof(ph) || eh.e_phoff > size ||
	    (uint64_t)eh.e_phnum * sizeof(ph) > size - eh.e_phoff) {
		sl_fail(err, errlen, "the decompressed kernel's program headers lie outside it");
		return -1;
	}
	/* Two passes: the extent first, then the copies */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			uint64_t at;

			memcpy(&ph, elf + eh.e_phoff + (size_t)i * sizeof(ph),
			       sizeof(ph));
			if (ph.p_type != PT_LOAD)
				continue;
			if (ph.p_paddr < base || ph.p_filesz > ph.p_memsz ||
			    ph.p_offset > size || ph.p_filesz > size - ph.p_offset ||
			    ph.p_memsz > VMLINUX_MAX ||
			    ph.p_paddr - base > VMLINUX_MAX) {
				sl_fail(err, errlen, "the decompressed kernel's segment %u (physical %#llx, %llu bytes) does not fit its image or its load address %#llx",
					i, (unsigned long long)ph.p_paddr,
					(unsigned long long)ph.p_memsz,
					(unsigned long long)base);
				return -1;
			}
			at = ph.p_paddr - base;
			if (pass == 0) {
				loads++;
				if (at + ph.p_filesz > file_end)
					file_end = at + ph.p_filesz;
				if (at + ph.p_memsz > mem_end)
					mem_end = at + ph.p_memsz;
			} else {
				memcpy(vm->image + at, elf + ph.p_offset,
				       ph.p_filesz);
			}
		}
		if (pass == 0) {
			if (!loads) {
				sl_fail(err, errlen, "the decompressed kernel has no loadable segment");
				return -1;
			}
			if (eh.e_entry < base || eh.e_entry - base >= file_end) {
				sl_fail(err, errlen, "the decompressed kernel's entry %#llx lies outside its segments",
					(unsigned long long)eh.e_entry);
				return -1;
			}
			vm->image = calloc(1, (size_t)file_end);
			if (!vm->image) {
				sl_fail(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	vm->size = (size_t)file_end;
	vm->memsz = mem_end;
	vm->entry = eh.e_entry - base;
	find_pieces(vm, elf, &eh, base);
	return 0;
}

int sl_vmlinux_unpack(struct sl_vmlinux *vm, const struct sl_bzimage *bz,
		      char *err, size_t errlen)
{
	const char *format = sl_payload_format(bz);
	uint64_t base = le64(bz->data + HDR_PREF_ADDRESS);
	const uint8_t *in;
	uint8_t *elf;
	size_t inlen, outlen;
	int ret;

	memset(vm, 0, sizeof(*vm));
	if (!payload(bz, &in, &inlen)) {
		sl_fail(err, errlen, "the setup header's payload lies outside the bzImage");
		return -1;
	}
	if (strcmp(format, "xz") && strcmp(format, "zstd") &&
	    strcmp(format, "gzip")) {
		sl_fail(err, errlen, "its payload is compressed with %s; this loader decompresses xz, zstd and gzip",
			format);
		return -1;
	}
	outlen = appended_size(in, inlen);
	if (outlen < sizeof(Elf64_Ehdr) || outlen > VMLINUX_MAX) {
		sl_fail(err, errlen, "its %s payload announces %zu bytes, not a kernel's size",
			format, outlen);
		return -1;
	}
	elf = malloc(outlen);
	if (!elf) {
		sl_fail(err, errlen, "out of memory");
		return -1;
	}
	if (!strcmp(format, "xz"))
		ret = unxz(in, inlen - 4, elf, outlen, err, errlen);
	else if (!strcmp(format, "zstd"))
		ret = unzstd(in, inlen - 4, elf, outlen, err, errlen);
	else
		ret = gunzip(in, inlen, elf, outlen, err, errlen);
	if (!ret)
		ret = sl_vmlinux_layout(vm, elf, outlen, base, err, errlen);
	free(elf);
	if (!ret)
		snprintf(vm->format, sizeof(vm->format), "%s", format);
	return ret;
}

void sl_vmlinux_free(struct sl_vmlinux *vm)
{
	free(vm->image);
	memset(vm, 0, sizeof(*vm));
}

/* The kept kernel dropped; the lock stays as it is, held or not */
static void cache_drop(struct sl_vmlinux_cache *cache)
{
	free(cache->bzimage);
	cache->bzimage = NULL;
	cache->bzimage_size = 0;
	sl_vmlinux_free(&cache->vm);
}

static bool cache_has(const struct sl_vmlinux_cache *cache,
		      const struct sl_bzimage *bz)
{
	return cache->bzimage && cache->bzimage_size == bz->size &&
	       !memcmp(cache->bzimage, bz->data, bz->size);
}

void sl_vmlinux_cache_hold(struct sl_vmlinux_cache *cache,
			   const struct sl_bzimage *bz)
{
	pthread_rwlock_rdlock(&cache->lock);
	if (cache_has(cache, bz))
		return;
	pthread_rwlock_unlock(&cache->lock);
	pthread_rwlock_wrlock(&cache->lock);
}

int sl_vmlinux_cached(struct sl_vmlinux_cache *cache,
		      const struct sl_bzimage *bz, const struct sl_vmlinux **vm,
		      char *err, size_t errlen)
{
	struct sl_vmlinux fresh;
	uint8_t *copy;

	if (cache_has(cache, bz)) {
		*vm = &cache->vm;
		return 0;
	}
	if (sl_vmlinux_unpack(&fresh, bz, err, errlen))
		return -1;
	copy = malloc(bz->size);
	if (!copy) {
		sl_vmlinux_free(&fresh);
		sl_fail(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, bz->data, bz->size);
	cache_drop(cache);
	cache->bzimage = copy;
	cache->bzimage_size = bz->size;
	cache->vm = fresh;
	*vm = &cache->vm;
	return 0;
}

void sl_vmlinux_cache_init(struct sl_vmlinux_cache *cache)
{
	memset(cache, 0, sizeof(*cache));
	pthread_rwlock_init(&cache->lock, NULL);
}

void sl_vmlinux_cache_free(struct sl_vmlinux_cache *cache)
{
	cache_drop(cache);
	pthread_rwlock_destroy(&cache->lock);
}
