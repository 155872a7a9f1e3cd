#!/usr/bin/awk -f
# Where each CPU of a testbed machine spent its time, from samples of its
# program counter: the first file is the kernel's System.map, the second
# holds one sample per line, "CPU LINE" with LINE the RIP= or EIP= line
# QEMU's 'info registers' printed for that CPU. Prints, for each CPU in
# turn (only those of -v cpus=LIST, e.g. 1,4-7, if given), "cpuN: S
# samples" and then its TOP (-v top=N) most frequent places, one per
# line: "cpuN PERCENT PLACE", PLACE a kernel function or
#   (halted)        waiting for an interrupt
#   (user)          at privilege level 3
#   (not paged)     32-bit or real mode: a trampoline, a parked CPU
#   (outside text)  in the kernel's mode but outside its text and init
#                   text: a module, early code running where it was
#                   loaded, another kernel's code
# Under TCG a sample's RIP is where the translated block that runs
# began, always inside the function it belongs to: blocks end at calls
# and jumps.
#
# Addresses stay text: RIPs and System.map addresses are both 16
# lowercase hex digits, so they compare as strings (mawk has no
# strtonum).
BEGIN {
	nwanted = split(cpus, part, ",")
	for (i = 1; i <= nwanted; i++) {
		lo = hi = part[i]
		if (part[i] ~ /-/) {
			split(part[i], range, "-")
			lo = range[1]
			hi = range[2]
		}
		for (c = lo + 0; c <= hi + 0; c++)
			wanted[c] = 1
	}
}
FNR == 1 { file++ }
file == 1 {
	if ($2 ~ /^[tT]$/) {
		nsym++
		addr[nsym] = $1
		name[nsym] = $3
	}
	if ($3 == "_stext") text_start = $1
	else if ($3 == "_etext") text_end = $1
	else if ($3 == "_sinittext") init_start = $1
	else if ($3 == "_einittext") init_end = $1
	next
}
function place(rip,   lo, hi, mid) {
	if (!((rip >= text_start && rip < text_end) ||
	      (rip >= init_start && rip < init_end)))
		return "(outside text)"
	lo = 1
	hi = nsym
	# the last symbol at or below rip
	while (lo < hi) {
		mid = int((lo + hi + 1) / 2)
		if (addr[mid] <= rip)
			lo = mid
		else
			hi = mid - 1
	}
	return addr[lo] <= rip ? name[lo] : "(outside text)"
}
nwanted && !($1 in wanted) { next }
{
	cpu = $1
	where = ""
	for (i = 2; i <= NF; i++) {
		if ($i == "HLT=1")
			where = "(halted)"
		else if ($i == "CPL=3" && where == "")
			where = "(user)"
	}
	if (where == "") {
		if ($2 ~ /^EIP=/)
			where = "(not paged)"
		else
			where = place(tolower(substr($2, 5)))
	}
	if (!(cpu in samples))
		cpu_order[++ncpus] = cpu
	samples[cpu]++
	count[cpu, where]++
	if (!((cpu, where) in seen)) {
		seen[cpu, where] = 1
		places[cpu] = places[cpu] SUBSEP where
	}
}
END {
	if (file < 2 || !nsym) {
		print "profile.awk: no text symbols in the System.map" > "/dev/stderr"
		exit 1
	}
	if (!top)
		top = 15
	for (c = 1; c <= ncpus; c++) {
		cpu = cpu_order[c]
		printf "cpu%s: %d samples\n", cpu, samples[cpu]
		n = split(substr(places[cpu], 2), list, SUBSEP)
		# the TOP most frequent, by selection: n is small
		for (shown = 0; shown < top && shown < n; shown++) {
			best = 0
			for (i = 1; i <= n; i++)
				if (!(i in done) && (!best || count[cpu, list[i]] > count[cpu, list[best]]))
					best = i
			done[best] = 1
			printf "cpu%s %5.1f%% %s\n", cpu,
			       100 * count[cpu, list[best]] / samples[cpu], list[best]
		}
		split("", done)
	}
}
