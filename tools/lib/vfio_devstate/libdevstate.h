/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vfio-devstate codec as user space builds it: the kernel's sources
 * (drivers/vfio/devstate) against the stand-ins of tools/include, all of
 * their API including what the kernel module keeps to itself, and the
 * descriptor text reader that only user space has.
 */
#ifndef _LIBDEVSTATE_H
#define _LIBDEVSTATE_H

#include "../../../drivers/vfio/devstate/internal.h"

int vfio_devstate_desc_parse(struct vfio_devstate_desc *desc,
			     const char *text, size_t len,
			     struct vfio_devstate_reason *reason);

#endif /* _LIBDEVSTATE_H */
