# node-mgr: the `shoji` tool, its unit tests and its fuzz targets.
# Included by the top-level Makefile, which sets OUT and uses $(TOOLS).
#
#   tools        $(OUT)/bin/shoji
#   test-unit    clang warning build, unit tests (ASan+UBSan), plan tests,
#                valgrind run, prefix truncation test, 20 s of fuzzing
#   fuzz         a longer fuzz run (NM_FUZZ_SECONDS, default 600)
#   check-clang  everything built with clang, warnings as errors (the
#                loader's files too, from loader/rules.mk)

.PHONY: tools test-unit fuzz check-clang

# node-mgr/README.md says which room a file belongs in.
NM_LIB_NAMES := common/units common/cpuset common/diag common/range_set \
	common/sysroot common/ctl_view common/ctl_channel common/protocol \
	common/node_name \
	common/text_tail \
	plan/plan_source plan/plan plan/plan_check plan/boot_params \
	plan/plan_create \
	machine/memory_map machine/numa_map machine/iommu_state \
	machine/pci_devices machine/node0_needs machine/kernel_signature \
	machine/machine_check \
	daemon/dma_fault daemon/state_file daemon/restart_policy \
	cli/cmd_check cli/cmd_plan cli/client_args cli/option_hint
NM_LIB_SRCS := $(NM_LIB_NAMES:%=node-mgr/%.c)
# The manager and the agent: they drive node0's kernel through the loader
# library (loader/rules.mk), so the unit tests do not link them.
NM_MGR_NAMES := daemon/clock daemon/manager daemon/events \
	daemon/state_save daemon/manager_lock daemon/partition \
	daemon/node_ops daemon/health daemon/guests daemon/status_json \
	daemon/dma_watch daemon/plan_adopt daemon/state_restore \
	daemon/node_cycle daemon/cmd_up_down daemon/cmd_lifecycle \
	daemon/cmd_status daemon/cmd_logs daemon/cmd_exec daemon/daemon \
	cli/cmd_client agent/agent
NM_MGR_SRCS := $(NM_MGR_NAMES:%=node-mgr/%.c)
NM_MAIN_SRC := node-mgr/cli/shoji.c $(NM_MGR_SRCS)
NM_UNIT_TESTS := test_units test_diag test_plan test_machine_check \
	test_ctl_view test_ctl_channel test_protocol test_dma_fault test_state_file test_plan_create \
	test_restart_policy test_cli
NM_TRUNCATE_TEST := test_truncate
NM_FUZZ_SRC := tests/unit/fuzz_plan.c
NM_FUZZ_CTL_SRC := tests/unit/fuzz_ctl_view.c
NM_FUZZ_STATE_SRC := tests/unit/fuzz_state_file.c
NM_FUZZ_SECONDS ?= 600

# Package flags are asked of pkg-config only when a recipe first needs
# them, so never before the dependency install has run; then kept.
nm_pkg_flags = $(eval $(1) := $$(shell $(2)))$($(1))
# Debian's iniparser has no .pc file.
NM_INIPARSER_CFLAGS = $(call nm_pkg_flags,NM_INIPARSER_CFLAGS,\
	pkg-config --cflags iniparser 2>/dev/null || echo -I/usr/include/iniparser)
NM_INIPARSER_LIBS = $(call nm_pkg_flags,NM_INIPARSER_LIBS,\
	pkg-config --libs iniparser 2>/dev/null || echo -liniparser)
NM_PCI_CFLAGS = $(call nm_pkg_flags,NM_PCI_CFLAGS,\
	pkg-config --cflags libpci 2>/dev/null)
NM_PCI_LIBS = $(call nm_pkg_flags,NM_PCI_LIBS,\
	pkg-config --libs libpci 2>/dev/null || echo -lpci)

NM_CLANG ?= clang
NM_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
# Includes name the room: "plan/plan.h", "loader/load.h".
NM_CPPFLAGS = -D_GNU_SOURCE -Inode-mgr -I. -I$(OUT)/include \
	$(NM_INIPARSER_CFLAGS) $(NM_PCI_CFLAGS)
NM_CFLAGS := -std=c11 -O2 -g $(NM_WARN) -MMD -MP
NM_LIBS = $(NM_INIPARSER_LIBS) $(NM_PCI_LIBS) -lpthread -lm
NM_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
NM_FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all

NM_OBJ := $(OUT)/obj
# $(call nm_objs,FLAVOUR,SOURCES)
nm_objs = $(patsubst %.c,$(NM_OBJ)/$(1)/%.o,$(2))

# The loader objects the manager links (built by loader/rules.mk)
NM_LOADER_OBJS = $(OUT)/loader/from_plan.o $(OUT)/loader/libshoji-load.a

NM_ALL_SRCS := $(NM_LIB_SRCS) $(NM_MAIN_SRC) \
	$(NM_UNIT_TESTS:%=tests/unit/%.c) tests/unit/$(NM_TRUNCATE_TEST).c
NM_ASAN_LIB := $(call nm_objs,asan,$(NM_LIB_SRCS))
NM_TEST_BINS := $(NM_UNIT_TESTS:%=$(OUT)/tests/%) \
	$(OUT)/tests/$(NM_TRUNCATE_TEST)

TOOLS += $(OUT)/bin/shoji
# The agent as a program of its own: a node's initramfs carries it (in
# shoji-node-tools, initramfs/rules.mk), not `shoji` and its libraries.
NM_AGENT_SRCS := node-mgr/agent/agent.c node-mgr/agent/shoji-agent.c
TOOLS += $(OUT)/bin/shoji-agent
NODE_TOOL_SRCS += $(NM_AGENT_SRCS)

tools: $(TOOLS)

