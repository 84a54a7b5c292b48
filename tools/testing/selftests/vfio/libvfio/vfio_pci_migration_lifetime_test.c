// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes around the migration of any device that offers VFIO
 * migration v2: the device closed while a stream is half read or half
 * written, a data fd closed early, a data fd used after the state moved
 * on, VFIO_DEVICE_RESET while saving or resuming. A data fd that lost its
 * stream fails with ENODEV; none of it may hang, and the device comes
 * back in RUNNING, starts a new stream and still migrates.
 */
#include <errno.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

static const char *device_bdf;

FIXTURE(lifetime) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	struct vfio_mig_stream stream;
	int fd;
};

FIXTURE_VARIANT(lifetime) {
	const char *iommu_mode;
};

FIXTURE_VARIANT_ADD(lifetime, vfio_type1_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(lifetime, vfio_type1v2_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1V2_IOMMU,
};

FIXTURE_VARIANT_ADD(lifetime, iommufd_compat_type1) {
	.iommu_mode = MODE_IOMMUFD_COMPAT_TYPE1,
};

FIXTURE_VARIANT_ADD(lifetime, iommufd_compat_type1v2) {
	.iommu_mode = MODE_IOMMUFD_COMPAT_TYPE1V2,
};

FIXTURE_VARIANT_ADD(lifetime, iommufd) {
	.iommu_mode = MODE_IOMMUFD,
};

FIXTURE_SETUP(lifetime)
{
	self->fd = -1;
	self->iommu = iommu_init(variant->iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	if (!(vfio_pci_mig_flags(self->device) & VFIO_MIGRATION_STOP_COPY))
		SKIP(return, "%s does not offer migration", device_bdf);
	vfio_pci_mig_to_running(self->device);
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->fd >= 0)
		close(self->fd);
	vfio_mig_stream_free(&self->stream);
	vfio_pci_mig_to_running(self->device);
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
}

/* Close the device and open it again: it is in RUNNING. */
static void reopen(struct __test_metadata *_metadata,
		   struct vfio_pci_device **device, struct iommu *iommu)
{
	vfio_pci_device_cleanup(*device);
	*device = vfio_pci_device_init(device_bdf, iommu);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_pci_mig_get_state(*device));
}

static void expect_dead_read(struct __test_metadata *_metadata, int fd)
{
	char b[16];

	EXPECT_EQ(-1, read(fd, b, sizeof(b)));
	EXPECT_EQ(ENODEV, errno);
}

static void expect_dead_write(struct __test_metadata *_metadata, int fd)
{
	EXPECT_EQ(-1, write(fd, "V", 1));
	EXPECT_EQ(ENODEV, errno);
}

/* The device (RUNNING) still starts a stream and goes back to RUNNING. */
static void still_saves(struct __test_metadata *_metadata,
			struct vfio_pci_device *device)
{
	char b[64];
	int fd;

	fd = vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read(fd, b, sizeof(b)));
	close(fd);
	vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F(lifetime, device_closed_mid_save)
{
	char b[SZ_64K];

	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LT(0, read(self->fd, b, sizeof(b)));
	reopen(_metadata, &self->device, self->iommu);
	expect_dead_read(_metadata, self->fd);
	still_saves(_metadata, self->device);
}

TEST_F(lifetime, device_closed_in_precopy)
{
	if (!vfio_pci_mig_state_supported(self->device,
					  VFIO_DEVICE_STATE_PRE_COPY))
		SKIP(return, "%s does not offer PRE_COPY", device_bdf);
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_PRE_COPY);
	reopen(_metadata, &self->device, self->iommu);
	expect_dead_read(_metadata, self->fd);
	still_saves(_metadata, self->device);
}

TEST_F_TIMEOUT(lifetime, device_closed_mid_resume, 120)
{
	int fd;

	/* Half of a real stream of the device goes back into it. */
	vfio_pci_mig_save(self->device, &self->stream, false, SZ_1M);
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RUNNING);
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_RESUMING);
	ASSERT_EQ(0, __vfio_mig_write(self->fd, self->stream.data,
				      self->stream.len / 2, SZ_1M));
	reopen(_metadata, &self->device, self->iommu);
	expect_dead_write(_metadata, self->fd);

	/* Nor does the device-close leave a second RESUMING fd stuck. */
	fd = vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	close(fd);
	vfio_pci_mig_to_running(self->device);
	still_saves(_metadata, self->device);
}

