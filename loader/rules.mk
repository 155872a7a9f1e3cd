# The node loader: libshoji-load (boot image building, node0 checks) and
# the shoji-load command, which reads plans with node-mgr's plan library.
# Included by the top-level Makefile after node-mgr/rules.mk.
#
# The ABI header is taken straight out of the kernel patch that adds it,
# so the kernel and user space share one source of truth.

OUT ?= out
LOADER_OUT := $(OUT)/loader
SHOJI_LOAD := $(OUT)/bin/shoji-load
TOOLS += $(SHOJI_LOAD)

LOADER_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -I$(OUT)/include -Iloader
LOADER_HEADERS := $(OUT)/include/linux/shoji.h loader/bootimage.h loader/machine.h \
	loader/fail.h loader/kmsg.h \
	loader/trampoline.h loader/load_req.h loader/load.h loader/vmlinux.h
LOADER_LIB_OBJS := $(LOADER_OUT)/bootimage.o $(LOADER_OUT)/machine.o \
	$(LOADER_OUT)/fail.o $(LOADER_OUT)/kmsg.o \
	$(LOADER_OUT)/load.o $(LOADER_OUT)/vmlinux.o \
	$(LOADER_OUT)/trampoline_blob.o
LOADER_LIB_SRCS := $(patsubst $(LOADER_OUT)/%.o,loader/%.c,\
	$(filter-out %/trampoline_blob.o,$(LOADER_LIB_OBJS)))
# The decompressors of the kernel payloads node0 unpacks (vmlinux.c)
LOADER_LIBS = $(call nm_pkg_flags,LOADER_LIBS,\
	pkg-config --libs liblzma libzstd zlib 2>/dev/null || echo -llzma -lzstd -lz)

.PHONY: loader test-loader
loader: $(SHOJI_LOAD)

$(OUT)/include/linux/shoji.h: kernel-patches/series $(wildcard kernel-patches/*.patch) \
		scripts/series-file.sh | $(DEPS_STAMP)
	@mkdir -p $(@D)
	scripts/series-file.sh kernel-patches include/uapi/linux/shoji.h > $@.tmp
	mv $@.tmp $@

$(LOADER_OUT)/trampoline.bin: loader/trampoline.S loader/trampoline.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -c -o $(LOADER_OUT)/trampoline.o loader/trampoline.S
	objcopy -O binary -j .text $(LOADER_OUT)/trampoline.o $@

$(LOADER_OUT)/trampoline_blob.o: loader/trampoline_blob.S $(LOADER_OUT)/trampoline.bin
	$(CC) -c -DTRAMPOLINE_BIN='"$(LOADER_OUT)/trampoline.bin"' -o $@ $<

$(LOADER_OUT)/%.o: loader/%.c $(LOADER_HEADERS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LOADER_OUT)/libshoji-load.a: $(LOADER_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# shoji-load reads plans with node-mgr's plan library; a change to its
# structures must rebuild what uses them
NM_HEADERS = $(wildcard node-mgr/*/*.h)
$(LOADER_OUT)/from_plan.o: loader/from_plan.c loader/load_req.h $(LOADER_HEADERS) \
		$(NM_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) $(NM_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# shoji-load reads control pages with node-mgr's checked reader
# (common/ctl_view) and takes node names as shoji does (common/node_name),
# both linked with the plan library below
$(LOADER_OUT)/shoji-load.o: loader/shoji-load.c $(NM_HEADERS) \
		$(LOADER_HEADERS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) -Inode-mgr $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(SHOJI_LOAD): $(LOADER_OUT)/shoji-load.o $(LOADER_OUT)/from_plan.o \
		$(LOADER_OUT)/libshoji-load.a $(call nm_objs,gcc,$(NM_LIB_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(NM_LIBS) $(LOADER_LIBS)

tools: $(SHOJI_LOAD)

# The unit tests' harness (tests/unit/check.h), so every test prints the
# same closing line. SERIES_SETUP_SHOJI is the number the series gives
# SETUP_SHOJI in asm/setup_data.h, a file it changes rather than adds:
# the test holds the loader's own definition to it.
$(LOADER_OUT)/test-bootimage: loader/tests/test_bootimage.c $(LOADER_OUT)/libshoji-load.a \
		$(LOADER_HEADERS) tests/unit/check.h
	$(CC) $(LOADER_CFLAGS) -Itests/unit -o $@ $< $(LOADER_OUT)/libshoji-load.a \
		$(LOADER_LIBS) -DSERIES_SETUP_SHOJI="$$(sed -n \
		's/^+#define[[:space:]]*SETUP_SHOJI[[:space:]]*\([0-9][0-9]*\)$$/\1/p' \
		$$(sed -n 's|^\([^#]\)|kernel-patches/\1|p' kernel-patches/series))"

# Under the sanitizers: it feeds the decompressors broken payloads
$(LOADER_OUT)/test-vmlinux: loader/tests/test_vmlinux.c $(LOADER_OUT)/libshoji-load.a \
		$(LOADER_HEADERS) tests/unit/check.h
	$(CC) $(LOADER_CFLAGS) $(NM_SANITIZE) -Itests/unit -o $@ $< \
		$(LOADER_LIB_SRCS) $(LOADER_OUT)/trampoline_blob.o $(LOADER_LIBS)

test-loader: $(LOADER_OUT)/test-bootimage $(LOADER_OUT)/test-vmlinux $(SHOJI_LOAD)
	$(LOADER_OUT)/test-bootimage
	$(LOADER_OUT)/test-vmlinux
	loader/tests/run-args.sh $(SHOJI_LOAD)

test-unit: test-loader

# The loader under clang too, warnings as errors (make check-clang)
LOADER_CLANG_OBJS := $(patsubst loader/%.c,$(LOADER_OUT)/clang/%.o,\
	$(LOADER_LIB_SRCS) loader/shoji-load.c loader/from_plan.c \
	loader/tests/test_bootimage.c loader/tests/test_vmlinux.c)
$(LOADER_OUT)/clang/%.o: loader/%.c $(LOADER_HEADERS) $(NM_HEADERS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(NM_CLANG) $(LOADER_CFLAGS) $(LOADER_CLANG_CPPFLAGS) -Itests/unit $(CPPFLAGS) -c -o $@ $<
LOADER_CLANG_CPPFLAGS = -Inode-mgr
# from_plan.c is built as node-mgr's files are
$(LOADER_OUT)/clang/from_plan.o: LOADER_CLANG_CPPFLAGS = $(NM_CPPFLAGS)

check-clang: $(LOADER_CLANG_OBJS)
