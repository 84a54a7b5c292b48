// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy VFIO path: the device's IOMMU group is put into a container,
 * the container gets a type1 IOMMU, and the group hands out the device fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vfio_util.h"

static int vfio_container_iommu_type(int container_fd)
{
	if (ioctl(container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		return VFIO_TYPE1v2_IOMMU;
	if (ioctl(container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
		return VFIO_TYPE1_IOMMU;
	return -EOPNOTSUPP;
}

int vfio_container_attach(struct vfio_dev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret, type;

	ret = pci_dev_iommu_group(dev->bdf);
	if (ret < 0)
		return ret;
	dev->group_id = ret;

	dev->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container_fd < 0)
		return -errno;
	if (ioctl(dev->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EPROTO;
	type = vfio_container_iommu_type(dev->container_fd);
	if (type < 0)
		return type;

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_id);
	dev->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group_fd < 0)
		return -errno;
	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	/* Not viable: some device of the group is bound to a host driver. */
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;

	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER, &dev->container_fd))
		return -errno;
	if (ioctl(dev->container_fd, VFIO_SET_IOMMU, type))
		return -errno;

	dev->fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	if (dev->fd < 0)
		return -errno;
	return 0;
}

void vfio_container_detach(struct vfio_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	/* Closing the last group fd also takes the group out of the container. */
	if (dev->group_fd >= 0)
		close(dev->group_fd);
	if (dev->container_fd >= 0)
		close(dev->container_fd);
	dev->fd = -1;
	dev->group_fd = -1;
	dev->container_fd = -1;
}
