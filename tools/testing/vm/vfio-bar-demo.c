// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-bar-demo: open a PCI device through the VFIO group interface, list
 * its regions, and write then read back a pattern in one of its BARs, once
 * through read()/write() on the device file and once through mmap() when
 * the region allows it.
 *
 * Usage: vfio-bar-demo BDF [BAR]      (BAR defaults to 2)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

static const char *const region_names[] = {
	"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "config", "VGA",
};

static void die(const char *what)
{
	fprintf(stderr, "vfio-bar-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int group_of(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t len;
	char *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		die(path);
	link[len] = '\0';
	slash = strrchr(link, '/');
	return atoi(slash ? slash + 1 : link);
}

static int open_device(const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int container, group, device, nr;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		fprintf(stderr, "vfio-bar-demo: unknown VFIO API version\n");
		exit(1);
	}
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU)) {
		fprintf(stderr, "vfio-bar-demo: no type1v2 IOMMU support\n");
		exit(1);
	}

	nr = group_of(bdf);
	snprintf(path, sizeof(path), "/dev/vfio/%d", nr);
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-bar-demo: group %d is not viable\n", nr);
		exit(1);
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	printf("opened %s through group %s (container type1v2)\n", bdf, path);
	return device;
}

static int try_region_info(int device, unsigned int index,
			   struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void region_info(int device, unsigned int index,
			struct vfio_region_info *info)
{
	if (try_region_info(device, index, info))
		die("VFIO_DEVICE_GET_REGION_INFO");
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	if (pwrite(fd, buf, len, off) != (ssize_t)len)
		die("pwrite");
}

static void pread_all(int fd, void *buf, size_t len, off_t off)
{
	if (pread(fd, buf, len, off) != (ssize_t)len)
		die("pread");
}

int main(int argc, char **argv)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info cfg, bar;
	unsigned int i, index = 2;
	uint64_t pattern, back, offs[3];
	uint16_t ids[2];
	int device, errors = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s BDF [BAR]\n", argv[0]);
		return 2;
	}
	if (argc == 3)
		index = strtoul(argv[2], NULL, 0);
	if (index > VFIO_PCI_BAR5_REGION_INDEX) {
		fprintf(stderr, "vfio-bar-demo: BAR must be 0 to 5\n");
		return 2;
	}

	device = open_device(argv[1]);
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &dinfo))
		die("VFIO_DEVICE_GET_INFO");
	printf("device flags 0x%x%s, %u regions, %u interrupt types\n",
	       dinfo.flags, dinfo.flags & VFIO_DEVICE_FLAGS_PCI ? " (PCI)" : "",
	       dinfo.num_regions, dinfo.num_irqs);

	for (i = 0; i < dinfo.num_regions && i < 9; i++) {
		/* absent regions (e.g. VGA) fail with EINVAL */
		if (try_region_info(device, i, &bar) || !bar.size)
			continue;
		printf("  region %u %-6s size 0x%-9llx%s%s%s\n", i,
		       region_names[i], (unsigned long long)bar.size,
		       bar.flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
		       bar.flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
		       bar.flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "");
	}

	region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	pread_all(device, ids, sizeof(ids), cfg.offset);
	printf("config space: vendor 0x%04x device 0x%04x\n", ids[0], ids[1]);

	region_info(device, index, &bar);
	if (bar.size < 64) {
		fprintf(stderr, "vfio-bar-demo: BAR%u is too small\n", index);
		return 1;
	}
	offs[0] = 0;
	offs[1] = bar.size / 2;
	offs[2] = bar.size - sizeof(pattern);

	/* read()/write() path */
	for (i = 0; i < 3; i++) {
		pattern = 0x1af41110c0de0000ULL | i;
		pwrite_all(device, &pattern, sizeof(pattern),
			   bar.offset + offs[i]);
		pread_all(device, &back, sizeof(back), bar.offset + offs[i]);
		printf("BAR%u+0x%08llx: wrote 0x%016llx, read 0x%016llx %s\n",
		       index, (unsigned long long)offs[i],
		       (unsigned long long)pattern, (unsigned long long)back,
		       back == pattern ? "ok" : "MISMATCH");
		errors += back != pattern;
	}

	/* mmap() path: what was written above must be visible */
	if (bar.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		char *map;

		map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   device, bar.offset);
		if (map == MAP_FAILED)
			die("mmap");
		for (i = 0; i < 3; i++) {
			memcpy(&back, map + offs[i], sizeof(back));
			pattern = 0x1af41110c0de0000ULL | i;
			printf("mmap BAR%u+0x%08llx: read 0x%016llx %s\n",
			       index, (unsigned long long)offs[i],
			       (unsigned long long)back,
			       back == pattern ? "ok" : "MISMATCH");
			errors += back != pattern;
		}
		munmap(map, bar.size);
	} else {
		printf("BAR%u cannot be mmap()ed, read/write path only\n",
		       index);
	}

	printf("%s\n", errors ? "BAR access FAILED" : "BAR access ok");
	return errors ? 1 : 0;
}
