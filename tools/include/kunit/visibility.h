/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <kunit/visibility.h>. */
#ifndef _TOOLS_KUNIT_VISIBILITY_H
#define _TOOLS_KUNIT_VISIBILITY_H

#define VISIBLE_IF_KUNIT
/* No KUnit, no module: declare an unused struct tag instead. */
#define EXPORT_SYMBOL_IF_KUNIT(sym)	struct tools_export_##sym

#endif /* _TOOLS_KUNIT_VISIBILITY_H */
