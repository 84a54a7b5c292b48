/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the nested e2e guest: a Multiboot (v1) header so that QEMU's
 * -kernel loads this ELF and enters it in 32-bit protected mode with
 * paging off, then a stack and a call to
 * guest_main(magic, info): %eax (0x2badb002 from a Multiboot loader) and
 * %ebx (the physical address of the Multiboot information) as they were
 * at entry.
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .bss
	.balign 16
stack_bottom:
	.skip	16384
stack_top:

	.section .text
	.globl	_start
_start:
	cli
	movl	$stack_top, %esp
	cld
	subl	$8, %esp		/* %esp 16-byte aligned at the call */
	pushl	%ebx			/* info */
	pushl	%eax			/* magic */
	call	guest_main
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
