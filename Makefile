# Shoji: partitioning multi-kernel Linux.
#
#   make            tools, kernel, node initramfs and guest kernel
#   make tools      only the user-space tools (fast)
#   make test       unit tests, then the testbed tests
#   make demo       boot the testbed from configs/ and show the nodes
#   make bench      the benchmark suite on the testbed (out/bench/)
#   make install    the tools under $(DESTDIR)$(PREFIX) (default /usr/local)
#   make deb        the tools' Debian package (out/deb/)
#   make server-kernel-deb  the kernel for real servers as Debian packages
#   make debian-node-root  a Debian 12 root for the testbed's nodes
#
# The kernel builds outside the repository, under $(SHOJI_CACHE).

OUT         ?= out
SHOJI_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/shoji
export SHOJI_CACHE

DEPS_STAMP  := $(OUT)/.deps-installed
KERNEL      := $(OUT)/bzImage
VANILLA_KERNEL := $(OUT)/vanilla/bzImage
INITRAMFS   := $(OUT)/initramfs.cpio.gz
NODE_INITRAMFS := $(OUT)/node-initramfs.cpio.zst
NODE_QEMU   := $(OUT)/node-qemu/usr/bin/qemu-system-x86_64
GUEST_KERNEL := $(OUT)/guest/vmlinuz
GUEST_INITRAMFS := $(OUT)/guest/initramfs.cpio.gz

.PHONY: all deps tools kernel vanilla-kernel server-kernel-deb test-patches test-server-kernel test-kunit initramfs guest-kernel guest-initramfs test test-unit \
	test-fresh-root test-testbed debian-node-root demo bench clean
.DEFAULT_GOAL := all

all: tools kernel initramfs guest-kernel guest-initramfs

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

include node-mgr/rules.mk
include bench/rules.mk
include loader/rules.mk
include tests/tools/rules.mk
include initramfs/rules.mk
include dist/rules.mk

# The same source without the patch series: the benchmarks' plain Linux.
vanilla-kernel: $(VANILLA_KERNEL)
$(VANILLA_KERNEL): kernel-patches/shoji.config scripts/build-kernel.sh | $(DEPS_STAMP)
	scripts/build-kernel.sh vanilla none kernel-patches/shoji.config $@

# The kernel for real servers: Debian's configuration for amd64 with what
# the series needs. Built in full only on request (hours on two cores);
# make test compiles the series' files under its configuration.
SERVER_BASE_CONFIG := /usr/src/linux-config-6.12/config.amd64_none_amd64.xz
SERVER_KERNEL_ARGS = --base-config $(SERVER_BASE_CONFIG) server kernel-patches \
	kernel-patches/server.config

server-kernel-deb: | $(DEPS_STAMP)
	scripts/build-kernel.sh --package $(SERVER_KERNEL_ARGS) $(OUT)/deb

# Every patch of the series passes the kernel's checkpatch.pl, as one sent
# upstream must; the Linux source the kernel build unpacked provides it.
# And every patch compiles and links on the ones before it: the files the
# series touched so far, at each step, in the configuration of $(KERNEL),
# and the symbols they use against what that step's kernel defines.
test-patches: $(KERNEL)
	scripts/check-patches.sh kernel-patches
	scripts/build-kernel.sh --steps shoji kernel-patches kernel-patches/shoji.config \
		$(OUT)/kernel-steps

# The series' KUnit tests (kernel-patches/kunit.config), in a kernel built
# from $(KERNEL)'s source tree: ccache has compiled most of it already.
KUNIT_KERNEL := $(OUT)/kunit/bzImage
$(KUNIT_KERNEL): $(KERNEL) kernel-patches/kunit.config
	@mkdir -p $(@D)
	cat kernel-patches/shoji.config kernel-patches/kunit.config > $(@D)/config
	scripts/build-kernel.sh --source-of shoji kunit kernel-patches $(@D)/config $@

test-kunit: $(KUNIT_KERNEL)
	tests/kunit/run $(KUNIT_KERNEL)

