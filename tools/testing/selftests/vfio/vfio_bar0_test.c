// SPDX-License-Identifier: GPL-2.0
/*
 * The ivshmem registers in BAR0, through VFIO region reads and writes.
 */
#include "ivshmem_fixture.h"

static uint32_t reg_read(struct __test_metadata *_metadata,
			 struct vfio_dev *dev, uint64_t reg)
{
	uint32_t val = 0;
	int ret;

	ret = vfio_region_read32(dev, IVSHMEM_REG_BAR, reg, &val);
	ASSERT_EQ(0, ret)
		TH_LOG("read BAR0+%#llx: %s", (unsigned long long)reg,
		       strerror(-ret));
	return val;
}

static void reg_write(struct __test_metadata *_metadata,
		      struct vfio_dev *dev, uint64_t reg, uint32_t val)
{
	int ret;

	ret = vfio_region_write32(dev, IVSHMEM_REG_BAR, reg, val);
	ASSERT_EQ(0, ret)
		TH_LOG("write BAR0+%#llx: %s", (unsigned long long)reg,
		       strerror(-ret));
}

TEST_F(ivshmem, intrmask_read_write)
{
	static const uint32_t vals[] = { 0xffffffff, 0xa5a55a5a, 0x1, 0x0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		reg_write(_metadata, &self->dev, IVSHMEM_INTRMASK, vals[i]);
		ASSERT_EQ(vals[i],
			  reg_read(_metadata, &self->dev, IVSHMEM_INTRMASK));
	}
}

TEST_F(ivshmem, intrstatus_read_clears)
{
	/* No interrupt source unmasked: setting the status raises nothing. */
	reg_write(_metadata, &self->dev, IVSHMEM_INTRMASK, 0);

	reg_write(_metadata, &self->dev, IVSHMEM_INTRSTATUS, 0x5);
	ASSERT_EQ(0x5U, reg_read(_metadata, &self->dev, IVSHMEM_INTRSTATUS));
	ASSERT_EQ(0U, reg_read(_metadata, &self->dev, IVSHMEM_INTRSTATUS));

	reg_write(_metadata, &self->dev, IVSHMEM_INTRSTATUS, 0xffffffff);
	ASSERT_EQ(0xffffffff,
		  reg_read(_metadata, &self->dev, IVSHMEM_INTRSTATUS));
	ASSERT_EQ(0U, reg_read(_metadata, &self->dev, IVSHMEM_INTRSTATUS));
}

TEST_F(ivshmem, ivposition_read_only)
{
	uint32_t pos = reg_read(_metadata, &self->dev, IVSHMEM_IVPOSITION);

	reg_write(_metadata, &self->dev, IVSHMEM_IVPOSITION, ~pos);
	ASSERT_EQ(pos, reg_read(_metadata, &self->dev, IVSHMEM_IVPOSITION));
}

TEST_F(ivshmem, access_past_end_fails)
{
	uint32_t val;

	ASSERT_NE(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_REG_SIZE, &val));
}

TEST_HARNESS_MAIN
