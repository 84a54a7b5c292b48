/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's crc32c() library function
 * (tools/lib/vfio_devstate/crc32c.c).
 */
#ifndef _TOOLS_LINUX_CRC32C_H
#define _TOOLS_LINUX_CRC32C_H

#include <linux/types.h>

u32 crc32c(u32 crc, const void *buf, size_t len);

#endif /* _TOOLS_LINUX_CRC32C_H */
