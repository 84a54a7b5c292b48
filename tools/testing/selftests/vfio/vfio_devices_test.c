// SPDX-License-Identifier: GPL-2.0
/*
 * Each of the bed's devices opens through VFIO and reports the regions an
 * ivshmem-plain device has.
 */
#include <linux/pci_regs.h>

#include "ivshmem.h"

FIXTURE(device) {
	struct vfio_dev dev;
};

FIXTURE_VARIANT(device) {
	const char *var;
	uint64_t shm_size;
	enum vfio_iommu_mode mode;
};

FIXTURE_VARIANT_ADD(device, a_container) {
	.var = "IVSHMEM_A",
	.shm_size = IVSHMEM_SHM_SIZE_AB,
	.mode = VFIO_MODE_CONTAINER,
};

FIXTURE_VARIANT_ADD(device, b_container) {
	.var = "IVSHMEM_B",
	.shm_size = IVSHMEM_SHM_SIZE_AB,
	.mode = VFIO_MODE_CONTAINER,
};

FIXTURE_VARIANT_ADD(device, c_container) {
	.var = "IVSHMEM_C",
	.shm_size = IVSHMEM_SHM_SIZE_C,
	.mode = VFIO_MODE_CONTAINER,
};

FIXTURE_VARIANT_ADD(device, a_iommufd) {
	.var = "IVSHMEM_A",
	.shm_size = IVSHMEM_SHM_SIZE_AB,
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_VARIANT_ADD(device, b_iommufd) {
	.var = "IVSHMEM_B",
	.shm_size = IVSHMEM_SHM_SIZE_AB,
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_VARIANT_ADD(device, c_iommufd) {
	.var = "IVSHMEM_C",
	.shm_size = IVSHMEM_SHM_SIZE_C,
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_SETUP(device)
{
	const char *skip;

	skip = ivshmem_open(_metadata, &self->dev, variant->var, variant->mode);
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(device)
{
	vfio_dev_close(&self->dev);
}

#define RW (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)

TEST_F(device, info)
{
	struct vfio_device_info *info = &self->dev.info;

	EXPECT_TRUE(info->flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_LE(VFIO_PCI_NUM_REGIONS, info->num_regions);
	EXPECT_LE(VFIO_PCI_NUM_IRQS, info->num_irqs);
}

TEST_F(device, config_region)
{
	struct vfio_region_info ri;

	ASSERT_EQ(0, vfio_region_info(&self->dev,
				      VFIO_PCI_CONFIG_REGION_INDEX, &ri));
	EXPECT_LE(PCI_CFG_SPACE_SIZE, ri.size);
	EXPECT_EQ(RW, ri.flags & RW);
}

TEST_F(device, bar0_registers)
{
	struct vfio_region_info ri;

	ASSERT_EQ(0, vfio_region_info(&self->dev, IVSHMEM_REG_BAR, &ri));
	EXPECT_EQ(IVSHMEM_REG_SIZE, ri.size);
	EXPECT_EQ(RW, ri.flags & RW);
}

TEST_F(device, bar2_shared_memory)
{
	struct vfio_region_info ri;

	ASSERT_EQ(0, vfio_region_info(&self->dev, IVSHMEM_SHM_BAR, &ri));
	EXPECT_EQ(variant->shm_size, ri.size);
	EXPECT_EQ(RW, ri.flags & RW);
	EXPECT_TRUE(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
}

/* No MSI-X BAR in the plain variant; BAR3 is BAR2's upper half. */
TEST_F(device, unused_bars_empty)
{
	static const unsigned int bars[] = {
		VFIO_PCI_BAR1_REGION_INDEX, VFIO_PCI_BAR3_REGION_INDEX,
		VFIO_PCI_BAR4_REGION_INDEX, VFIO_PCI_BAR5_REGION_INDEX,
	};
	struct vfio_region_info ri;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bars); i++) {
		ASSERT_EQ(0, vfio_region_info(&self->dev, bars[i], &ri));
		EXPECT_EQ(0, ri.size) TH_LOG("region %u", bars[i]);
	}
}

TEST_HARNESS_MAIN
