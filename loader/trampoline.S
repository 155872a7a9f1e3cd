/*
 * Start trampoline of a Shoji node. node0 sends INIT-SIPI-SIPI to the
 * node's boot CPU with the vector of this page, so the CPU starts here in
 * real mode with CS = base >> 4 and IP = 0. It switches to protected mode,
 * enables PAE (and LA57 if asked), loads the identity page tables the
 * loader built in the node's low window, enters long mode and jumps to the
 * kernel's 64-bit entry with RSI = boot_params, as the 64-bit boot
 * protocol asks (Documentation/arch/x86/boot.rst).
 *
 * The loader relocates the three absolute addresses below by adding the
 * physical base of this page, and fills in the other parameters. The code
 * only ever runs before paging is on; the kernel that loads it writes it
 * as data.
 */
#include "trampoline.h"

#define X86_CR0_PE	0x00000001
#define X86_CR0_PG	0x80000000
#define X86_CR4_PAE	0x00000020
#define X86_CR4_LA57	0x00001000
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100

	.text
	.code16
tramp_start:
	jmp	real_start

	.org	TRAMP_GDTR
	.word	gdt_end - gdt - 1
	.long	gdt - tramp_start
	.org	TRAMP_PM32_PTR
	.long	pm32 - tramp_start
	.word	TRAMP_CS32
	.org	TRAMP_LM64_PTR
	.long	lm64 - tramp_start
	.word	TRAMP_CS64
	.org	TRAMP_CR3
	.long	0
	.org	TRAMP_LA57
	.long	0
	.org	TRAMP_ENTRY
	.quad	0
	.org	TRAMP_BOOT_PARAMS
	.quad	0

	.org	TRAMP_GDT
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* TRAMP_CS32: 32-bit code, flat */
	.quad	0x00af9a000000ffff	/* TRAMP_CS64: 64-bit code */
	.quad	0x00cf92000000ffff	/* TRAMP_DS: data, flat */
gdt_end:

	.org	TRAMP_CODE
real_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx		/* %ebx = physical base of this page */
	lgdtl	TRAMP_GDTR
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*TRAMP_PM32_PTR

	.code32
pm32:
	movw	$TRAMP_DS, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	leal	TRAMP_SIZE(%ebx), %esp

	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	cmpl	$0, TRAMP_LA57(%ebx)
	je	1f
	orl	$X86_CR4_LA57, %eax
1:	movl	%eax, %cr4
	movl	TRAMP_CR3(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*TRAMP_LM64_PTR(%ebx)

	.code64
lm64:
	movw	$TRAMP_DS, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	%ebx, %ebx
	leaq	TRAMP_SIZE(%rbx), %rsp
	movq	TRAMP_BOOT_PARAMS(%rbx), %rsi
	movq	TRAMP_ENTRY(%rbx), %rax
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	jmp	*%rax
	/* Fails to assemble if the code leaves no room for the stack */
	.org	TRAMP_SIZE - 0x100
