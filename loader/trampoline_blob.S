/* The assembled trampoline (a flat binary), embedded in the loader. */
	.section .rodata
	.globl	shoji_trampoline
	.globl	shoji_trampoline_end
	.balign	16
shoji_trampoline:
	.incbin	TRAMPOLINE_BIN
shoji_trampoline_end:
	.section .note.GNU-stack, "", @progbits
