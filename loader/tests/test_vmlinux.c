#define _POSIX_C_SOURCE 200809L /* pthread_rwlock_t */

/* Unit tests of node0's decompression of a bzImage's payload: a small ELF
 * kernel compressed as the kernel's build does it (xz and zstd with the
 * size appended, gzip), unpacked, laid out and put in a boot image.
 * Prints a final line "N passed, N failed". */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "bootimage.h"
#include "check.h"
#include "trampoline.h"
#include "vmlinux.h"

#define BASE	0x1000000	/* the kernel's LOAD_PHYSICAL_ADDR */
#define TEXT	0x3000		/* bytes of the first segment */
#define DATA	0x1000		/* ... of the second, 2 MiB on */
#define BSS	0x5000		/* the second's memsz beyond its file */

/* Two PT_LOAD segments: text at BASE, data with .bss 2 MiB higher; the
 * entry 0x40 into text */
static uint8_t *tiny_elf(size_t *size, uint16_t machine)
{
	size_t off_text = 0x1000, off_data = off_text + TEXT;
	uint8_t *e = calloc(1, off_data + DATA);
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = BASE + 0x40;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off_text,
			      .p_paddr = BASE, .p_filesz = TEXT,
			      .p_memsz = TEXT, .p_align = 0x200000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off_data,
			      .p_paddr = BASE + 0x200000, .p_filesz = DATA,
			      .p_memsz = DATA + BSS, .p_align = 0x200000 };
	memcpy(e, &eh, sizeof(eh));
	memcpy(e + sizeof(eh), ph, sizeof(ph));
	memset(e + off_text, 0xcc, TEXT);
	memset(e + off_data, 0xdd, DATA);
	*size = off_data + DATA;
	return e;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The payload compressed with format, as arch/x86/boot/compressed does */
static uint8_t *compress_as(const char *format, const uint8_t *in, size_t len,
			 size_t *out_len)
{
	size_t cap = len + 65536, n = 0;
	uint8_t *out = malloc(cap + 4);

	if (!strcmp(format, "xz")) {
		CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len,
					      out, &n, cap) == LZMA_OK);
		put32(out + n, (uint32_t)len);
		n += 4;
	} else if (!strcmp(format, "zstd")) {
		n = ZSTD_compress(out, cap, in, len, 19);
		CHECK(!ZSTD_isError(n));
		put32(out + n, (uint32_t)len);
		n += 4;
	} else if (!strcmp(format, "gzip")) {
		z_stream s = { 0 };

		CHECK(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				   Z_DEFAULT_STRATEGY) == Z_OK);
		s.next_in = (Bytef *)(uintptr_t)in;
		s.avail_in = (uInt)len;
		s.next_out = out;
		s.avail_out = (uInt)cap;
		CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END);
		n = s.total_out;
		deflateEnd(&s);
	} else {
		/* lz4's legacy magic, then nothing worth reading */
		memcpy(out, "\x02\x21\x4c\x18", 4);
		memset(out + 4, 0, 60);
		n = 64;
	}
	*out_len = n;
	return out;
}

/* A bzImage whose payload is payload, 0x100 into the protected-mode part */
static uint8_t *bzimage_with(const uint8_t *payload, size_t len, size_t *size)
{
	size_t setup = 2 * 512, pm = 0x100 + len + 8192;
	uint8_t *d = calloc(1, setup + pm);
	struct setup_header h = { 0 };
	uint64_t pref = BASE;

	h.setup_sects = 1;
	h.boot_flag = 0xaa55;
	h.header = 0x53726448;
	h.version = 0x020f;
	h.relocatable_kernel = 1;
	h.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h.kernel_alignment = 0x200000;
	h.cmdline_size = 2047;
	h.init_size = 0x400000;
	h.payload_offset = 0x100;
	h.payload_length = (uint32_t)len;
	memcpy(d + 0x1f1, &h, sizeof(h));
	memcpy(d + 0x258, &pref, sizeof(pref));
	memcpy(d + 0x300, SHOJI_BZIMAGE_MARKER, strlen(SHOJI_BZIMAGE_MARKER));
	memcpy(d + setup + 0x100, payload, len);
	*size = setup + pm;
	return d;
}

