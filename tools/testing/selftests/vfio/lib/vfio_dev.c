// SPDX-License-Identifier: GPL-2.0
/*
 * Opening and closing a VFIO device, whatever the IOMMU back end, and the
 * operations on the device as a whole.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vfio_util.h"

const char *vfio_mode_name(enum vfio_iommu_mode mode)
{
	switch (mode) {
	case VFIO_MODE_CONTAINER:
		return "container";
	case VFIO_MODE_IOMMUFD:
		return "iommufd";
	}
	return "unknown";
}

const char *vfio_mode_unavailable(enum vfio_iommu_mode mode)
{
	switch (mode) {
	case VFIO_MODE_CONTAINER:
		if (access("/dev/vfio/vfio", F_OK))
			return "no /dev/vfio/vfio: kernel without the VFIO container";
		return NULL;
	case VFIO_MODE_IOMMUFD:
		if (access("/dev/iommu", F_OK))
			return "no /dev/iommu: kernel without IOMMUFD";
		return NULL;
	}
	return "unknown VFIO IOMMU mode";
}

static void vfio_dev_init(struct vfio_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->container_fd = -1;
	dev->group_fd = -1;
	dev->group_id = -1;
	dev->iommufd = -1;
	dev->fd = -1;
	dev->initialized = true;
}

int vfio_dev_open(struct vfio_dev *dev, const char *bdf,
		  enum vfio_iommu_mode mode)
{
	int ret;

	vfio_dev_init(dev);
	dev->mode = mode;
	if ((size_t)snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf) >=
	    sizeof(dev->bdf)) {
		dev->initialized = false;
		return -ENAMETOOLONG;
	}

	switch (mode) {
	case VFIO_MODE_CONTAINER:
		ret = vfio_container_attach(dev);
		break;
	case VFIO_MODE_IOMMUFD:
		ret = vfio_iommufd_attach(dev);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret)
		goto err;

	dev->info.argsz = sizeof(dev->info);
	if (ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &dev->info)) {
		ret = -errno;
		goto err;
	}
	return 0;

err:
	vfio_dev_close(dev);
	return ret;
}

void vfio_dev_close(struct vfio_dev *dev)
{
	if (!dev->initialized)
		return;

	switch (dev->mode) {
	case VFIO_MODE_CONTAINER:
		vfio_container_detach(dev);
		break;
	case VFIO_MODE_IOMMUFD:
		vfio_iommufd_detach(dev);
		break;
	}
	dev->initialized = false;
}

int vfio_dev_reset(struct vfio_dev *dev)
{
	if (ioctl(dev->fd, VFIO_DEVICE_RESET))
		return -errno;
	return 0;
}
