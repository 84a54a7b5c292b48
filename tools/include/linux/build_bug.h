/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's <linux/build_bug.h>: static_assert()
 * from <assert.h>, where C11 wants the message the kernel leaves optional.
 */
#ifndef _TOOLS_LINUX_BUILD_BUG_H
#define _TOOLS_LINUX_BUILD_BUG_H

#include <assert.h>

#endif /* _TOOLS_LINUX_BUILD_BUG_H */
