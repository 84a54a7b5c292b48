/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's <linux/errno.h>: the system's uapi
 * errno values (glibc's <errno.h> reaches this header too).
 */
#ifndef _TOOLS_LINUX_ERRNO_H
#define _TOOLS_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif /* _TOOLS_LINUX_ERRNO_H */
