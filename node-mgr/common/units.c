#include "common/units.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void set_err(struct units_err *err, const char *msg)
{
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses the longest number at the start of s; returns the number of
 * characters used, 0 if there is no number, -1 on overflow. */
static int scan_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	const char *p = s;
	uint64_t v = 0;
	int digit;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    hex_digit(p[2]) >= 0) {
		base = 16;
		p += 2;
	}
	if (!isdigit((unsigned char)*p) && base == 10)
		return 0;
	for (; (digit = hex_digit(*p)) >= 0; p++) {
		if (base == 10 && digit > 9)
			break;
		if (v > (UINT64_MAX - (uint64_t)digit) / base)
			return -1;
		v = v * base + (uint64_t)digit;
	}
	*out = v;
	return (int)(p - s);
}

bool units_parse_u64(const char *s, uint64_t *out, struct units_err *err)
{
	int used = scan_u64(s, out);

	if (used < 0) {
		set_err(err, "number does not fit in 64 bits");
		return false;
	}
	if (used == 0 || s[used] != '\0') {
		set_err(err, "not a number (expected decimal or 0x hex)");
		return false;
	}
	return true;
}

static int suffix_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	case 'T':
		return 40;
	default:
		return -1;
	}
}

/*
 * Sizes are whole numbers: "0.5G" is refused, naming the whole size it
 * means in the largest unit that holds it exactly ("512M"). The value is
 * (whole * 10^n + fraction) * 2^shift / 10^n, exact when the numerator is
 * a multiple of 5^n and enough factors of two are left.
 */
static void explain_fraction(const char *s, uint64_t whole,
			     const char *fraction, struct units_err *err)
{
	static const char *const suffixes[] = { "", "K", "M", "G", "T" };
	uint64_t numerator = whole, pow5 = 1, bytes;
	unsigned digits = 0, twos = 0;
	int shift = 0;
	const char *p, *unit = "";

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		goto not_whole;
	for (p = fraction; isdigit((unsigned char)*p); p++, digits++) {
		if (digits == 12 || numerator > (UINT64_MAX - 9) / 10)
			goto not_whole;
		numerator = numerator * 10 + (uint64_t)(*p - '0');
		pow5 *= 5;
	}
	if (*p) {
		shift = suffix_shift(*p);
		if (shift < 0 || p[1]) {
			set_err(err, "not a size (expected a whole number "
				     "with an optional K, M, G or T suffix)");
			return;
		}
	}
	if (numerator % pow5)
		goto not_whole;
	numerator /= pow5;
	while (numerator && !(numerator & 1) && twos < digits) {
		numerator >>= 1;
		twos++;
	}
	/* numerator * 2^(shift - digits + twos) is the size in bytes */
	if ((int)(digits - twos) > shift)
		goto not_whole;
	shift -= (int)(digits - twos);
	if (numerator > (UINT64_MAX >> shift)) {
		set_err(err, "size does not fit in 64 bits");
		return;
	}
	bytes = numerator << shift;
	for (int i = 4; i > 0; i--)
		if (bytes % (UINT64_C(1) << (10 * i)) == 0) {
			unit = suffixes[i];
			bytes >>= 10 * i;
			break;
		}
	snprintf(err->msg, sizeof(err->msg),
		 "a size is a whole number: write %" PRIu64 "%s instead of %s",
		 bytes, unit, s);
	return;
not_whole:
	snprintf(err->msg, sizeof(err->msg),
		 "a size is a whole number of bytes, K, M, G or T, and %s is "
		 "none of them", s);
}

bool units_parse_size(const char *s, uint64_t *out, struct units_err *err)
{
	uint64_t v;
	int used = scan_u64(s, &v);
	int shift = 0;

	if (used < 0) {
		set_err(err, "number does not fit in 64 bits");
		return false;
	}
	if (used == 0) {
		set_err(err, "not a size (expected a number with an optional "
			     "K, M, G or T suffix)");
		return false;
	}
	if (s[used] == '.') {
		explain_fraction(s, v, s + used + 1, err);
		return false;
	}
	if (s[used] != '\0') {
		shift = suffix_shift(s[used]);
		if (shift < 0 || s[used + 1] != '\0') {
			set_err(err, "unknown size suffix (use K, M, G or T)");
			return false;
		}
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		set_err(err, "size does not fit in 64 bits");
		return false;
	}
	*out = v << shift;
	return true;
}

/* Copies s[0..len) without surrounding spaces; false if it does not fit. */
static bool copy_trimmed(const char *s, size_t len, char *out, size_t cap)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= cap)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

bool units_parse_range(const char *s, struct mem_range *out,
		       struct units_err *err)
{
	const char *at = strchr(s, '@');
	char size_text[64], addr_text[64];

	if (!at) {
		set_err(err, "not a range (expected SIZE@ADDR, e.g. "
			     "512M@0x100000000)");
		return false;
	}
	if (!copy_trimmed(s, (size_t)(at - s), size_text, sizeof(size_text)) ||
	    !copy_trimmed(at + 1, strlen(at + 1), addr_text,
			  sizeof(addr_text))) {
		set_err(err, "not a range (expected SIZE@ADDR, e.g. "
			     "512M@0x100000000)");
		return false;
	}
	if (!units_parse_size(size_text, &out->size, err))
		return false;
	if (!units_parse_u64(addr_text, &out->addr, err)) {
		if (strstr(err->msg, "64 bits") == NULL)
			set_err(err, "address is not a number (expected "
				     "0x hex or decimal)");
		return false;
	}
	if (out->size && out->addr > UINT64_MAX - (out->size - 1)) {
		set_err(err, "ADDR+SIZE runs past the end of the 64-bit "
			     "address space");
		return false;
	}
	return true;
}

