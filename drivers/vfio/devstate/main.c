// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec module: a library of the stream encoder, decoder,
 * comparator and descriptor text form, for VFIO variant drivers.  It has
 * no state of its own.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfio-devstate: standard VFIO device-state stream codec");
