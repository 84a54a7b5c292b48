/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The common fixture: device IVSHMEM_A open through VFIO, once per IOMMU
 * back end (variants "container" and "iommufd"). A test file includes this
 * once and writes TEST_F(ivshmem, name).
 */
#ifndef IVSHMEM_FIXTURE_H
#define IVSHMEM_FIXTURE_H

#include "ivshmem.h"

FIXTURE(ivshmem) {
	struct vfio_dev dev;
};

FIXTURE_VARIANT(ivshmem) {
	enum vfio_iommu_mode mode;
};

FIXTURE_VARIANT_ADD(ivshmem, container) {
	.mode = VFIO_MODE_CONTAINER,
};

FIXTURE_VARIANT_ADD(ivshmem, iommufd) {
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_SETUP(ivshmem)
{
	const char *skip;

	skip = ivshmem_open(_metadata, &self->dev, "IVSHMEM_A", variant->mode);
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(ivshmem)
{
	vfio_dev_close(&self->dev);
}

#endif /* IVSHMEM_FIXTURE_H */
