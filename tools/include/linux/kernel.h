/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the parts of the kernel's <linux/kernel.h> that
 * the vfio-devstate codec uses.
 */
#ifndef _TOOLS_LINUX_KERNEL_H
#define _TOOLS_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define fallthrough		__attribute__((__fallthrough__))
#define tools_attribute(x)	__attribute__((x))
#define __printf(a, b)		tools_attribute(format(printf, a, b))
#define min_t(type, a, b)	({ type __a = (a), __b = (b); __a < __b ? __a : __b; })

#endif /* _TOOLS_LINUX_KERNEL_H */