static void check_layout(const struct sl_vmlinux *vm)
{
	CHECK(vm->entry == 0x40);
	CHECK(vm->size == 0x200000 + DATA);
	CHECK(vm->memsz == 0x200000 + DATA + BSS);
	CHECK(vm->image[0] == 0xcc && vm->image[TEXT - 1] == 0xcc);
	/* the gap between the segments is zero */
	CHECK(vm->image[TEXT] == 0 && vm->image[0x1fffff] == 0);
	CHECK(vm->image[0x200000] == 0xdd && vm->image[0x200000 + DATA - 1] == 0xdd);
	/* loaded: the two segments' file bytes, not the gap nor .bss */
	CHECK(vm->nr_pieces == 2);
	CHECK(vm->piece[0].offset == 0 && vm->piece[0].size == TEXT);
	CHECK(vm->piece[1].offset == 0x200000 && vm->piece[1].size == DATA);
}

/* An ELF kernel with the PT_LOAD segments (offset from BASE, file bytes)
 * given, in that order, each filled from the file */
static uint8_t *elf_with(const uint64_t (*seg)[2], unsigned nr, size_t *size)
{
	size_t off = 0x1000, total = off;
	Elf64_Ehdr eh = { 0 };
	uint8_t *e;

	for (unsigned i = 0; i < nr; i++)
		total += seg[i][1];
	e = calloc(1, total);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_entry = BASE;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)nr;
	memcpy(e, &eh, sizeof(eh));
	for (unsigned i = 0; i < nr; i++) {
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_offset = off,
				  .p_paddr = BASE + seg[i][0],
				  .p_filesz = seg[i][1],
				  .p_memsz = seg[i][1] + 0x1000 };

		memcpy(e + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		memset(e + off, 0x11 * (int)(i + 1), seg[i][1]);
		off += seg[i][1];
	}
	*size = total;
	return e;
}

static void test_pieces(void)
{
	/* Out of order, a segment ending mid-page next to one starting in
	 * that page, one touching the next page: three pieces */
	const uint64_t merged[][2] = {
		{ 0x400000, 0x1000 }, { 0, 0x1800 }, { 0x1a00, 0x200 },
		{ 0x2000, 0x800 }, { 0x100000, 0x10 },
	};
	uint64_t many[SL_VMLINUX_MAX_PIECES + 1][2];
	struct sl_vmlinux vm;
	char err[256];
	size_t len;
	uint8_t *elf;

	elf = elf_with(merged, 5, &len);
	CHECK(sl_vmlinux_layout(&vm, elf, len, BASE, err, sizeof(err)) == 0);
	CHECK(vm.nr_pieces == 3);
	CHECK(vm.piece[0].offset == 0 && vm.piece[0].size == 0x3000);
	CHECK(vm.piece[1].offset == 0x100000 && vm.piece[1].size == 0x1000);
	/* the last piece ends where the file's bytes end */
	CHECK(vm.piece[2].offset == 0x400000 && vm.piece[2].size == 0x1000);
	CHECK(vm.size == 0x401000 && vm.memsz == 0x402000);
	CHECK(vm.image[0x1a00] == 0x33 && vm.image[0x2000] == 0x44);
	sl_vmlinux_free(&vm);
	free(elf);

	/* More segments apart than pieces: the whole image as one */
	for (unsigned i = 0; i <= SL_VMLINUX_MAX_PIECES; i++) {
		many[i][0] = (uint64_t)i << 21;
		many[i][1] = 0x100;
	}
	elf = elf_with(many, SL_VMLINUX_MAX_PIECES + 1, &len);
	CHECK(sl_vmlinux_layout(&vm, elf, len, BASE, err, sizeof(err)) == 0);
	CHECK(vm.nr_pieces == 1);
	CHECK(vm.piece[0].offset == 0 && vm.piece[0].size == vm.size);
	CHECK(vm.size == ((size_t)SL_VMLINUX_MAX_PIECES << 21) + 0x100);
	sl_vmlinux_free(&vm);
	free(elf);

	/* As many as there can be: each its own, whole pages but the last */
	elf = elf_with(many, SL_VMLINUX_MAX_PIECES, &len);
	CHECK(sl_vmlinux_layout(&vm, elf, len, BASE, err, sizeof(err)) == 0);
	CHECK(vm.nr_pieces == SL_VMLINUX_MAX_PIECES);
	for (unsigned i = 0; i < SL_VMLINUX_MAX_PIECES; i++)
		CHECK(vm.piece[i].offset == (uint64_t)i << 21 &&
		      vm.piece[i].size ==
			      (i + 1 < SL_VMLINUX_MAX_PIECES ? 0x1000 : 0x100));
	sl_vmlinux_free(&vm);
	free(elf);
}

