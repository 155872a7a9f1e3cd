# bench: shoji-bench, the benchmark program that runs on plain Linux, nodes
# and guests, and its unit tests. Uses the object rules of node-mgr/rules.mk.

.PHONY: test-bench

BENCH_LIB_SRCS := bench/tsc.c bench/stats.c bench/report.c bench/workloads.c \
	node-mgr/common/units.c
BENCH_MAIN_SRC := bench/shoji-bench.c

TOOLS += $(OUT)/bin/shoji-bench
NODE_TOOL_SRCS += $(BENCH_LIB_SRCS) $(BENCH_MAIN_SRC)
tools: $(OUT)/bin/shoji-bench
$(OUT)/bin/shoji-bench: $(call nm_objs,gcc,$(BENCH_LIB_SRCS) $(BENCH_MAIN_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^

$(OUT)/tests/test_bench: $(call nm_objs,asan,$(BENCH_LIB_SRCS) tests/unit/test_bench.c)
	@mkdir -p $(@D)
	$(CC) $(NM_SANITIZE) -o $@ $^

$(NM_OBJ)/clang/shoji-bench: $(call nm_objs,clang,$(BENCH_LIB_SRCS) \
		$(BENCH_MAIN_SRC) tests/unit/test_bench.c)
	$(NM_CLANG) -o $@ $(call nm_objs,clang,$(BENCH_LIB_SRCS) $(BENCH_MAIN_SRC))

check-clang: $(NM_OBJ)/clang/shoji-bench

# shoji-bench picks its TSC reader from CPUID; every reader this CPU has
# runs once under valgrind, and one it lacks is refused.
test-bench: $(OUT)/tests/test_bench $(OUT)/bin/shoji-bench
	@echo "== test_bench"
	@$(OUT)/tests/test_bench $(OUT)/tests
	@echo "== shoji-bench runs"
	@tests/unit/run-bench-smoke.sh $(OUT)/bin/shoji-bench $(OUT)/tests

test-unit: test-bench

-include $(wildcard $(NM_OBJ)/*/bench/*.d)
