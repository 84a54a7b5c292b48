// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vfio_devstate attribute group on the PCI device, while bound:
 *
 *	descriptor	the compatibility descriptor in the text form of
 *			Documentation/userspace-api/vfio-devstate.rst, what an
 *			orchestrator compares before migrating
 *	format_version	"MAJOR.MINOR" that saving streams are written as;
 *			writable, to pin an older minor for an older
 *			destination, while no migration is in progress
 *	last_error	why the incoming stream of the last RESUMING was
 *			refused; empty if it was not (yet), or if there was none
 *
 * Documentation/ABI/testing/sysfs-bus-pci-drivers-ivshmem-vfio-pci.
 */

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "common.h"

static struct ivshmem_vfio_pci_device *dev_to_ivdev(struct device *dev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);

	return container_of(vdev, struct ivshmem_vfio_pci_device, core_device);
}

static ssize_t descriptor_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct ivshmem_vfio_pci_device *ivdev = dev_to_ivdev(dev);

	return vfio_devstate_desc_format(&ivdev->desc, buf, PAGE_SIZE);
}
static DEVICE_ATTR_RO(descriptor);

static ssize_t format_version_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct ivshmem_vfio_pci_device *ivdev = dev_to_ivdev(dev);

	/* A read changes nothing: no state_mutex, no deferred reset. */
	return sysfs_emit(buf, "%u.%u\n", VFIO_DEVSTATE_MAJOR,
			  READ_ONCE(ivdev->emit_minor));
}

/* Parse "MAJOR.MINOR" of a version this driver can write; -1 if none. */
static int ivshmem_parse_version(const char *buf)
{
	char want[16];
	int minor;

	for (minor = 0; minor <= VFIO_DEVSTATE_MINOR; minor++) {
		snprintf(want, sizeof(want), "%u.%d", VFIO_DEVSTATE_MAJOR,
			 minor);
		if (sysfs_streq(buf, want))
			return minor;
	}
	return -1;
}

static ssize_t format_version_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct ivshmem_vfio_pci_device *ivdev = dev_to_ivdev(dev);
	int minor = ivshmem_parse_version(buf);
	ssize_t ret = count;

	if (minor < 0) {
		dev_warn(dev,
			 "format_version: '%.16s' not supported: this driver writes %u.0 to %u.%u\n",
			 buf, VFIO_DEVSTATE_MAJOR, VFIO_DEVSTATE_MAJOR,
			 VFIO_DEVSTATE_MINOR);
		return -EINVAL;
	}

	ivshmem_state_mutex_lock(ivdev);
	if (ivdev->saving || ivdev->resuming ||
	    ivdev->mig_state != VFIO_DEVICE_STATE_RUNNING) {
		dev_warn(dev,
			 "format_version: cannot change during a migration\n");
		ret = -EBUSY;
	} else {
		WRITE_ONCE(ivdev->emit_minor, minor);
	}
	ivshmem_state_mutex_unlock(ivdev);
	return ret;
}
static DEVICE_ATTR_RW(format_version);

static ssize_t last_error_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct ivshmem_vfio_pci_device *ivdev = dev_to_ivdev(dev);
	ssize_t len;

	spin_lock(&ivdev->err_lock);
	len = ivdev->last_error[0] ?
	      sysfs_emit(buf, "%s\n", ivdev->last_error) : 0;
	spin_unlock(&ivdev->err_lock);
	return len;
}
static DEVICE_ATTR_RO(last_error);

static struct attribute *ivshmem_vfio_pci_attrs[] = {
	&dev_attr_descriptor.attr,
	&dev_attr_format_version.attr,
	&dev_attr_last_error.attr,
	NULL,
};

/* Only where migration is offered (a BAR2 of whole pages). */
static umode_t ivshmem_vfio_pci_attr_visible(struct kobject *kobj,
					     struct attribute *attr, int n)
{
	struct ivshmem_vfio_pci_device *ivdev =
		dev_to_ivdev(kobj_to_dev(kobj));

	return ivdev->core_device.vdev.mig_ops ? attr->mode : 0;
}

static const struct attribute_group ivshmem_vfio_pci_group = {
	.name = "vfio_devstate",
	.attrs = ivshmem_vfio_pci_attrs,
	.is_visible = ivshmem_vfio_pci_attr_visible,
};

const struct attribute_group *ivshmem_vfio_pci_groups[] = {
	&ivshmem_vfio_pci_group,
	NULL,
};
