/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's <linux/types.h>, for code shared
 * with the kernel (tools/lib/vfio_devstate and the codec it builds): the
 * uapi header of the system, plus the kernel's short names.
 */
#ifndef _TOOLS_LINUX_TYPES_H
#define _TOOLS_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;	/* unsigned long long, as in the kernel */
typedef __s32 s32;
typedef __s64 s64;

#endif /* _TOOLS_LINUX_TYPES_H */