static void test_formats(void)
{
	static const char *const formats[] = { "xz", "zstd", "gzip" };
	size_t elf_len, z_len, bz_len;
	uint8_t *elf = tiny_elf(&elf_len, EM_X86_64);

	for (size_t i = 0; i < 3; i++) {
		uint8_t *z = compress_as(formats[i], elf, elf_len, &z_len);
		uint8_t *d = bzimage_with(z, z_len, &bz_len);
		struct sl_bzimage bz;
		struct sl_vmlinux vm;
		char err[256];

		CHECK(sl_bzimage_parse(&bz, d, bz_len, err, sizeof(err)) == 0);
		CHECK(!strcmp(sl_payload_format(&bz), formats[i]));
		CHECK(sl_vmlinux_unpack(&vm, &bz, err, sizeof(err)) == 0);
		CHECK(!strcmp(vm.format, formats[i]));
		check_layout(&vm);
		sl_vmlinux_free(&vm);

		/* A payload cut short fails, and says which decoder */
		put32(d + 0x24c, (uint32_t)(z_len / 2));
		memcpy(d + 1024 + 0x100 + z_len / 2 - 4, z + z_len - 4, 4);
		CHECK(sl_bzimage_parse(&bz, d, bz_len, err, sizeof(err)) == 0);
		CHECK(sl_vmlinux_unpack(&vm, &bz, err, sizeof(err)) == -1);
		CHECK(!strncmp(err, formats[i], strlen(formats[i])));
		free(d);
		free(z);
	}
	free(elf);
}

