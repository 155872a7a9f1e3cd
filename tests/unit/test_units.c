/* Value syntaxes: sizes, numbers, ranges, durations, CPU lists, PCI ids. */
#include "common/cpuset.h"
#include "common/units.h"

#include "check.h"

static void test_numbers(void)
{
	struct units_err err;
	uint64_t v;

	CHECK(units_parse_u64("0", &v, &err) && v == 0);
	CHECK(units_parse_u64("4096", &v, &err) && v == 4096);
	CHECK(units_parse_u64("0x7f000000", &v, &err) && v == 0x7f000000);
	CHECK(units_parse_u64("0XFFFFFFFFFFFFFFFF", &v, &err) &&
	      v == UINT64_MAX);
	CHECK(units_parse_u64("18446744073709551615", &v, &err) &&
	      v == UINT64_MAX);
	CHECK(!units_parse_u64("18446744073709551616", &v, &err));
	CHECK_STR(err.msg, "number does not fit in 64 bits");
	CHECK(!units_parse_u64("0x10000000000000000", &v, &err));
	CHECK(!units_parse_u64("", &v, &err));
	CHECK(!units_parse_u64("-1", &v, &err));
	CHECK(!units_parse_u64("12abc", &v, &err));
	CHECK(!units_parse_u64("0x", &v, &err));
	CHECK(!units_parse_u64(" 1", &v, &err));
}

