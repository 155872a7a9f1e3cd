/* Layout of the node start trampoline (trampoline.S), shared by the
 * assembly and the loader that fills in its parameters. The trampoline
 * runs at the start of the node's low memory window; its first page holds
 * code, parameters, GDT and, at its top, the stack. */
#ifndef SHOJI_TRAMPOLINE_H
#define SHOJI_TRAMPOLINE_H

#define TRAMP_GDTR		0x10	/* u16 limit, u32 base (relocated) */
#define TRAMP_PM32_PTR		0x18	/* u32 offset (relocated), u16 sel */
#define TRAMP_LM64_PTR		0x20	/* u32 offset (relocated), u16 sel */
#define TRAMP_CR3		0x28	/* u32: top-level page table */
#define TRAMP_LA57		0x2c	/* u32: nonzero for 5-level paging */
#define TRAMP_ENTRY		0x30	/* u64: kernel's 64-bit entry */
#define TRAMP_BOOT_PARAMS	0x38	/* u64: boot_params, passed in RSI */
#define TRAMP_GDT		0x40	/* 4 descriptors */
#define TRAMP_CODE		0x60
#define TRAMP_SIZE		0x1000	/* the stack grows down from here */

#define TRAMP_CS32		0x08
#define TRAMP_CS64		0x10	/* __BOOT_CS of the boot protocol */
#define TRAMP_DS		0x18	/* __BOOT_DS of the boot protocol */

#endif
