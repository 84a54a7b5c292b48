// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration space through the VFIO config region.
 */
#include <linux/pci_regs.h>

#include "ivshmem_fixture.h"

#define CONFIG VFIO_PCI_CONFIG_REGION_INDEX

TEST_F(ivshmem, ids)
{
	uint16_t vendor = 0, device = 0;

	ASSERT_EQ(0, vfio_region_read16(&self->dev, CONFIG, PCI_VENDOR_ID,
					&vendor));
	ASSERT_EQ(0, vfio_region_read16(&self->dev, CONFIG, PCI_DEVICE_ID,
					&device));
	EXPECT_EQ(IVSHMEM_VENDOR_ID, vendor);
	EXPECT_EQ(IVSHMEM_DEVICE_ID, device);
}

TEST_F(ivshmem, class_and_header)
{
	uint32_t class_rev = 0, hdr = 0;

	ASSERT_EQ(0, vfio_region_read32(&self->dev, CONFIG, PCI_CLASS_REVISION,
					&class_rev));
	EXPECT_EQ(IVSHMEM_CLASS, class_rev >> 16);
	/* cache line size, latency timer, header type, BIST */
	ASSERT_EQ(0, vfio_region_read32(&self->dev, CONFIG, PCI_CACHE_LINE_SIZE,
					&hdr));
	EXPECT_EQ(PCI_HEADER_TYPE_NORMAL, (hdr >> 16) & 0x7f);
}

TEST_F(ivshmem, bar_types)
{
	uint32_t bar0 = 0, bar2 = 0;

	ASSERT_EQ(0, vfio_region_read32(&self->dev, CONFIG, PCI_BASE_ADDRESS_0,
					&bar0));
	ASSERT_EQ(0, vfio_region_read32(&self->dev, CONFIG, PCI_BASE_ADDRESS_2,
					&bar2));
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY,
		  bar0 & PCI_BASE_ADDRESS_SPACE);
	EXPECT_EQ(PCI_BASE_ADDRESS_MEM_TYPE_32,
		  bar0 & PCI_BASE_ADDRESS_MEM_TYPE_MASK);
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY,
		  bar2 & PCI_BASE_ADDRESS_SPACE);
	EXPECT_EQ(PCI_BASE_ADDRESS_MEM_TYPE_64,
		  bar2 & PCI_BASE_ADDRESS_MEM_TYPE_MASK);
	EXPECT_EQ(PCI_BASE_ADDRESS_MEM_PREFETCH,
		  bar2 & PCI_BASE_ADDRESS_MEM_PREFETCH);
}

/* The config region is writable where the device allows it. */
TEST_F(ivshmem, interrupt_line_writable)
{
	uint8_t val = 0x40, back = 0;

	ASSERT_EQ(1, vfio_region_write(&self->dev, CONFIG,
				       PCI_INTERRUPT_LINE, &val, 1));
	ASSERT_EQ(1, vfio_region_read(&self->dev, CONFIG,
				      PCI_INTERRUPT_LINE, &back, 1));
	EXPECT_EQ(val, back);
}

TEST_HARNESS_MAIN
