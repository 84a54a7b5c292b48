// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding the device from its driver through sysfs and binding it back:
 * while unbound it is gone from VFIO, once rebound it opens and works.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "ivshmem.h"

FIXTURE(rebind) {
	const char *bdf;
	const char *driver;
	struct vfio_dev dev;
};

FIXTURE_VARIANT(rebind) {
	enum vfio_iommu_mode mode;
};

FIXTURE_VARIANT_ADD(rebind, container) {
	.mode = VFIO_MODE_CONTAINER,
};

FIXTURE_VARIANT_ADD(rebind, iommufd) {
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_SETUP(rebind)
{
	const char *skip;
	char bound[64];
	int ret;

	self->bdf = ivshmem_bdf(_metadata, "IVSHMEM_A", &skip);
	if (!self->bdf)
		SKIP(return, "%s", skip);
	skip = vfio_mode_unavailable(variant->mode);
	if (skip)
		SKIP(return, "%s", skip);
	self->driver = vfio_test_env("IVSHMEM_DRIVER");
	ASSERT_NE(NULL, self->driver) TH_LOG("IVSHMEM_DRIVER is not set");

	ret = pci_dev_driver(self->bdf, bound, sizeof(bound));
	ASSERT_EQ(0, ret) TH_LOG("%s has no driver: %s", self->bdf,
				 strerror(-ret));
	ASSERT_STREQ(self->driver, bound);
}

/* Leave the device bound to its driver for the tests that follow. */
FIXTURE_TEARDOWN(rebind)
{
	char bound[64];

	vfio_dev_close(&self->dev);
	if (!pci_dev_driver(self->bdf, bound, sizeof(bound)) &&
	    !strcmp(bound, self->driver))
		return;
	pci_dev_unbind(self->bdf);
	EXPECT_EQ(0, pci_dev_bind(self->bdf, self->driver));
}

static void check_works(struct __test_metadata *_metadata,
			struct vfio_dev *dev)
{
	uint32_t word = 0x600dcafe, back = 0;
	uint16_t vendor = 0;

	ASSERT_EQ(0, vfio_region_read16(dev, VFIO_PCI_CONFIG_REGION_INDEX, 0,
					&vendor));
	ASSERT_EQ(IVSHMEM_VENDOR_ID, vendor);
	ASSERT_EQ(0, vfio_region_write32(dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0x3c));
	ASSERT_EQ(0, vfio_region_read32(dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &back));
	ASSERT_EQ(0x3cU, back);
	ASSERT_EQ(0, vfio_region_write32(dev, IVSHMEM_SHM_BAR, 0x100, word));
	ASSERT_EQ(0, vfio_region_read32(dev, IVSHMEM_SHM_BAR, 0x100, &back));
	ASSERT_EQ(word, back);
}

TEST_F(rebind, unbind_rebind)
{
	char bound[64], group_path[PATH_MAX];
	int group, ret;

	/* Works before: the device was usable through VFIO. */
	ASSERT_EQ(0, vfio_dev_open(&self->dev, self->bdf, variant->mode));
	check_works(_metadata, &self->dev);
	vfio_dev_close(&self->dev);

	group = pci_dev_iommu_group(self->bdf);
	ASSERT_LE(0, group);
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%d", group);
	ASSERT_EQ(0, access(group_path, F_OK));

	/* Unbound: no driver, no VFIO group node, VFIO cannot open it. */
	ret = pci_dev_unbind(self->bdf);
	ASSERT_EQ(0, ret) TH_LOG("unbind: %s", strerror(-ret));
	ASSERT_EQ(-ENODEV, pci_dev_driver(self->bdf, bound, sizeof(bound)));
	ASSERT_TRUE(pci_dev_exists(self->bdf));
	EXPECT_NE(0, access(group_path, F_OK))
		TH_LOG("%s still exists with the device unbound", group_path);
	ret = vfio_dev_open(&self->dev, self->bdf, variant->mode);
	ASSERT_NE(0, ret) TH_LOG("opened through VFIO while unbound");

	/* Rebound: to the same driver, and usable again. */
	ret = pci_dev_bind(self->bdf, self->driver);
	ASSERT_EQ(0, ret) TH_LOG("bind to %s: %s", self->driver,
				 strerror(-ret));
	ASSERT_EQ(0, pci_dev_driver(self->bdf, bound, sizeof(bound)));
	ASSERT_STREQ(self->driver, bound);

	ret = vfio_dev_open(&self->dev, self->bdf, variant->mode);
	ASSERT_EQ(0, ret) TH_LOG("open after rebind: %s", strerror(-ret));
	check_works(_metadata, &self->dev);
}

TEST_HARNESS_MAIN
