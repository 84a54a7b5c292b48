/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <linux/bits.h>. */
#ifndef _TOOLS_LINUX_BITS_H
#define _TOOLS_LINUX_BITS_H

#define BIT(n)			(1UL << (n))

#endif /* _TOOLS_LINUX_BITS_H */
