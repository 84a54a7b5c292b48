// SPDX-License-Identifier: GPL-2.0
/*
 * Access to the regions of a VFIO device: information, read and write
 * through the device fd, and mmap.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vfio_util.h"

int vfio_region_info(struct vfio_dev *dev, unsigned int index,
		     struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, info))
		return -errno;
	return 0;
}

/*
 * Bounds are left to the kernel, so that tests can check how it handles
 * accesses out of a region. Like pread(), a short count is returned as is
 * and an error only when nothing was transferred.
 */
static ssize_t vfio_region_rw(struct vfio_dev *dev, unsigned int index,
			      uint64_t off, void *buf, size_t len, bool write)
{
	struct vfio_region_info info;
	size_t done = 0;
	ssize_t n;
	int ret;

	ret = vfio_region_info(dev, index, &info);
	if (ret)
		return ret;
	while (done < len) {
		if (write)
			n = pwrite(dev->fd, (char *)buf + done, len - done,
				   info.offset + off + done);
		else
			n = pread(dev->fd, (char *)buf + done, len - done,
				  info.offset + off + done);
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

ssize_t vfio_region_read(struct vfio_dev *dev, unsigned int index,
			 uint64_t off, void *buf, size_t len)
{
	return vfio_region_rw(dev, index, off, buf, len, false);
}

ssize_t vfio_region_write(struct vfio_dev *dev, unsigned int index,
			  uint64_t off, const void *buf, size_t len)
{
	/* Not written through: pwrite() only reads from @buf. */
	return vfio_region_rw(dev, index, off, (void *)buf, len, true);
}

static int vfio_region_rw_exact(ssize_t ret, size_t len)
{
	if (ret < 0)
		return ret;
	return (size_t)ret == len ? 0 : -EIO;
}

int vfio_region_read32(struct vfio_dev *dev, unsigned int index,
		       uint64_t off, uint32_t *val)
{
	return vfio_region_rw_exact(vfio_region_read(dev, index, off, val,
						     sizeof(*val)),
				    sizeof(*val));
}

int vfio_region_write32(struct vfio_dev *dev, unsigned int index,
			uint64_t off, uint32_t val)
{
	return vfio_region_rw_exact(vfio_region_write(dev, index, off, &val,
						      sizeof(val)),
				    sizeof(val));
}

int vfio_region_read16(struct vfio_dev *dev, unsigned int index,
		       uint64_t off, uint16_t *val)
{
	return vfio_region_rw_exact(vfio_region_read(dev, index, off, val,
						     sizeof(*val)),
				    sizeof(*val));
}

int vfio_region_mmap(struct vfio_dev *dev, unsigned int index,
		     void **addr, size_t *len)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = vfio_region_info(dev, index, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size)
		return -EOPNOTSUPP;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dev->fd, info.offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	*len = info.size;
	return 0;
}
