/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every migration test fixture does first and last: open a bed's
 * device through the container path in RUNNING, and bring it back to
 * RUNNING before closing it.
 */
#ifndef MIG_FIXTURE_H
#define MIG_FIXTURE_H

#include "ivshmem.h"
#include "vfio_mig.h"

/* Open @var's device into @dev in RUNNING; NULL, or why to skip. */
static inline const char *mig_open_running(struct __test_metadata *_metadata,
					   struct vfio_dev *dev,
					   const char *var)
{
	const char *skip;

	skip = ivshmem_open(_metadata, dev, var, VFIO_MODE_CONTAINER);
	if (!skip)
		ASSERT_EQ(0, mig_to_running(dev));
	return skip;
}

/* Back to RUNNING (if it was opened), then close. */
static inline void mig_close_running(struct vfio_dev *dev)
{
	if (dev->initialized)
		mig_to_running(dev);
	vfio_dev_close(dev);
}

#endif /* MIG_FIXTURE_H */
