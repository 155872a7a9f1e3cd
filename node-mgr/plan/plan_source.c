#include "plan/plan_source.h"

#include <ctype.h>
#include <errno.h>
#include <iniparser.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* iniparser's ASCIILINESZ: the longest line it reads, newline included. */
#define INI_LINE_MAX 1024

static struct diag *error_sink;

/* iniparser reports problems only through a global printf-like callback;
 * the argument lists below are those of its fixed format strings. */
DIAG_PRINTF(1, 2)
static int on_iniparser_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (strstr(fmt, "syntax error")) {
		const char *text;
		int line;

		(void)va_arg(ap, const char *);
		line = va_arg(ap, int);
		text = va_arg(ap, const char *);
		while (isspace((unsigned char)*text))
			text++;
		diag_add(error_sink, line > 0 ? (unsigned)line : 0,
			 "syntax error: '%.60s%s' is not a [section] header, "
			 "a key = value line or a comment",
			 text, strlen(text) > 60 ? "..." : "");
	} else if (strstr(fmt, "line too long")) {
		int line;

		(void)va_arg(ap, const char *);
		line = va_arg(ap, int);
		diag_add(error_sink, line > 0 ? (unsigned)line : 0,
			 "line too long (at most %d characters, continued "
			 "lines included); the rest of the file was not read",
			 INI_LINE_MAX - 2);
	} else if (strstr(fmt, "cannot open")) {
		diag_fail(error_sink, "cannot open the plan");
	} else {
		char text[256];

		vsnprintf(text, sizeof(text), fmt, ap);
		text[strcspn(text, "\n")] = '\0';
		diag_fail(error_sink, "%s", text);
	}
	va_end(ap);
	return 0;
}

static char *strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

struct scanner {
	struct plan_source *src;
	struct diag *d;
	struct plan_section *current;
	bool outside;	/* before the first section */
};

static bool push(void ***array, size_t *count, size_t *cap, void *item)
{
	if (*count == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		void **grown = realloc(*array, n * sizeof(**array));

		if (!grown)
			return false;
		*array = grown;
		*cap = n;
	}
	(*array)[(*count)++] = item;
	return true;
}

static struct plan_section *find_section(const struct plan_source *src,
					 const char *name)
{
	for (size_t i = 0; i < src->section_count; i++)
		if (strcmp(src->sections[i]->name, name) == 0)
			return src->sections[i];
	return NULL;
}

const struct plan_key *plan_section_key(const struct plan_section *s,
					const char *name)
{
	for (size_t i = 0; i < s->key_count; i++)
		if (strcmp(s->keys[i]->name, name) == 0)
			return s->keys[i];
	return NULL;
}

