/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lets the codec sources build both as part of vfio_devstate.ko and as
 * plain C in user space (tool, tests, fuzzers).  Include this instead of
 * <linux/vfio_devstate.h> in code shared between the two.
 */
#ifndef _VFIO_DEVSTATE_PORT_H
#define _VFIO_DEVSTATE_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/stdarg.h>

#else /* user space */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;	/* unsigned long long, as in the kernel */

/* No module to export from: declare an unused struct tag instead. */
#define EXPORT_SYMBOL_GPL(sym)	struct vfio_devstate_export_##sym
#define BIT(n)			(1UL << (n))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define fallthrough		__attribute__((__fallthrough__))
#define ds_attribute(x)		__attribute__((x))
#define __printf(a, b)		ds_attribute(format(printf, a, b))

/* Copy a string, truncating, and zero the rest of @dst. */
static inline void strscpy_pad(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

#endif /* __KERNEL__ */

#include <linux/vfio_devstate.h>

#endif /* _VFIO_DEVSTATE_PORT_H */
