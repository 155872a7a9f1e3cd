# initramfs: shoji-node-tools, the programs a node's initramfs runs besides
# busybox as one static program (initramfs/node-tools.c says why). The
# rules files before this one add each program's sources to
# NODE_TOOL_SRCS; a program's main() is in shoji-NAME.c, and is renamed
# shoji_NAME_main() here, from the objects the program itself is built
# from. Uses the object rules of node-mgr/rules.mk.

NODE_TOOLS := $(OUT)/bin/shoji-node-tools
NODE_TOOL_MAINS := $(foreach f,$(NODE_TOOL_SRCS),$(if $(filter shoji-%,$(notdir $f)),$f))
# $(call node_tool_objs,FLAVOUR): gcc for the program, asan for its test
node_tool_objs = $(call nm_objs,$(1),initramfs/node-tools.c \
	$(filter-out $(NODE_TOOL_MAINS),$(sort $(NODE_TOOL_SRCS)))) \
	$(call nm_objs,node-tools/$(1),$(NODE_TOOL_MAINS))

# node-tools/FLAVOUR/PATH.o from FLAVOUR/PATH.o
$(NM_OBJ)/node-tools/%.o: $(NM_OBJ)/%.o
	@mkdir -p $(@D)
	objcopy --redefine-sym main=$(subst -,_,$(notdir $*))_main $< $@

$(OUT)/bin/shoji-node-tools: $(call node_tool_objs,gcc)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -static-pie -o $@ $^

tools: $(OUT)/bin/shoji-node-tools

check-clang: $(call nm_objs,clang,initramfs/node-tools.c)

# The program as the node runs it, and under ASan and UBSan: valgrind
# reads a static program's C library as the program's own code.
$(OUT)/tests/shoji-node-tools-asan: $(call node_tool_objs,asan)
	@mkdir -p $(@D)
	$(CC) $(NM_SANITIZE) -o $@ $^

.PHONY: test-node-tools
test-node-tools: $(OUT)/bin/shoji-node-tools $(OUT)/tests/shoji-node-tools-asan
	@echo "== shoji-node-tools"
	@tests/unit/run-node-tools-smoke.sh $(OUT)/bin/shoji-node-tools $(OUT)/tests
	@tests/unit/run-node-tools-smoke.sh $(OUT)/tests/shoji-node-tools-asan $(OUT)/tests
test-unit: test-node-tools

-include $(wildcard $(NM_OBJ)/*/initramfs/*.d)