bool units_parse_duration_ms(const char *s, uint64_t *ms,
			     struct units_err *err)
{
	uint64_t v;
	uint64_t scale;
	int used = scan_u64(s, &v);
	const char *unit = s + (used > 0 ? used : 0);

	if (used < 0) {
		set_err(err, "number does not fit in 64 bits");
		return false;
	}
	if (used == 0) {
		set_err(err, "not a duration (expected e.g. 100ms, 3s or 1m)");
		return false;
	}
	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else if (strcmp(unit, "m") == 0)
		scale = 60000;
	else {
		set_err(err, *unit ? "unknown duration unit (use ms, s or m)"
				   : "duration needs a unit (ms, s or m)");
		return false;
	}
	if (v > UINT64_MAX / scale) {
		set_err(err, "duration does not fit in 64 bits");
		return false;
	}
	*ms = v * scale;
	return true;
}

/* Exactly 1..max_digits hex digits, then stop at the given terminator. */
static bool take_hex(const char **p, int max_digits, char stop,
		     unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	while (hex_digit(**p) >= 0 && n < max_digits) {
		v = v * 16 + (unsigned)hex_digit(**p);
		(*p)++;
		n++;
	}
	if (n == 0 || **p != stop)
		return false;
	*out = v;
	return true;
}

static bool parse_pci_address(const char *s, struct pci_ref *out)
{
	const char *p = s;
	unsigned a, b, dev, func;
	int colons = 0;

	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if (colons < 1 || colons > 2)
		return false;
	a = 0;
	if (colons == 2) {
		if (!take_hex(&p, 4, ':', &a))
			return false;
		p++;
	}
	if (!take_hex(&p, 2, ':', &b))
		return false;
	p++;
	if (!take_hex(&p, 2, '.', &dev) || dev > 0x1f)
		return false;
	p++;
	if (*p < '0' || *p > '7' || p[1] != '\0')
		return false;
	func = (unsigned)(*p - '0');
	*out = (struct pci_ref){ .by_id = false, .domain = (uint16_t)a,
				 .bus = (uint8_t)b, .dev = (uint8_t)dev,
				 .func = (uint8_t)func };
	return true;
}

static bool parse_pci_id(const char *s, struct pci_ref *out)
{
	const char *p = s;
	unsigned vendor, device;

	if (strlen(s) != 9 || !take_hex(&p, 4, ':', &vendor))
		return false;
	p++;
	if (!take_hex(&p, 4, '\0', &device))
		return false;
	*out = (struct pci_ref){ .by_id = true, .vendor = (uint16_t)vendor,
				 .device = (uint16_t)device };
	return true;
}

bool units_parse_pci(const char *s, struct pci_ref *out,
		     struct units_err *err)
{
	/* A bus address always has a '.', a vendor:device id never has. */
	if (strchr(s, '.')) {
		if (parse_pci_address(s, out))
			return true;
		set_err(err, "not a PCI address (expected [DDDD:]BB:DD.F, "
			     "device 00-1f, function 0-7)");
		return false;
	}
	if (parse_pci_id(s, out)) {
		if (out->vendor == 0xffff) {
			set_err(err, "vendor id ffff is not a device");
			return false;
		}
		return true;
	}
	set_err(err, "not a PCI device (expected a bus address "
		     "[DDDD:]BB:DD.F or vendor:device, 4 hex digits each)");
	return false;
}

bool mem_ranges_overlap(const struct mem_range *a, const struct mem_range *b)
{
	if (a->size == 0 || b->size == 0)
		return false;
	return a->addr <= mem_range_last(b) && b->addr <= mem_range_last(a);
}

void units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char suffixes[] = "TGMK";
	int shift = 40;

	for (const char *s = suffixes; *s; s++, shift -= 10) {
		uint64_t unit = UINT64_C(1) << shift;

		if (bytes && bytes % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes / unit, *s);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, bytes);
}

void units_format_range(const struct mem_range *r, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64 "-0x%" PRIx64, r->addr,
		 mem_range_last(r));
}

void units_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%" PRIu64 "m", ms / 60000);
	else if (ms && ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "ms", ms);
}

void units_format_pci(const struct pci_ref *ref, char *buf, size_t len)
{
	if (ref->by_id)
		snprintf(buf, len, "%04x:%04x", ref->vendor, ref->device);
	else
		snprintf(buf, len, "%04x:%02x:%02x.%u", ref->domain, ref->bus,
			 ref->dev, ref->func);
}

bool pci_ref_equal(const struct pci_ref *a, const struct pci_ref *b)
{
	if (a->by_id != b->by_id)
		return false;
	if (a->by_id)
		return a->vendor == b->vendor && a->device == b->device;
	return a->domain == b->domain && a->bus == b->bus &&
	       a->dev == b->dev && a->func == b->func;
}

void list_iter_init(struct list_iter *it, const char *s)
{
	const char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	/* An empty value is an empty list, not a list of one empty item. */
	it->next = *p ? s : NULL;
}

bool list_iter_next(struct list_iter *it, char *item, size_t cap)
{
	const char *start, *end, *comma;
	size_t len;

	if (!it->next)
		return false;
	start = it->next;
	comma = strchr(start, ',');
	end = comma ? comma : start + strlen(start);
	it->next = comma ? comma + 1 : NULL;
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	if (len >= cap) {
		snprintf(item, cap, "%s", "(item too long)");
		return true;
	}
	memcpy(item, start, len);
	item[len] = '\0';
	return true;
}
