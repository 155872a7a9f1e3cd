# dist: installing the tools, and the Debian package.
# Included by the top-level Makefile after the tool rules.
#
#   install     the tools, their units, man pages and completion under
#               $(DESTDIR)$(PREFIX) (default /usr/local)
#   uninstall   removes what install put there
#   deb         $(OUT)/deb/shoji_VERSION_ARCH.deb, checked with lintian
#   test-dist   install into a scratch root and check what landed there

.PHONY: install uninstall deb test-dist

SHOJI_VERSION := $(shell sed -n 's/^\#define SHOJI_VERSION "\(.*\)"/\1/p' node-mgr/cli/shoji.c)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/shoji
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
# Not under PREFIX: the manager runs these inside nodes by this path, and
# the node initramfs puts them there too.
SHOJI_LIBEXEC_DIR := /usr/libexec/shoji

DIST_SBIN := $(OUT)/bin/shoji $(OUT)/bin/shoji-load
DIST_UNITS := shoji.service shoji-up.service shoji-agent.service
DIST_MAN := man8/shoji.8 man8/shoji-load.8 man5/shoji-plan.5
DIST_DOCS := docs/plan.md docs/status-json.md docs/manager.md docs/guests.md

install: $(DIST_SBIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHOJI_LIBEXEC_DIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASH_COMPLETION_DIR) \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(DIST_SBIN) $(DESTDIR)$(SBINDIR)
	install -m 0755 guest/launch $(DESTDIR)$(SHOJI_LIBEXEC_DIR)/launch-guest
	install -m 0755 guest/ctl $(DESTDIR)$(SHOJI_LIBEXEC_DIR)/guest-ctl
	for page in $(DIST_MAN); do \
		sed 's/@VERSION@/$(SHOJI_VERSION)/' dist/man/$${page#*/} \
			> $(DESTDIR)$(MANDIR)/$$page && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$$page || exit 1; \
	done
	for unit in $(DIST_UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' dist/systemd/$$unit \
			> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit && \
		chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$unit || exit 1; \
	done
	install -m 0644 dist/bash-completion/shoji $(DESTDIR)$(BASH_COMPLETION_DIR)/shoji
	install -m 0644 $(DIST_DOCS) $(DESTDIR)$(DOCDIR)

uninstall:
	rm -f $(DIST_SBIN:$(OUT)/bin/%=$(DESTDIR)$(SBINDIR)/%) \
		$(DESTDIR)$(SHOJI_LIBEXEC_DIR)/launch-guest \
		$(DESTDIR)$(SHOJI_LIBEXEC_DIR)/guest-ctl \
		$(DIST_MAN:%=$(DESTDIR)$(MANDIR)/%) \
		$(DIST_UNITS:%=$(DESTDIR)$(SYSTEMD_UNIT_DIR)/%) \
		$(DESTDIR)$(BASH_COMPLETION_DIR)/shoji \
		$(DIST_DOCS:docs/%=$(DESTDIR)$(DOCDIR)/%)
	-rmdir $(DESTDIR)$(SHOJI_LIBEXEC_DIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

deb: | $(DEPS_STAMP)
	scripts/build-deb.sh $(OUT)/deb

test-dist: $(DIST_SBIN) | $(DEPS_STAMP)
	tests/dist/run $(OUT)
