/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <linux/export.h>. */
#ifndef _TOOLS_LINUX_EXPORT_H
#define _TOOLS_LINUX_EXPORT_H

/* No module to export from: declare an unused struct tag instead. */
#define EXPORT_SYMBOL_GPL(sym)	struct tools_export_##sym

#endif /* _TOOLS_LINUX_EXPORT_H */