test-server-kernel: | $(DEPS_STAMP)
	scripts/build-kernel.sh --objects $(SERVER_KERNEL_ARGS) $(OUT)/server-kernel/objects

kernel: $(KERNEL)
$(KERNEL): kernel-patches/series $(wildcard kernel-patches/*.patch) \
		kernel-patches/shoji.config scripts/build-kernel.sh | $(DEPS_STAMP)
	scripts/build-kernel.sh shoji kernel-patches kernel-patches/shoji.config $@

initramfs: $(INITRAMFS) $(NODE_INITRAMFS) $(NODE_QEMU)
# node0's initramfs carries the machine's QEMU: dpkg rewrites the package's
# file list whenever it installs another version. A node's leaves it out,
# so that it loads and unpacks in a fraction of the time, and finds QEMU
# on its own disk (the testbed puts $(NODE_QEMU)'s tree there); of the
# tools it carries only NODE_TOOLS: the agent, shoji-bench and the tests'
# tools as one static program (initramfs/rules.mk), not `shoji` and
# `shoji-load`, whose libraries were a third of it, nor the C library.
INITRAMFS_DEPS = scripts/build-initramfs.sh scripts/lib/initramfs.sh \
	$(wildcard initramfs/*) testbed/exec-agent guest/launch guest/ctl $(TOOLS)
QEMU_PACKAGE_LIST = $(wildcard /var/lib/dpkg/info/qemu-system-x86.list)
$(INITRAMFS): $(INITRAMFS_DEPS) $(QEMU_PACKAGE_LIST) | $(DEPS_STAMP)
	scripts/build-initramfs.sh $@ $(TOOLS)
$(NODE_INITRAMFS): $(INITRAMFS_DEPS) $(NODE_TOOLS) | $(DEPS_STAMP)
	scripts/build-initramfs.sh --without-qemu $@ $(NODE_TOOLS)
$(NODE_QEMU): scripts/build-initramfs.sh scripts/lib/initramfs.sh $(QEMU_PACKAGE_LIST) \
		| $(DEPS_STAMP)
	scripts/build-initramfs.sh --only-qemu $(OUT)/node-qemu

guest-kernel: $(GUEST_KERNEL)
$(GUEST_KERNEL): scripts/fetch-guest-kernel.sh | $(DEPS_STAMP)
	scripts/fetch-guest-kernel.sh $(@D)

guest-initramfs: $(GUEST_INITRAMFS)
$(GUEST_INITRAMFS): scripts/build-guest-initramfs.sh scripts/lib/initramfs.sh \
		guest/init $(GUEST_KERNEL) $(OUT)/bin/shoji-bench
	scripts/build-guest-initramfs.sh $@ $$(cat $(OUT)/guest/version) \
		$(OUT)/bin/shoji-bench

test: all vanilla-kernel test-unit test-dist test-patches test-kunit test-server-kernel test-fresh-root test-testbed

# The README's build in a clean Debian 12 root: proves that every step
# waits for the dependency install and that the install brings everything.
test-fresh-root: | $(DEPS_STAMP)
	tests/fresh-root/run

# Then the server machine's nodes, NVMe disks and NICs once more under an
# IOMMU that remaps interrupts (every file can run so: README, testbed).
test-testbed: all vanilla-kernel debian-node-root | $(DEPS_STAMP)
	tests/testbed/run
	SHOJI_TESTBED_IOMMU=1 tests/testbed/run 15-server-machine.bats

# The Debian 12 root a testbed node boots from its disk
# (configs/debian-node.ini), with the tools' package installed: built
# under $(SHOJI_CACHE), again only when it is a week old or its inputs
# changed.
debian-node-root: all deb | $(DEPS_STAMP)
	testbed/debian-node-root > /dev/null

demo: all
	testbed/demo

# The seven configurations of the Mint evaluation on the testbed.
# The report also shows what the configurations that did not fail measured.
bench: all vanilla-kernel
	bench/run-suite; status=$$?; bench/report && exit $$status

clean:
	rm -rf $(OUT)
