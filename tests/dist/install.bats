#!/usr/bin/env bats
# make install, make uninstall and make deb, checked from what lands.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	root=$(mktemp -d)
}

teardown() {
	rm -rf "$root"
}

install_to() {
	make -s -C "$REPO" OUT="$OUT" install DESTDIR="$root" PREFIX=/usr "$@" >/dev/null
}

# The files install puts under the root, one per line, sorted
installed_files() {
	(cd "$root" && find . -type f | sed 's|^\./|/|' | sort)
}

expected_files="/usr/lib/systemd/system/shoji-agent.service
/usr/lib/systemd/system/shoji-up.service
/usr/lib/systemd/system/shoji.service
/usr/libexec/shoji/guest-ctl
/usr/libexec/shoji/launch-guest
/usr/sbin/shoji
/usr/sbin/shoji-load
/usr/share/bash-completion/completions/shoji
/usr/share/doc/shoji/guests.md
/usr/share/doc/shoji/manager.md
/usr/share/doc/shoji/plan.md
/usr/share/doc/shoji/status-json.md
/usr/share/man/man5/shoji-plan.5
/usr/share/man/man8/shoji-load.8
/usr/share/man/man8/shoji.8"

@test "make install puts the tools, units, man pages, completion and docs under DESTDIR and PREFIX" {
	install_to
	files=$(installed_files)
	[ "$files" = "$expected_files" ] || { diff <(echo "$expected_files") <(echo "$files"); false; }
	for f in /usr/sbin/shoji /usr/sbin/shoji-load /usr/libexec/shoji/guest-ctl /usr/libexec/shoji/launch-guest; do
		[ "$(stat -c %a "$root$f")" = 755 ] || { echo "$f: mode $(stat -c %a "$root$f")"; false; }
	done
	[ "$(stat -c %a "$root/usr/share/man/man8/shoji.8")" = 644 ]
	run "$root/usr/sbin/shoji" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "shoji "* ]]
}

@test "make uninstall removes every file install put there" {
	install_to
	make -s -C "$REPO" OUT="$OUT" uninstall DESTDIR="$root" PREFIX=/usr
	files=$(installed_files)
	[ -z "$files" ] || { echo "left: $files"; false; }
}

@test "the units run the installed commands, and systemd finds nothing wrong in them" {
	install_to SBINDIR=/opt/shoji/sbin
	units=$root/usr/lib/systemd/system
	grep -q '^ExecStart=/opt/shoji/sbin/shoji daemon --background --state-dir /var/lib/shoji$' "$units/shoji.service"
	grep -q '^ExecStart=/opt/shoji/sbin/shoji up /etc/shoji/plan.ini$' "$units/shoji-up.service"
	grep -q '^ExecStart=/opt/shoji/sbin/shoji agent$' "$units/shoji-agent.service"
	! grep -rn '@[A-Z]*@' "$units"
	# installed where the commands really are, so verify can find them
	make -s -C "$REPO" OUT="$OUT" install PREFIX="$root/v/usr" >/dev/null
	run systemd-analyze verify --man=no "$root"/v/usr/lib/systemd/system/shoji*.service
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the man pages format without warnings and carry the tools' version" {
	install_to
	version=$("$OUT/bin/shoji" --version | cut -d' ' -f2)
	for page in man8/shoji.8 man8/shoji-load.8 man5/shoji-plan.5; do
		run env MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page"
		[ "$status" -eq 0 ]
		warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
		[ -z "$warnings" ] || { echo "$page: $warnings"; false; }
		grep -q "\"shoji $version\"" "$root/usr/share/man/$page"
	done
}

@test "every command of shoji --help is in the man page and in the completion" {
	commands=$("$OUT/bin/shoji" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
	[ "$(wc -l <<< "$commands")" -ge 10 ]
	for c in $commands; do
		grep -q "^\.B $c\$\|^\.BR .*$c" "$REPO/dist/man/shoji.8" || { echo "shoji.8 lacks $c"; false; }
		grep -q "commands=\".*\b$c\b" "$REPO/dist/bash-completion/shoji" || { echo "completion lacks $c"; false; }
	done
}

# complete WORDS...: what bash completion offers for the last word
complete_words() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_shoji
		printf "%s\n" "${COMPREPLY[@]}" | sort' complete "$root/usr/share/bash-completion/completions/shoji" "$@"
}

@test "completion offers commands, options, and the nodes and guests the manager reports" {
	install_to
	# a manager that reports two nodes with a guest on one
	mkdir -p "$root/bin"
	cat > "$root/bin/shoji" <<'FAKE'
#!/bin/sh
[ "$1 $2" = "status --json" ] || exit 1
echo '{"version": 1, "nodes": [{"name": "node0", "id": 0, "role": "node0", "guests": []}, {"name": "node1", "id": 1, "guests": [{"name": "web", "state": "running"}]}, {"name": "node2", "id": 2, "guests": []}]}'
FAKE
	chmod +x "$root/bin/shoji"
	export PATH="$root/bin:$PATH"
	[ "$(complete_words shoji st)" = "$(printf 'start\nstatus\nstop')" ]
	[ "$(complete_words shoji check --o)" = "--offline" ]
	[ "$(complete_words shoji plan "")" = "create" ]
	[ "$(complete_words shoji plan create --no)" = "$(printf -- '--node0-memory\n--nodes')" ]
	[ "$(complete_words shoji restart "")" = "$(printf 'node1\nnode2')" ]
	[ "$(complete_words shoji logs node)" = "$(printf 'node1\nnode2')" ]
	[ "$(complete_words shoji guest stop "")" = "web" ]
	[ "$(complete_words shoji guest "")" = "$(printf 'list\nlogs\nstart\nstop')" ]
	# node0 is no node to stop, but it has a status
	[ "$(complete_words shoji stop "")" = "$(printf 'node1\nnode2')" ]
	[ "$(complete_words shoji status "")" = "$(printf 'node0\nnode1\nnode2')" ]
	[ "$(complete_words shoji stop node1 --f)" = "--force" ]
	[ "$(complete_words shoji status node1 --)" = "$(printf -- '--help\n--json\n--lines')" ]
	[ "$(complete_words shoji help res)" = "restart" ]
}

@test "make deb builds the tools' package, lintian finds no error, and it holds what install puts" {
	run make -s -C "$REPO" OUT="$OUT" deb
	echo "$output"
	[ "$status" -eq 0 ]
	deb=$(ls "$OUT"/deb/shoji_*_amd64.deb)
	contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\.||')
	for f in /usr/sbin/shoji /usr/sbin/shoji-load /usr/libexec/shoji/guest-ctl \
		/usr/libexec/shoji/launch-guest /lib/systemd/system/shoji.service \
		/lib/systemd/system/shoji-up.service /lib/systemd/system/shoji-agent.service \
		/usr/share/man/man8/shoji.8.gz /usr/share/man/man5/shoji-plan.5.gz \
		/usr/share/bash-completion/completions/shoji /usr/share/doc/shoji/copyright; do
		grep -qx "$f" <<< "$contents" || { echo "$deb lacks $f"; false; }
	done
	depends=$(dpkg-deb -f "$deb" Depends)
	[[ "$depends" == *libiniparser1* && "$depends" == *libpci3* ]] || { echo "Depends: $depends"; false; }
	# the manager starts on install (where /dev/shoji is); the plan's
	# nodes come up only at boot
	dpkg-deb -e "$deb" "$root/control"
	grep -q 'shoji.service' "$root/control/postinst"
	! grep -q 'deb-systemd-invoke.*start.*shoji-up.service' "$root/control/postinst"
}
