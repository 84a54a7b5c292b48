/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests know about the test bed's devices, QEMU ivshmem-plain
 * (1af4:1110), and how a test gets one of them open through VFIO.
 *
 * The bed exports the devices' BDFs as IVSHMEM_A, IVSHMEM_B, IVSHMEM_C and
 * the driver they are bound to as IVSHMEM_DRIVER.
 */
#ifndef IVSHMEM_H
#define IVSHMEM_H

#include <string.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110
#define IVSHMEM_CLASS		0x0500	/* memory controller: RAM */

/* BAR0: 32-bit registers */
#define IVSHMEM_REG_BAR		VFIO_PCI_BAR0_REGION_INDEX
#define IVSHMEM_REG_SIZE	256
#define IVSHMEM_INTRMASK	0x0	/* read/write */
#define IVSHMEM_INTRSTATUS	0x4	/* write sets, read returns and clears */
#define IVSHMEM_IVPOSITION	0x8	/* read-only */
#define IVSHMEM_DOORBELL	0xc	/* write-only */

/* BAR2: the shared memory, 64-bit prefetchable */
#define IVSHMEM_SHM_BAR		VFIO_PCI_BAR2_REGION_INDEX
#define IVSHMEM_SHM_SIZE_AB	(64UL << 20)	/* devices A and B */
#define IVSHMEM_SHM_SIZE_C	(32UL << 20)	/* device C */

/*
 * The driver's device section (model version 1, struct ivshmem_state):
 * INTRMASK, then INTRSTATUS, little-endian 32 bits each.
 */
#define IVSHMEM_STATE_LEN	8
#define IVSHMEM_STATE_INTRMASK	0
#define IVSHMEM_STATE_INTRSTATUS 4

/*
 * The BDF of the bed's device @var, or NULL with *@skip set to why the test
 * cannot run here. Outside the test VM (no /dev/vfio) there is nothing to
 * test. Inside it the bed always sets the variables, so a missing one fails
 * the test rather than skipping it.
 */
static inline const char *ivshmem_bdf(struct __test_metadata *_metadata,
				      const char *var, const char **skip)
{
	const char *bdf = vfio_test_env(var);

	*skip = NULL;
	if (!bdf && !vfio_test_in_vm()) {
		*skip = "not in the test VM: no /dev/vfio";
		return NULL;
	}
	ASSERT_NE(NULL, bdf)
		TH_LOG("%s is not set, but VFIO is here (/dev/vfio)", var);
	return bdf;
}

/*
 * Open the bed's device @var through VFIO in @mode into @dev. Returns NULL
 * once it is open, or why the test has to be skipped; fails the test if
 * the device should open and does not.
 */
static inline const char *ivshmem_open(struct __test_metadata *_metadata,
				       struct vfio_dev *dev, const char *var,
				       enum vfio_iommu_mode mode)
{
	const char *bdf, *skip;
	int ret;

	bdf = ivshmem_bdf(_metadata, var, &skip);
	if (!bdf)
		return skip;
	skip = vfio_mode_unavailable(mode);
	if (skip)
		return skip;
	ret = vfio_dev_open(dev, bdf, mode);
	ASSERT_EQ(0, ret)
		TH_LOG("opening %s=%s through VFIO (%s): %s", var, bdf,
		       vfio_mode_name(mode), strerror(-ret));
	return NULL;
}

#endif /* IVSHMEM_H */