TEST_F(lifetime, data_fd_closed_early)
{
	char b[4096];
	int fd, ret;

	/* Saving: closed after a partial read, then the arcs go on. */
	fd = vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LT(0, read(fd, b, sizeof(b)));
	close(fd);
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP);
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RUNNING);

	/* Pre-copy: closed before anything was read. */
	if (vfio_pci_mig_state_supported(self->device,
					 VFIO_DEVICE_STATE_PRE_COPY)) {
		fd = vfio_pci_mig_set_state(self->device,
					    VFIO_DEVICE_STATE_PRE_COPY);
		close(fd);
		vfio_pci_mig_set_state(self->device,
				       VFIO_DEVICE_STATE_STOP_COPY);
		vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RUNNING);
	}

	/* Resuming: closed with nothing written. The load may refuse it. */
	fd = vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RESUMING);
	close(fd);
	ret = __vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP,
				       NULL);
	if (ret)
		TH_LOG("the empty stream refused: %s", strerror(-ret));
	vfio_pci_mig_to_running(self->device);
	still_saves(_metadata, self->device);
}

TEST_F(lifetime, data_fd_after_state_moved_on)
{
	char b[64];

	/* STOP_COPY -> STOP ends the saving stream. */
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LT(0, read(self->fd, b, sizeof(b)));
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP);
	expect_dead_read(_metadata, self->fd);
	close(self->fd);
	self->fd = -1;
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RUNNING);

	/* RESUMING -> STOP ends the resuming one, loaded or not. */
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_RESUMING);
	__vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP, NULL);
	vfio_pci_mig_to_running(self->device);
	expect_dead_write(_metadata, self->fd);
	close(self->fd);
	self->fd = -1;

	if (!vfio_pci_mig_state_supported(self->device,
					  VFIO_DEVICE_STATE_PRE_COPY))
		return;

	/* PRE_COPY -> RUNNING ends it too. */
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_PRE_COPY);
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_RUNNING);
	expect_dead_read(_metadata, self->fd);
	close(self->fd);
	self->fd = -1;

	/* PRE_COPY -> STOP_COPY keeps it: the stream goes on. */
	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_PRE_COPY);
	vfio_pci_mig_set_state(self->device, VFIO_DEVICE_STATE_STOP_COPY);
	EXPECT_LT(0, read(self->fd, b, sizeof(b)));
}

TEST_F(lifetime, reset_in_stop_copy)
{
	char b[4096];

	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LT(0, read(self->fd, b, sizeof(b)));
	vfio_pci_device_reset(self->device);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING,
		  vfio_pci_mig_get_state(self->device));
	expect_dead_read(_metadata, self->fd);
	still_saves(_metadata, self->device);
}

TEST_F(lifetime, reset_in_precopy_and_resuming)
{
	if (vfio_pci_mig_state_supported(self->device,
					 VFIO_DEVICE_STATE_PRE_COPY)) {
		self->fd = vfio_pci_mig_set_state(self->device,
						  VFIO_DEVICE_STATE_PRE_COPY);
		vfio_pci_device_reset(self->device);
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING,
			  vfio_pci_mig_get_state(self->device));
		expect_dead_read(_metadata, self->fd);
		close(self->fd);
	}

	self->fd = vfio_pci_mig_set_state(self->device,
					  VFIO_DEVICE_STATE_RESUMING);
	vfio_pci_device_reset(self->device);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING,
		  vfio_pci_mig_get_state(self->device));
	expect_dead_write(_metadata, self->fd);
	still_saves(_metadata, self->device);
}

/* After all of that, the device still migrates (onto itself). */
TEST_F_TIMEOUT(lifetime, still_migrates, 300)
{
	bool precopy = vfio_pci_mig_state_supported(self->device,
						    VFIO_DEVICE_STATE_PRE_COPY);

	vfio_pci_mig_roundtrip(self->device, self->device, precopy,
			       SZ_1M, SZ_1M, 0x11fe);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
