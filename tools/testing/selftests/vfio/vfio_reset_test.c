// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_RESET: the device says it can be reset, and a reset puts
 * its registers back to their power-on values.
 */
#include "ivshmem_fixture.h"

TEST_F(ivshmem, reset_supported)
{
	ASSERT_TRUE(self->dev.info.flags & VFIO_DEVICE_FLAGS_RESET);
}

TEST_F(ivshmem, reset_clears_intrmask)
{
	uint32_t val = 0;

	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0xffffffff));
	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &val));
	ASSERT_EQ(0xffffffff, val);

	ASSERT_EQ(0, vfio_dev_reset(&self->dev));

	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &val));
	ASSERT_EQ(0U, val);
}

TEST_F(ivshmem, reset_clears_intrstatus)
{
	uint32_t val = 0;

	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0));
	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRSTATUS, 0x3));

	ASSERT_EQ(0, vfio_dev_reset(&self->dev));

	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRSTATUS, &val));
	ASSERT_EQ(0U, val);
}

/* After a reset the device is still usable through VFIO. */
TEST_F(ivshmem, usable_after_reset)
{
	uint16_t vendor = 0;
	uint32_t val = 0;

	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	ASSERT_EQ(0, vfio_region_read16(&self->dev,
					VFIO_PCI_CONFIG_REGION_INDEX, 0,
					&vendor));
	ASSERT_EQ(IVSHMEM_VENDOR_ID, vendor);
	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0x5a5a));
	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &val));
	ASSERT_EQ(0x5a5aU, val);
}

TEST_HARNESS_MAIN
