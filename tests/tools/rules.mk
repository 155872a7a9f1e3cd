# Tools the testbed tests run inside the kernels; they go into the node
# initramfs with the other tools. Uses the object rules of node-mgr/rules.mk.

MEMTEST_SRC := tests/tools/shoji-memtest.c

TOOLS += $(OUT)/bin/shoji-memtest
tools: $(OUT)/bin/shoji-memtest
$(OUT)/bin/shoji-memtest: $(call nm_objs,gcc,$(MEMTEST_SRC))
	@mkdir -p $(@D)
	$(CC) -o $@ $^

$(NM_OBJ)/clang/shoji-memtest: $(call nm_objs,clang,$(MEMTEST_SRC))
	$(NM_CLANG) -o $@ $^

check-clang: $(NM_OBJ)/clang/shoji-memtest

-include $(wildcard $(NM_OBJ)/*/tests/tools/*.d)
