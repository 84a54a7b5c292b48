// SPDX-License-Identifier: GPL-2.0
/*
 * PCI devices in sysfs: which driver and IOMMU group a device has, its
 * VFIO character device, and binding and unbinding drivers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vfio_util.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

bool pci_dev_exists(const char *bdf)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", bdf);
	return !stat(path, &st);
}

/* The last component of the target of symbolic link BDF/@attr. */
static int pci_dev_link_name(const char *bdf, const char *attr,
			     char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *name;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	if ((size_t)snprintf(buf, len, "%s", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int pci_dev_driver(const char *bdf, char *buf, size_t len)
{
	int ret = pci_dev_link_name(bdf, "driver", buf, len);

	return ret == -ENOENT ? -ENODEV : ret;
}

int pci_dev_iommu_group(const char *bdf)
{
	char name[32], *end;
	long group;
	int ret;

	ret = pci_dev_link_name(bdf, "iommu_group", name, sizeof(name));
	if (ret)
		return ret;
	errno = 0;
	group = strtol(name, &end, 10);
	if (errno || *end || end == name || group < 0 || group > INT_MAX)
		return -EINVAL;
	return group;
}

int pci_dev_vfio_cdev(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		if ((size_t)snprintf(buf, len, "%s", de->d_name) >= len)
			ret = -ENAMETOOLONG;
		else
			ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int pci_dev_unbind(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
	return sysfs_write(path, bdf);
}

int pci_dev_bind(const char *bdf, const char *driver)
{
	char path[PATH_MAX], bound[64];
	int ret;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	ret = sysfs_write(path, driver);
	if (ret)
		return ret;
	ret = sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;

	/* drivers_probe succeeds even when no driver took the device. */
	ret = pci_dev_driver(bdf, bound, sizeof(bound));
	if (ret)
		return ret;
	return strcmp(bound, driver) ? -EBUSY : 0;
}
