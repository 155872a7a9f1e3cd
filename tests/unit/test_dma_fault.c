/* Unit tests of daemon/dma_fault.c: IOMMU fault lines of node0's kernel log */
#include <stdio.h>
#include <string.h>

#include "daemon/dma_fault.h"

#include "check.h"

static void test_vtd(void)
{
	struct dma_fault f;

	CHECK(dma_fault_parse("DMAR: [DMA Write NO_PASID] Request device [00:03.0] "
			      "fault addr 0x3c5e1000 [fault reason 0x05] PTE Write "
			      "access is not set", &f));
	CHECK_STR(f.device, "0000:00:03.0");
	CHECK(f.write);
	CHECK(f.address == 0x3c5e1000);
	CHECK_STR(f.reason, "PTE Write access is not set");

	CHECK(dma_fault_parse("DMAR: [DMA Read NO_PASID] Request device [1a:1f.7] "
			      "fault addr 0x102c4d000 [fault reason 0x06] PTE Read "
			      "access is not set", &f));
	CHECK_STR(f.device, "0000:1a:1f.7");
	CHECK(!f.write);
	CHECK(f.address == 0x102c4d000);
	CHECK_STR(f.reason, "PTE Read access is not set");

	/* other DMAR lines are not faults */
	CHECK(!dma_fault_parse("DMAR: Intel(R) Virtualization Technology for "
			       "Directed I/O", &f));
	CHECK(!dma_fault_parse("DMAR: [INTR-REMAP] Request device [00:03.0] "
			       "fault index 0x1", &f));
	CHECK(!dma_fault_parse("DMAR: [DMA Write NO_PASID] Request device "
			       "[00:20.0] fault addr 0x1000", &f));
	CHECK(!dma_fault_parse("DMAR: [DMA Write NO_PASID] Request device "
			       "[00:03.0] fault", &f));
}

static void test_shoji(void)
{
	struct dma_fault f;

	CHECK(dma_fault_parse("Shoji: node2: 0000:00:04.0: DMA read at 0xfeed000 "
			      "outside the node's memory blocked", &f));
	CHECK_STR(f.device, "0000:00:04.0");
	CHECK(!f.write);
	CHECK(f.address == 0xfeed000);
	CHECK_STR(f.reason, "");
	CHECK(!dma_fault_parse("Shoji: node1: 0000:00:03.0: DMA confined to the "
			       "node's memory (IOMMU group 2)", &f));
	CHECK(!dma_fault_parse("", &f));
}

int main(void)
{
	test_vtd();
	test_shoji();
	return check_summary();
}
