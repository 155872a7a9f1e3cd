# Shoji: partitioning multi-kernel Linux.
#
#   make            tools, kernel, node initramfs and guest kernel
#   make tools      only the user-space tools (fast)
#   make test       unit tests, then the testbed tests
#   make demo       boot the testbed from configs/ and show the nodes
#
# The kernel builds outside the repository, under $(SHOJI_CACHE).

OUT         ?= out
SHOJI_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/shoji
export SHOJI_CACHE

DEPS_STAMP  := $(OUT)/.deps-installed
KERNEL      := $(OUT)/bzImage
INITRAMFS   := $(OUT)/initramfs.cpio.gz
GUEST_KERNEL := $(OUT)/guest/vmlinuz

.PHONY: all deps tools kernel initramfs guest-kernel test test-unit \
	test-testbed demo clean
.DEFAULT_GOAL := all

all: tools kernel initramfs guest-kernel

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

include node-mgr/rules.mk
include bench/rules.mk
include loader/rules.mk

kernel: $(KERNEL)
$(KERNEL): kernel-patches/series $(wildcard kernel-patches/*.patch) \
		kernel-patches/shoji.config scripts/build-kernel.sh | $(DEPS_STAMP)
	scripts/build-kernel.sh shoji kernel-patches kernel-patches/shoji.config $@

initramfs: $(INITRAMFS)
$(INITRAMFS): scripts/build-initramfs.sh $(wildcard initramfs/*) \
		testbed/exec-agent $(TOOLS) | $(DEPS_STAMP)
	scripts/build-initramfs.sh $@ $(TOOLS)

guest-kernel: $(GUEST_KERNEL)
$(GUEST_KERNEL): scripts/fetch-guest-kernel.sh | $(DEPS_STAMP)
	scripts/fetch-guest-kernel.sh $(@D)

test: all test-unit test-testbed

test-testbed: all
	bats --timing tests/testbed

demo: all
	testbed/demo

clean:
	rm -rf $(OUT)
