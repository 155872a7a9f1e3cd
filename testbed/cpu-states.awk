#!/usr/bin/awk -f
# What each CPU of a testbed machine does, one line per CPU ("cpuN
# STATE"), from QEMU monitor answers: the first file holds 'info
# registers -a', the second 'info lapic N' for every CPU.
#   running         not halted
#   off             halted with interrupts off or its local APIC disabled
#                   (an offline CPU, a CPU given to no kernel)
#   lost-interrupt V  halted with interrupts on and vector V pending in
#                   its IRR above its priority: it should have taken it
#   lost-eoi V      halted with interrupts on and vector V still in
#                   service (ISR): Linux never halts inside an interrupt
#                   handler, so the end of that interrupt was lost, and
#                   every vector of its priority class or below stays
#                   blocked
#   lost-timer V    halted with interrupts on, nothing pending or in
#                   service, and its local APIC timer (vector V) one-shot,
#                   unmasked and run out: the timer's interrupt was never
#                   raised. Linux re-arms the timer when its interrupt
#                   comes, and masks it (and zeroes its count) when it
#                   wants none, so it never waits on a timer in that state
#   halted          halted, waiting for an interrupt
# mawk has no strtonum, hence hex().
function hex(text,   value, i) {
	sub(/^0x/, "", text)
	for (i = 1; i <= length(text); i++)
		value = value * 16 + index("0123456789abcdef", tolower(substr(text, i, 1))) - 1
	return value
}
FNR == 1 { file++ }
# QEMU numbers a CPU by its place in the topology: a machine with CPUs
# left out (shoji-testbed --high-apic-ids) has gaps, kept in order here.
file == 1 && /^CPU#[0-9]+/ { cpu = substr($1, 5); order[ncpus++] = cpu }
file == 1 && /^RIP=/ {
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "RFL") iflag[cpu] = int(hex(kv[2]) / 512) % 2
		if (kv[1] == "HLT") halted[cpu] = kv[2]
	}
}
file == 2 && /^dumping local APIC state for CPU/ { cpu = $NF }
file == 2 && /^SPIV/ { enabled[cpu] = ($0 ~ /APIC enabled/) }
file == 2 && /^ISR/ { isr[cpu] = ($2 == "(none)") ? -1 : $NF }
file == 2 && /^IRR/ { irr[cpu] = ($2 == "(none)") ? -1 : $NF }
file == 2 && /^APR/ { ppr[cpu] = hex($NF) }
file == 2 && /^LVTT/ { lvtt[cpu] = hex($2) }
file == 2 && /^Timer/ {
	for (i = 1; i < NF - 1; i++) {
		if ($i == "initial_count") initial[cpu] = $(i + 2)
		if ($i == "current_count") current[cpu] = $(i + 2)
	}
}
# One-shot mode (bits 17-18 clear), not masked (bit 16), armed, run out
function timer_run_out(cpu) {
	return (cpu in lvtt) && int(lvtt[cpu] / 65536) % 8 == 0 &&
	       initial[cpu] > 0 && current[cpu] == 0
}
END {
	for (i = 0; i < ncpus; i++) {
		cpu = order[i]
		if (!halted[cpu]) state = "running"
		else if (!iflag[cpu] || !enabled[cpu]) state = "off"
		else if (irr[cpu] >= 0 && int(irr[cpu] / 16) > int(ppr[cpu] / 16))
			state = "lost-interrupt " irr[cpu]
		else if (isr[cpu] >= 0) state = "lost-eoi " isr[cpu]
		else if (irr[cpu] < 0 && timer_run_out(cpu))
			state = "lost-timer " lvtt[cpu] % 256
		else state = "halted"
		print "cpu" cpu, state
	}
}
