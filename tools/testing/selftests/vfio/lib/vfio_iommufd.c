// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd path: the device's VFIO character device is bound to an
 * iommufd and attached to a fresh IO address space.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>

#include "vfio_util.h"

int vfio_iommufd_attach(struct vfio_dev *dev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char name[32], path[64];
	int ret;

	ret = pci_dev_vfio_cdev(dev->bdf, name, sizeof(name));
	if (ret)
		return ret;

	dev->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (dev->iommufd < 0)
		return -errno;

	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0)
		return -errno;

	bind.iommufd = dev->iommufd;
	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	dev->devid = bind.out_devid;

	if (ioctl(dev->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	dev->ioas_id = alloc.out_ioas_id;

	attach.pt_id = dev->ioas_id;
	if (ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	return 0;
}

void vfio_iommufd_detach(struct vfio_dev *dev)
{
	/* Closing the device unbinds it; closing the iommufd frees the IOAS. */
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->iommufd >= 0)
		close(dev->iommufd);
	dev->fd = -1;
	dev->iommufd = -1;
}