static void test_sizes(void)
{
	struct units_err err;
	uint64_t v;

	CHECK(units_parse_size("64K", &v, &err) && v == 65536);
	CHECK(units_parse_size("64k", &v, &err) && v == 65536);
	CHECK(units_parse_size("512M", &v, &err) && v == 512 * UNITS_MIB);
	CHECK(units_parse_size("4G", &v, &err) && v == 4 * UNITS_GIB);
	CHECK(units_parse_size("1T", &v, &err) && v == UNITS_GIB * 1024);
	CHECK(units_parse_size("4096", &v, &err) && v == 4096);
	CHECK(units_parse_size("0x1000", &v, &err) && v == 4096);
	CHECK(units_parse_size("0x10M", &v, &err) && v == 16 * UNITS_MIB);
	CHECK(units_parse_size("16777215T", &v, &err) &&
	      v == UINT64_C(16777215) << 40);
	CHECK(!units_parse_size("16777216T", &v, &err));
	CHECK_STR(err.msg, "size does not fit in 64 bits");
	CHECK(!units_parse_size("99999999999999999999", &v, &err));
	CHECK_STR(err.msg, "number does not fit in 64 bits");
	CHECK(!units_parse_size("4X", &v, &err));
	CHECK_STR(err.msg, "unknown size suffix (use K, M, G or T)");
	CHECK(!units_parse_size("4KB", &v, &err));
	CHECK(!units_parse_size("K", &v, &err));
	CHECK(!units_parse_size("", &v, &err));
	CHECK(!units_parse_size("1.5G", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number: write 1536M instead of "
			   "1.5G");
	CHECK(!units_parse_size("0.5G", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number: write 512M instead of "
			   "0.5G");
	CHECK(!units_parse_size("0.25t", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number: write 256G instead of "
			   "0.25t");
	CHECK(!units_parse_size("2.0M", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number: write 2M instead of "
			   "2.0M");
	CHECK(!units_parse_size("0.5K", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number: write 512 instead of "
			   "0.5K");
	CHECK(!units_parse_size("0.3G", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number of bytes, K, M, G or T, "
			   "and 0.3G is none of them");
	CHECK(!units_parse_size("1.5", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number of bytes, K, M, G or T, "
			   "and 1.5 is none of them");
	CHECK(!units_parse_size("0x1.8G", &v, &err));
	CHECK_STR(err.msg, "a size is a whole number of bytes, K, M, G or T, "
			   "and 0x1.8G is none of them");
	CHECK(!units_parse_size("1.5GB", &v, &err));
	CHECK_STR(err.msg, "not a size (expected a whole number with an "
			   "optional K, M, G or T suffix)");
	CHECK(!units_parse_size("0.0000000000001G", &v, &err));
	CHECK(!units_parse_size("16777216.5T", &v, &err));
	CHECK_STR(err.msg, "size does not fit in 64 bits");
}

static void test_ranges(void)
{
	struct units_err err;
	struct mem_range r;
	char buf[64];

	CHECK(units_parse_range("512M@0x100000000", &r, &err));
	CHECK_U64(r.size, 512 * UNITS_MIB);
	CHECK_U64(r.addr, 0x100000000);
	CHECK_U64(mem_range_last(&r), 0x11fffffff);
	CHECK(units_parse_range(" 2M @ 4096 ", &r, &err) && r.addr == 4096);
	CHECK(units_parse_range("4K@0xfffffffffffff000", &r, &err));
	CHECK_U64(mem_range_last(&r), UINT64_MAX);
	CHECK(!units_parse_range("8K@0xfffffffffffff000", &r, &err));
	CHECK_STR(err.msg,
		  "ADDR+SIZE runs past the end of the 64-bit address space");
	CHECK(!units_parse_range("512M", &r, &err));
	CHECK(!units_parse_range("512M@", &r, &err));
	CHECK_STR(err.msg, "address is not a number (expected 0x hex or "
			   "decimal)");
	CHECK(!units_parse_range("@0x1000", &r, &err));
	CHECK(!units_parse_range("1M@1G", &r, &err));
	CHECK(!units_parse_range("1M@0x1@2", &r, &err));
	units_format_range(&(struct mem_range){ 0x100000000, UNITS_GIB }, buf,
			   sizeof(buf));
	CHECK_STR(buf, "0x100000000-0x13fffffff");
	CHECK(mem_ranges_overlap(&(struct mem_range){ 0, 4096 },
				 &(struct mem_range){ 4095, 1 }));
	CHECK(!mem_ranges_overlap(&(struct mem_range){ 0, 4096 },
				  &(struct mem_range){ 4096, 1 }));
	CHECK(!mem_ranges_overlap(&(struct mem_range){ 0, 0 },
				  &(struct mem_range){ 0, 1 }));
}

static void test_format_size(void)
{
	char buf[32];

	units_format_size(65536, buf, sizeof(buf));
	CHECK_STR(buf, "64K");
	units_format_size(3 * UNITS_GIB, buf, sizeof(buf));
	CHECK_STR(buf, "3G");
	units_format_size(2304 * UNITS_MIB, buf, sizeof(buf));
	CHECK_STR(buf, "2304M");
	units_format_size(UNITS_GIB * 2048, buf, sizeof(buf));
	CHECK_STR(buf, "2T");
	units_format_size(1000, buf, sizeof(buf));
	CHECK_STR(buf, "1000");
	units_format_size(0, buf, sizeof(buf));
	CHECK_STR(buf, "0");
}

static void test_durations(void)
{
	struct units_err err;
	uint64_t ms;
	char buf[32];

	CHECK(units_parse_duration_ms("100ms", &ms, &err) && ms == 100);
	CHECK(units_parse_duration_ms("3s", &ms, &err) && ms == 3000);
	CHECK(units_parse_duration_ms("2m", &ms, &err) && ms == 120000);
	CHECK(units_parse_duration_ms("0ms", &ms, &err) && ms == 0);
	CHECK(!units_parse_duration_ms("100", &ms, &err));
	CHECK_STR(err.msg, "duration needs a unit (ms, s or m)");
	CHECK(!units_parse_duration_ms("1h", &ms, &err));
	CHECK_STR(err.msg, "unknown duration unit (use ms, s or m)");
	CHECK(!units_parse_duration_ms("ms", &ms, &err));
	CHECK(!units_parse_duration_ms("1.5s", &ms, &err));
	CHECK(!units_parse_duration_ms("307445734561825861m", &ms, &err));
	CHECK_STR(err.msg, "duration does not fit in 64 bits");
	units_format_duration(100, buf, sizeof(buf));
	CHECK_STR(buf, "100ms");
	units_format_duration(3000, buf, sizeof(buf));
	CHECK_STR(buf, "3s");
	units_format_duration(600000, buf, sizeof(buf));
	CHECK_STR(buf, "10m");
}

static void test_cpu_lists(void)
{
	struct units_err err;
	struct cpuset set, other, both;
	char buf[64];

	CHECK(cpuset_parse("0,2-3", &set, &err));
	CHECK(cpuset_count(&set) == 3);
	CHECK(cpuset_has(&set, 0) && !cpuset_has(&set, 1) &&
	      cpuset_has(&set, 3));
	cpuset_format(&set, buf, sizeof(buf));
	CHECK_STR(buf, "0,2-3");
	CHECK(cpuset_parse(" 1 - 2 , 5 ", &set, &err));
	cpuset_format(&set, buf, sizeof(buf));
	CHECK_STR(buf, "1-2,5");
	CHECK(cpuset_parse("8191", &set, &err) && cpuset_has(&set, 8191));
	CHECK(cpuset_parse("", &set, &err) && cpuset_empty(&set));
	CHECK(!cpuset_parse("8192", &set, &err));
	CHECK_STR(err.msg, "CPU 8192 is above the highest CPU id 8191");
	CHECK(!cpuset_parse("0-9999999999", &set, &err));
	CHECK(!cpuset_parse("3-1", &set, &err));
	CHECK_STR(err.msg, "range 3-1 is reversed");
	CHECK(!cpuset_parse("0-2,2", &set, &err));
	CHECK_STR(err.msg, "CPU 2 is given twice");
	CHECK(!cpuset_parse("1,,2", &set, &err));
	CHECK_STR(err.msg, "empty item in CPU list");
	CHECK(!cpuset_parse("1,", &set, &err));
	CHECK(!cpuset_parse("a", &set, &err));
	CHECK_STR(err.msg, "'a' is not a CPU or CPU range (expected e.g. "
			   "0,2-3)");
	CHECK(!cpuset_parse("-1", &set, &err));
	CHECK(!cpuset_parse("1-", &set, &err));
	CHECK(!cpuset_parse("0x1", &set, &err));

	CHECK(cpuset_parse("0-3", &set, &err));
	CHECK(cpuset_parse("2-5", &other, &err));
	cpuset_and(&both, &set, &other);
	cpuset_format(&both, buf, sizeof(buf));
	CHECK_STR(buf, "2-3");
	cpuset_and_not(&both, &other, &set);
	cpuset_format(&both, buf, sizeof(buf));
	CHECK_STR(buf, "4-5");
	cpuset_from(&both, &other, 4);
	cpuset_format(&both, buf, sizeof(buf));
	CHECK_STR(buf, "4-5");

	CHECK(cpuset_parse("0,2,4,6,8,10,12,14,16,18,20", &set, &err));
	cpuset_format(&set, buf, 12);
	CHECK_STR(buf, "0,2,4,6,...");
}

static void test_pci(void)
{
	struct units_err err;
	struct pci_ref ref;
	char buf[32];

	CHECK(units_parse_pci("00:03.0", &ref, &err) && !ref.by_id);
	CHECK(ref.domain == 0 && ref.bus == 0 && ref.dev == 3 && ref.func == 0);
	units_format_pci(&ref, buf, sizeof(buf));
	CHECK_STR(buf, "0000:00:03.0");
	CHECK(units_parse_pci("0001:af:1f.7", &ref, &err));
	CHECK(ref.domain == 1 && ref.bus == 0xaf && ref.dev == 0x1f &&
	      ref.func == 7);
	CHECK(units_parse_pci("1af4:1001", &ref, &err) && ref.by_id);
	CHECK(ref.vendor == 0x1af4 && ref.device == 0x1001);
	units_format_pci(&ref, buf, sizeof(buf));
	CHECK_STR(buf, "1af4:1001");
	CHECK(units_parse_pci("8086:10D3", &ref, &err) && ref.device == 0x10d3);
	CHECK(!units_parse_pci("00:20.0", &ref, &err));
	CHECK_STR(err.msg, "not a PCI address (expected [DDDD:]BB:DD.F, "
			   "device 00-1f, function 0-7)");
	CHECK(!units_parse_pci("00:03.8", &ref, &err));
	CHECK(!units_parse_pci("00:03.", &ref, &err));
	CHECK(!units_parse_pci("100:03.0", &ref, &err));
	CHECK(!units_parse_pci("00000:00:03.0", &ref, &err));
	CHECK(!units_parse_pci("1:2:3:4.0", &ref, &err));
	CHECK(!units_parse_pci("1af4:100", &ref, &err));
	CHECK(!units_parse_pci("1af4:10011", &ref, &err));
	CHECK(!units_parse_pci("ffff:1001", &ref, &err));
	CHECK_STR(err.msg, "vendor id ffff is not a device");
	CHECK(!units_parse_pci("virtio", &ref, &err));
	CHECK(pci_ref_equal(&(struct pci_ref){ .bus = 1 },
			    &(struct pci_ref){ .bus = 1 }));
	CHECK(!pci_ref_equal(&(struct pci_ref){ .by_id = true },
			     &(struct pci_ref){ .by_id = false }));
}

static void test_list_iter(void)
{
	struct list_iter it;
	char item[8];

	list_iter_init(&it, " a , b,,c ,");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK_STR(item, "a");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK_STR(item, "b");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK_STR(item, "");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK_STR(item, "c");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK_STR(item, "");
	CHECK(!list_iter_next(&it, item, sizeof(item)));
	list_iter_init(&it, "   ");
	CHECK(!list_iter_next(&it, item, sizeof(item)));
	list_iter_init(&it, "abcdefghij");
	CHECK(list_iter_next(&it, item, sizeof(item)));
	CHECK(strlen(item) < sizeof(item));
}

int main(void)
{
	test_numbers();
	test_sizes();
	test_ranges();
	test_format_size();
	test_durations();
	test_cpu_lists();
	test_pci();
	test_list_iter();
	return check_summary();
}
