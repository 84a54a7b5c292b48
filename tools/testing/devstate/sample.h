/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sample descriptors and streams shared by the unit tests, the golden
 * stream generator and the fuzz seed corpus.
 */
#ifndef _DEVSTATE_SAMPLE_H
#define _DEVSTATE_SAMPLE_H

#include "libdevstate.h"

/* Size of the sample's memory region 0 (the ivshmem BAR2 stand-in). */
#define SAMPLE_REGION_SIZE	4096

void sample_desc(struct vfio_devstate_desc *d);

/* Kinds of sample stream. */
enum sample_kind {
	SAMPLE_BASIC,		/* header, device section, two chunks, end */
	SAMPLE_EMPTY,		/* header and end only */
	SAMPLE_PRECOPY,		/* a chunk resent, a pad, an optional model section */
	SAMPLE_NR,
};

extern const char *const sample_names[SAMPLE_NR];

/* Writes a sample stream to @buf; returns its length or -errno. */
ssize_t sample_stream(enum sample_kind kind,
		      const struct vfio_devstate_desc *d, u8 *buf,
		      size_t size);

#endif /* _DEVSTATE_SAMPLE_H */
