/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for VFIO selftests: open a PCI device through VFIO, either the
 * legacy way (group + container) or through an iommufd and the device's
 * character device, and access its regions.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno on failure, so that tests can report strerror(-ret).
 */
#ifndef VFIO_UTIL_H
#define VFIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

/* How the device is attached to an IOMMU context. */
enum vfio_iommu_mode {
	/* /dev/vfio/vfio + /dev/vfio/GROUP, VFIO_TYPE1(v2)_IOMMU */
	VFIO_MODE_CONTAINER,
	/* /dev/iommu + /dev/vfio/devices/vfioN, an IOAS */
	VFIO_MODE_IOMMUFD,
};

struct vfio_dev {
	/* set by vfio_dev_open(), cleared by vfio_dev_close() */
	bool initialized;
	char bdf[32];
	enum vfio_iommu_mode mode;
	/* container mode */
	int container_fd;
	int group_fd;
	int group_id;
	/* iommufd mode */
	int iommufd;
	uint32_t devid;
	uint32_t ioas_id;
	/* the device itself */
	int fd;
	struct vfio_device_info info;
};

const char *vfio_mode_name(enum vfio_iommu_mode mode);

/*
 * Why @mode cannot be used on this system, or NULL if it can. Tests use
 * this to skip with a clear reason, e.g. on a kernel without IOMMUFD.
 */
const char *vfio_mode_unavailable(enum vfio_iommu_mode mode);

/* Open @bdf through VFIO in @mode; fills in @dev. */
int vfio_dev_open(struct vfio_dev *dev, const char *bdf,
		  enum vfio_iommu_mode mode);
/* Close what vfio_dev_open() opened; safe on a zeroed or closed @dev. */
void vfio_dev_close(struct vfio_dev *dev);

/* Back ends of vfio_dev_open(), one per mode. */
int vfio_container_attach(struct vfio_dev *dev);
void vfio_container_detach(struct vfio_dev *dev);
int vfio_iommufd_attach(struct vfio_dev *dev);
void vfio_iommufd_detach(struct vfio_dev *dev);

/* Regions */
int vfio_region_info(struct vfio_dev *dev, unsigned int index,
		     struct vfio_region_info *info);
ssize_t vfio_region_read(struct vfio_dev *dev, unsigned int index,
			 uint64_t off, void *buf, size_t len);
ssize_t vfio_region_write(struct vfio_dev *dev, unsigned int index,
			  uint64_t off, const void *buf, size_t len);
int vfio_region_read32(struct vfio_dev *dev, unsigned int index,
		       uint64_t off, uint32_t *val);
int vfio_region_write32(struct vfio_dev *dev, unsigned int index,
			uint64_t off, uint32_t val);
int vfio_region_read16(struct vfio_dev *dev, unsigned int index,
		       uint64_t off, uint16_t *val);
/* Map the whole region; *@len gets its size. Unmap with munmap(). */
int vfio_region_mmap(struct vfio_dev *dev, unsigned int index,
		     void **addr, size_t *len);

/* VFIO_DEVICE_RESET */
int vfio_dev_reset(struct vfio_dev *dev);

/* PCI sysfs: /sys/bus/pci/devices/BDF */
bool pci_dev_exists(const char *bdf);
/* Name of the bound driver into @buf; -ENODEV if none is bound. */
int pci_dev_driver(const char *bdf, char *buf, size_t len);
int pci_dev_iommu_group(const char *bdf);
/* Name of the VFIO character device ("vfioN") of @bdf into @buf. */
int pci_dev_vfio_cdev(const char *bdf, char *buf, size_t len);
int pci_dev_unbind(const char *bdf);
/* Bind @bdf to @driver through driver_override and drivers_probe. */
int pci_dev_bind(const char *bdf, const char *driver);
int sysfs_write(const char *path, const char *val);

/* Test environment */
/* True inside the test VM: VFIO is there (/dev/vfio exists). */
bool vfio_test_in_vm(void);
/* The value of environment variable @name, or NULL if unset or empty. */
const char *vfio_test_env(const char *name);

#endif /* VFIO_UTIL_H */