static void test_refusals(void)
{
	size_t elf_len, z_len, bz_len;
	uint8_t *elf = tiny_elf(&elf_len, EM_X86_64);
	uint8_t *z, *d;
	struct sl_bzimage bz;
	struct sl_vmlinux vm;
	Elf64_Ehdr eh;
	char err[256];

	/* A format this loader leaves to the node */
	z = compress_as("lz4", elf, elf_len, &z_len);
	d = bzimage_with(z, z_len, &bz_len);
	CHECK(sl_bzimage_parse(&bz, d, bz_len, err, sizeof(err)) == 0);
	CHECK(!strcmp(sl_payload_format(&bz), "lz4"));
	CHECK(sl_vmlinux_unpack(&vm, &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "compressed with lz4") != NULL);
	/* A payload outside the file */
	put32(d + 0x24c, (uint32_t)bz_len);
	CHECK(sl_vmlinux_unpack(&vm, &bz, err, sizeof(err)) == -1);
	CHECK(strstr(err, "outside the bzImage") != NULL);
	free(d);
	free(z);

	/* Not x86-64 */
	free(elf);
	elf = tiny_elf(&elf_len, EM_AARCH64);
	CHECK(sl_vmlinux_layout(&vm, elf, elf_len, BASE, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not an x86-64 ELF") != NULL);
	free(elf);

	/* A segment below the load address, an entry outside the segments */
	elf = tiny_elf(&elf_len, EM_X86_64);
	CHECK(sl_vmlinux_layout(&vm, elf, elf_len, BASE + 0x1000, err, sizeof(err)) == -1);
	CHECK(strstr(err, "segment 0") != NULL);
	memcpy(&eh, elf, sizeof(eh));
	eh.e_entry = BASE + 0x300000;
	memcpy(elf, &eh, sizeof(eh));
	CHECK(sl_vmlinux_layout(&vm, elf, elf_len, BASE, err, sizeof(err)) == -1);
	CHECK(strstr(err, "entry") != NULL);
	/* Program headers beyond the end */
	eh.e_entry = BASE;
	eh.e_phoff = elf_len;
	memcpy(elf, &eh, sizeof(eh));
	CHECK(sl_vmlinux_layout(&vm, elf, elf_len, BASE, err, sizeof(err)) == -1);
	CHECK(strstr(err, "program headers") != NULL);
	CHECK(sl_vmlinux_layout(&vm, elf, 10, BASE, err, sizeof(err)) == -1);
	free(elf);
}

/* The cache decompresses a bzImage once; another one replaces it */
static void test_cache(void)
{
	size_t elf_len, z_len, bz_len;
	uint8_t *elf = tiny_elf(&elf_len, EM_X86_64);
	uint8_t *z = compress_as("zstd", elf, elf_len, &z_len);
	uint8_t *d = bzimage_with(z, z_len, &bz_len);
	struct sl_vmlinux_cache cache;
	const struct sl_vmlinux *a, *b;
	struct sl_bzimage bz;
	char err[256];

	sl_vmlinux_cache_init(&cache);
	CHECK(sl_bzimage_parse(&bz, d, bz_len, err, sizeof(err)) == 0);
	CHECK(sl_vmlinux_cached(&cache, &bz, &a, err, sizeof(err)) == 0);
	CHECK(sl_vmlinux_cached(&cache, &bz, &b, err, sizeof(err)) == 0);
	CHECK(a == b && b->image == cache.vm.image);
	check_layout(b);
	/* The kernel kept: loads hold the cache together, for reading */
	sl_vmlinux_cache_hold(&cache, &bz);
	CHECK(pthread_rwlock_tryrdlock(&cache.lock) == 0);
	CHECK(pthread_rwlock_trywrlock(&cache.lock) == EBUSY);
	pthread_rwlock_unlock(&cache.lock);
	pthread_rwlock_unlock(&cache.lock);
	/* One byte of the file changed: decompressed again, or refused,
	 * by one load alone. The kernel kept is replaced under the cache's
	 * lock, which stays held for the loads waiting on it. */
	d[0x300] ^= 1;
	sl_vmlinux_cache_hold(&cache, &bz);
	CHECK(pthread_rwlock_tryrdlock(&cache.lock) == EBUSY);
	CHECK(sl_vmlinux_cached(&cache, &bz, &b, err, sizeof(err)) == 0);
	CHECK(pthread_rwlock_tryrdlock(&cache.lock) == EBUSY);
	pthread_rwlock_unlock(&cache.lock);
	CHECK(cache.bzimage[0x300] == d[0x300]);
	check_layout(b);
	d[1024 + 0x100 + 8] ^= 0xff;
	CHECK(sl_vmlinux_cached(&cache, &bz, &b, err, sizeof(err)) == -1);
	sl_vmlinux_cache_free(&cache);
	free(d);
	free(z);
	free(elf);
}

/* The node enters a decompressed kernel at its startup_64 */
static void test_image_entry(void)
{
	size_t elf_len, z_len, bz_len;
	uint8_t *elf = tiny_elf(&elf_len, EM_X86_64);
	uint8_t *z = compress_as("xz", elf, elf_len, &z_len);
	uint8_t *d = bzimage_with(z, z_len, &bz_len);
	struct sl_bzimage bz;
	struct sl_vmlinux vm;
	struct sl_image img;
	struct sl_node n = { 0 };
	uint64_t entry;
	char err[256];

	n.id = 1;
	n.nr_cpus = 1;
	n.nr_ranges = 1;
	n.ranges[0] = (struct sl_range){ 0x100000000, 64 << 20 };
	n.lowmem = (struct sl_range){ 0x80000, 64 << 10 };
	n.control_pa = 0x7f001000;
	CHECK(sl_bzimage_parse(&bz, d, bz_len, err, sizeof(err)) == 0);
	CHECK(sl_vmlinux_unpack(&vm, &bz, err, sizeof(err)) == 0);
	CHECK(sl_build_image(&img, &n, &bz, &vm, NULL, 0, err, sizeof(err)) == 0);
	memcpy(&entry, (uint8_t *)img.seg[0].buf + TRAMP_ENTRY, 8);
	CHECK(entry == 0x100000000 + 0x40);
	/* its two pieces, from the decompressed kernel itself, not a copy */
	CHECK(img.kernel_seg == 1 && img.nr_kernel_segs == 2);
	CHECK(img.seg[1].mem == 0x100000000 && img.seg[1].bufsz == TEXT &&
	      img.seg[1].memsz == TEXT);
	CHECK(img.seg[1].buf == vm.image && !img.seg[1].owned);
	CHECK(img.seg[2].mem == 0x100000000 + 0x200000 &&
	      img.seg[2].bufsz == DATA && img.seg[2].memsz == DATA);
	CHECK(img.seg[2].buf == vm.image + 0x200000 && !img.seg[2].owned);
	/* boot_params after init_size, which covers the kernel's _end */
	CHECK(img.boot_params == 0x100000000 + 0x400000);
	sl_image_free(&img);
	/* Without it, the bzImage's own 64-bit entry */
	CHECK(sl_build_image(&img, &n, &bz, NULL, NULL, 0, err, sizeof(err)) == 0);
	memcpy(&entry, (uint8_t *)img.seg[0].buf + TRAMP_ENTRY, 8);
	CHECK(entry == 0x100000000 + 0x200);
	CHECK(img.seg[1].buf == (const uint8_t *)bz.data + bz.setup_size);
	sl_image_free(&img);
	sl_vmlinux_free(&vm);
	free(d);
	free(z);
	free(elf);
}

int main(void)
{
	test_formats();
	test_pieces();
	test_refusals();
	test_cache();
	test_image_entry();
	return check_summary();
}
