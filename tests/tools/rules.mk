# Tools the testbed tests run inside the kernels; they go into node0's
# initramfs with the other tools, and into a node's (in shoji-node-tools,
# initramfs/rules.mk). Uses the object rules of node-mgr/rules.mk.

TEST_TOOLS := shoji-memtest shoji-dma-probe shoji-kexec-probe

TOOLS += $(TEST_TOOLS:%=$(OUT)/bin/%)
NODE_TOOL_SRCS += $(TEST_TOOLS:%=tests/tools/%.c)
tools: $(TEST_TOOLS:%=$(OUT)/bin/%)
$(OUT)/bin/shoji-%: $(NM_OBJ)/gcc/tests/tools/shoji-%.o
	@mkdir -p $(@D)
	$(CC) -o $@ $^

$(NM_OBJ)/clang/shoji-%: $(NM_OBJ)/clang/tests/tools/shoji-%.o
	$(NM_CLANG) -o $@ $^

check-clang: $(TEST_TOOLS:%=$(NM_OBJ)/clang/%)

-include $(wildcard $(NM_OBJ)/*/tests/tools/*.d)
