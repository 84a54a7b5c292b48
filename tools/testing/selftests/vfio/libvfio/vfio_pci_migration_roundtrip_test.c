// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migration round trips of any device that offers VFIO migration v2:
 * save the device and load the stream into a second device of the same
 * kind (two BDFs given) or back into the same one after it was changed
 * (one BDF): through STOP_COPY in whole MiBs as QEMU reads and writes
 * them, and through PRE_COPY in odd sizes.
 * Saving leaves the source as it was. Where lib/drivers/ has an entry
 * for the device, it sets the source's state and checks that the
 * destination holds it afterwards.
 */
#include <errno.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

static const char *src_bdf;
static const char *dst_bdf;	/* NULL: back into the source */

#define SEED		0x5eed

FIXTURE(roundtrip) {
	struct iommu *iommu;
	struct vfio_pci_device *src;
	struct vfio_pci_device *dst;
	const struct vfio_pci_mig_driver_ops *ops;
	struct vfio_mig_stream stream;	/* precopy_info */
};

FIXTURE_VARIANT(roundtrip) {
	const char *iommu_mode;
};

/*
 * The state does not travel through the IOMMU: one mode for each way of
 * opening the device (group and container, cdev and iommufd).
 */
FIXTURE_VARIANT_ADD(roundtrip, vfio_type1v2_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1V2_IOMMU,
};

FIXTURE_VARIANT_ADD(roundtrip, iommufd) {
	.iommu_mode = MODE_IOMMUFD,
};

FIXTURE_SETUP(roundtrip)
{
	self->iommu = iommu_init(variant->iommu_mode);
	self->src = vfio_pci_device_init(src_bdf, self->iommu);
	self->dst = dst_bdf ? vfio_pci_device_init(dst_bdf, self->iommu) :
			      self->src;
	if (!(vfio_pci_mig_flags(self->src) & VFIO_MIGRATION_STOP_COPY))
		SKIP(return, "%s does not offer migration", src_bdf);
	vfio_pci_mig_to_running(self->src);
	vfio_pci_mig_to_running(self->dst);
	self->ops = vfio_pci_mig_driver_probe(self->src);
	if (!self->ops)
		TH_LOG("no lib/drivers/ entry for %s: its state is not checked",
		       src_bdf);
}

FIXTURE_TEARDOWN(roundtrip)
{
	vfio_mig_stream_free(&self->stream);
	if (self->dst != self->src) {
		vfio_pci_mig_to_running(self->dst);
		vfio_pci_device_cleanup(self->dst);
	}
	vfio_pci_mig_to_running(self->src);
	vfio_pci_device_cleanup(self->src);
	iommu_cleanup(self->iommu);
}

/* Whole MiBs as QEMU reads and writes them. */
TEST_F_TIMEOUT(roundtrip, stop_copy, 300)
{
	EXPECT_EQ(!!self->ops, vfio_pci_mig_roundtrip(self->src, self->dst,
						      false, SZ_1M, SZ_1M,
						      SEED));
}

/* Odd sizes: a stream does not depend on how it is cut. */
TEST_F_TIMEOUT(roundtrip, pre_copy_odd_sizes, 300)
{
	if (!vfio_pci_mig_state_supported(self->src,
					  VFIO_DEVICE_STATE_PRE_COPY))
		SKIP(return, "%s does not offer PRE_COPY", src_bdf);
	EXPECT_EQ(!!self->ops, vfio_pci_mig_roundtrip(self->src, self->dst,
						      true, 65521, 4099,
						      SEED));
}

/*
 * PRE_COPY: VFIO_MIG_GET_PRECOPY_INFO works on the data fd, and once a
 * read() said ENOMSG no initial data is left.
 */
TEST_F_TIMEOUT(roundtrip, precopy_info, 300)
{
	struct vfio_precopy_info info;
	bool enomsg = false;
	ssize_t n;
	int fd;

	if (!vfio_pci_mig_state_supported(self->src,
					  VFIO_DEVICE_STATE_PRE_COPY))
		SKIP(return, "%s does not offer PRE_COPY", src_bdf);
	fd = vfio_pci_mig_set_state(self->src, VFIO_DEVICE_STATE_PRE_COPY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, __vfio_mig_precopy_info(fd, &info));
	n = __vfio_mig_read(fd, &self->stream, SZ_1M, &enomsg);
	ASSERT_LE(0, n) TH_LOG("PRE_COPY read: %s", strerror(-n));
	EXPECT_TRUE(enomsg);
	EXPECT_LE(info.initial_bytes, (u64)n);
	ASSERT_EQ(0, __vfio_mig_precopy_info(fd, &info));
	EXPECT_EQ(0, info.initial_bytes);
	close(fd);
}

/* The stop-copy estimate is there before saving, and non-zero. */
TEST_F(roundtrip, data_size)
{
	u64 size = 0;
	int ret;

	ret = __vfio_pci_mig_data_size(self->src, &size);
	ASSERT_EQ(0, ret) TH_LOG("MIG_DATA_SIZE: %s", strerror(-ret));
	EXPECT_LT(0, size);
}

int main(int argc, char *argv[])
{
	char **bdfs;
	int nr;

	bdfs = vfio_selftests_get_bdfs(&argc, argv, &nr);
	src_bdf = bdfs[0];
	dst_bdf = nr > 1 ? bdfs[1] : NULL;
	return test_harness_run(argc, argv);
}