static bool add_section(struct scanner *sc, const char *name, unsigned line)
{
	struct plan_section *s = find_section(sc->src, name);

	sc->outside = false;
	if (s) {
		diag_add(sc->d, line,
			 "[%s]: duplicate section (first at line %u); "
			 "its keys are merged into the first",
			 name, s->line);
		sc->current = s;
		return true;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return false;
	s->name = strdup(name);
	s->line = line;
	if (!s->name || !push((void ***)&sc->src->sections,
			      &sc->src->section_count,
			      &sc->src->section_cap, s)) {
		free(s->name);
		free(s);
		return false;
	}
	sc->current = s;
	return true;
}

static const char *dict_value(const struct plan_source *src,
			      const char *section, const char *key)
{
	size_t len = strlen(section) + strlen(key) + 2;
	char *full = malloc(len);
	const char *value;

	if (!full)
		return NULL;
	snprintf(full, len, "%s:%s", section, key);
	value = iniparser_getstring(src->dict, full, NULL);
	free(full);
	/* Only a name too long for iniparser's lookup buffer is missing. */
	return value ? value : "";
}

static bool add_key(struct scanner *sc, const char *name, unsigned line)
{
	struct plan_section *s = sc->current;
	struct plan_key *key;

	if (sc->outside) {
		/* iniparser files such keys under the section "". */
		const char *value = dict_value(sc->src, "", name);

		if (!value)
			return false;
		diag_add(sc->d, line, "%s = %s: key outside any section", name,
			 value);
		return true;
	}
	if (!s)
		return true; /* under a header already reported as broken */
	key = (struct plan_key *)plan_section_key(s, name);
	if (key) {
		diag_add(sc->d, line,
			 "[%s] %s: duplicate key (first given at line %u)",
			 s->name, name, key->line);
		key->line = line; /* iniparser keeps the last value */
		return true;
	}
	key = calloc(1, sizeof(*key));
	if (!key)
		return false;
	key->name = strdup(name);
	key->line = line;
	key->section = s;
	key->value = dict_value(sc->src, s->name, name);
	if (!key->name || !key->value ||
	    !push((void ***)&s->keys, &s->key_count, &s->key_cap, key)) {
		free(key->name);
		free(key);
		return false;
	}
	return true;
}

/* One logical line, classified as iniparser_line() does. */
static bool scan_line(struct scanner *sc, char *raw, unsigned line)
{
	char *s = strip(raw);
	size_t len = strlen(s);
	char *eq;

	if (len == 0 || s[0] == '#' || s[0] == ';')
		return true;
	if (s[0] == '[' && s[len - 1] == ']') {
		char *name = s + 1;

		name[strcspn(name, "]")] = '\0';
		name = strip(name);
		lower(name);
		if (*name)
			return add_section(sc, name, line);
		diag_add(sc->d, line, "[]: empty section name");
		sc->current = NULL;
		sc->outside = false;
		return true;
	}
	eq = strchr(s, '=');
	if (!eq || eq == s)
		return true; /* a syntax error iniparser reports */
	*eq = '\0';
	s = strip(s);
	lower(s);
	return add_key(sc, s, line);
}

/* Mirrors iniparser_load()'s reading loop so that line numbers agree. */
static bool scan_file(FILE *in, struct scanner *sc)
{
	char line[INI_LINE_MAX + 1];
	int last = 0;
	unsigned lineno = 0, first_line = 0;

	memset(line, 0, sizeof(line));
	while (fgets(line + last, INI_LINE_MAX - last, in)) {
		int len;

		lineno++;
		if (last == 0)
			first_line = lineno;
		len = (int)strlen(line) - 1;
		if (len <= 0)
			continue;
		if (line[len] != '\n' && !feof(in))
			return true; /* iniparser has already failed */
		while (len >= 0 && isspace((unsigned char)line[len]))
			line[len--] = '\0';
		if (len < 0)
			len = 0;
		if (line[len] == '\\') {
			last = len;
			continue;
		}
		if (!scan_line(sc, line, first_line))
			return false;
		memset(line, 0, INI_LINE_MAX);
		last = 0;
	}
	return true;
}

static FILE *open_plan(const char *path, struct diag *d)
{
	FILE *in = fopen(path, "r");
	struct stat st;

	if (!in) {
		diag_fail(d, "cannot read the plan %s: %s", path,
			  strerror(errno));
		return NULL;
	}
	if (fstat(fileno(in), &st) != 0 || S_ISDIR(st.st_mode)) {
		diag_fail(d, "cannot read the plan %s: %s", path,
			  S_ISDIR(st.st_mode) ? "is a directory"
					      : strerror(errno));
		fclose(in);
		return NULL;
	}
	return in;
}

static dictionary *load_dictionary(const char *path, struct diag *d)
{
	dictionary *dict;
	size_t errors_before = diag_errors(d);

	error_sink = d;
	iniparser_set_error_callback(on_iniparser_error);
	dict = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	error_sink = NULL;
	if (!dict && diag_errors(d) == errors_before && !diag_failed(d))
		diag_fail(d, "iniparser could not read the plan %s", path);
	return dict;
}

struct plan_source *plan_source_load(const char *path, struct diag *d)
{
	struct plan_source *src;
	struct scanner sc;
	FILE *in = open_plan(path, d);

	if (!in)
		return NULL;
	src = calloc(1, sizeof(*src));
	if (!src) {
		diag_fail(d, "out of memory");
		fclose(in);
		return NULL;
	}
	src->dict = load_dictionary(path, d);
	if (!src->dict) {
		fclose(in);
		if (diag_failed(d)) {
			plan_source_free(src);
			return NULL;
		}
		src->syntax_errors = true;
		return src;
	}
	sc = (struct scanner){ .src = src, .d = d, .outside = true };
	if (!scan_file(in, &sc)) {
		diag_fail(d, "out of memory");
		plan_source_free(src);
		src = NULL;
	}
	fclose(in);
	return src;
}

void plan_source_free(struct plan_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->section_count; i++) {
		struct plan_section *s = src->sections[i];

		for (size_t k = 0; k < s->key_count; k++) {
			free(s->keys[k]->name);
			free(s->keys[k]);
		}
		free(s->keys);
		free(s->name);
		free(s);
	}
	free(src->sections);
	if (src->dict)
		iniparser_freedict(src->dict);
	free(src);
}

static void key_or_section_error(struct diag *d, unsigned line, bool warning,
				 const char *prefix, const char *fmt,
				 va_list ap) DIAG_PRINTF(5, 0);

static void key_or_section_error(struct diag *d, unsigned line, bool warning,
				 const char *prefix, const char *fmt,
				 va_list ap)
{
	char message[512];

	vsnprintf(message, sizeof(message), fmt, ap);
	if (warning)
		diag_warn(d, line, "%s: %s", prefix, message);
	else
		diag_add(d, line, "%s: %s", prefix, message);
}

static void key_diag(struct diag *d, const struct plan_key *key, bool warning,
		     const char *fmt, va_list ap) DIAG_PRINTF(4, 0);

static void key_diag(struct diag *d, const struct plan_key *key, bool warning,
		     const char *fmt, va_list ap)
{
	size_t len = strlen(key->section->name) + strlen(key->name) +
		     strlen(key->value) + 8;
	char *prefix = malloc(len);

	if (!prefix) {
		d->out_of_memory = true;
		return;
	}
	snprintf(prefix, len, "[%s] %s = %s", key->section->name, key->name,
		 key->value);
	key_or_section_error(d, key->line, warning, prefix, fmt, ap);
	free(prefix);
}

void plan_key_error(struct diag *d, const struct plan_key *key,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	key_diag(d, key, false, fmt, ap);
	va_end(ap);
}

void plan_key_warning(struct diag *d, const struct plan_key *key,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	key_diag(d, key, true, fmt, ap);
	va_end(ap);
}

void plan_section_error(struct diag *d, const struct plan_section *s,
			const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(s->name) + 3;
	char *prefix = malloc(len);

	if (!prefix) {
		d->out_of_memory = true;
		return;
	}
	snprintf(prefix, len, "[%s]", s->name);
	va_start(ap, fmt);
	key_or_section_error(d, s->line, false, prefix, fmt, ap);
	va_end(ap);
	free(prefix);
}