# Objects, one tree per flavour: gcc (the tool), asan (tests), clang
# (proof of a warning-free clang build) and fuzz (libFuzzer).
# The tools honour the distribution's CPPFLAGS, CFLAGS and LDFLAGS
# (hardening, in the Debian package).
$(NM_OBJ)/gcc/%.o: %.c | $(OUT)/include/linux/shoji.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(NM_CPPFLAGS) $(CPPFLAGS) $(NM_CFLAGS) $(CFLAGS) -c -o $@ $<

$(NM_OBJ)/asan/%.o: %.c | $(OUT)/include/linux/shoji.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(NM_CPPFLAGS) $(NM_CFLAGS) -O1 $(NM_SANITIZE) -c -o $@ $<

$(NM_OBJ)/clang/%.o: %.c | $(OUT)/include/linux/shoji.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(NM_CLANG) $(NM_CPPFLAGS) $(NM_CFLAGS) -c -o $@ $<

$(NM_OBJ)/fuzz/%.o: %.c | $(OUT)/include/linux/shoji.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(NM_CLANG) $(NM_CPPFLAGS) $(NM_CFLAGS) -O1 $(NM_FUZZ_SANITIZE) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(OUT)/bin/shoji: $(call nm_objs,gcc,$(NM_LIB_SRCS) $(NM_MAIN_SRC)) \
		$(NM_LOADER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(NM_LIBS) $(LOADER_LIBS)

# Linked statically: a node's boot waits for its agent's start, and the
# dynamic loader and the C library's relocations took 50 of the 90 ms
# from init's fork to the agent's main() on the testbed.
$(OUT)/bin/shoji-agent: $(call nm_objs,gcc,$(NM_AGENT_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -static-pie -o $@ $^

$(OUT)/tests/shoji-asan: $(NM_ASAN_LIB) $(call nm_objs,asan,$(NM_MAIN_SRC)) \
		$(NM_LOADER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(NM_SANITIZE) -o $@ $^ $(NM_LIBS) $(LOADER_LIBS)

$(NM_TEST_BINS): $(OUT)/tests/%: $(NM_OBJ)/asan/tests/unit/%.o $(NM_ASAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(NM_SANITIZE) -o $@ $^ $(NM_LIBS)

$(OUT)/tests/fuzz_plan: $(call nm_objs,fuzz,$(NM_LIB_SRCS) $(NM_FUZZ_SRC))
	@mkdir -p $(@D)
	$(NM_CLANG) $(NM_FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $^ $(NM_LIBS)

$(OUT)/tests/fuzz_state_file: $(call nm_objs,fuzz,node-mgr/daemon/state_file.c $(NM_FUZZ_STATE_SRC))
	@mkdir -p $(@D)
	$(NM_CLANG) $(NM_FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $^

$(OUT)/tests/fuzz_ctl_view: $(call nm_objs,fuzz,node-mgr/common/ctl_view.c $(NM_FUZZ_CTL_SRC))
	@mkdir -p $(@D)
	$(NM_CLANG) $(NM_FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $^ -lm

$(NM_OBJ)/clang/shoji: $(call nm_objs,clang,$(NM_ALL_SRCS) $(NM_FUZZ_SRC) \
		$(NM_FUZZ_CTL_SRC) $(NM_FUZZ_STATE_SRC)) $(NM_LOADER_OBJS)
	$(NM_CLANG) -o $@ $(call nm_objs,clang,$(NM_LIB_SRCS) $(NM_MAIN_SRC)) \
		$(NM_LOADER_OBJS) $(NM_LIBS) $(LOADER_LIBS)

$(NM_OBJ)/clang/agent/shoji-agent: $(call nm_objs,clang,$(NM_AGENT_SRCS))
	@mkdir -p $(@D)
	$(NM_CLANG) -o $@ $^

check-clang: $(NM_OBJ)/clang/shoji $(NM_OBJ)/clang/agent/shoji-agent

test-unit: check-clang $(NM_TEST_BINS) $(OUT)/tests/shoji-asan \
		$(OUT)/bin/shoji $(OUT)/tests/fuzz_plan $(OUT)/tests/fuzz_ctl_view \
		$(OUT)/tests/fuzz_state_file | $(DEPS_STAMP)
	@set -e; for t in $(NM_UNIT_TESTS); do \
		echo "== $$t"; $(OUT)/tests/$$t; done
	@echo "== plan tests"
	@tests/unit/run-plan-tests.sh $(OUT)/tests/shoji-asan tests/plans
	@echo "== truncated plans"
	@$(OUT)/tests/$(NM_TRUNCATE_TEST) tests/plans/good/*.ini
	@echo "== valgrind"
	@tests/unit/run-valgrind.sh $(OUT)/bin/shoji tests/plans
	@echo "== fuzz (20 s)"
	@tests/unit/run-fuzz.sh $(OUT)/tests/fuzz_plan $(OUT)/fuzz 20
	@echo "== fuzz the control page reader (10 s)"
	@tests/unit/run-fuzz-ctl.sh $(OUT)/tests/fuzz_ctl_view $(OUT)/fuzz-ctl 10
	@echo "== fuzz the state file reader (10 s)"
	@tests/unit/run-fuzz-ctl.sh $(OUT)/tests/fuzz_state_file \
		$(OUT)/fuzz-state 10 tests/state-corpus

fuzz: $(OUT)/tests/fuzz_plan
	tests/unit/run-fuzz.sh $(OUT)/tests/fuzz_plan $(OUT)/fuzz \
		$(NM_FUZZ_SECONDS)

-include $(wildcard $(NM_OBJ)/*/node-mgr/*/*.d $(NM_OBJ)/*/tests/unit/*.d)
