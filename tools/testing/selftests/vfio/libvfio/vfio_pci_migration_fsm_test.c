// SPDX-License-Identifier: GPL-2.0-only
/*
 * The migration state machine of any device that offers VFIO migration
 * v2: from each state the device supports, request every state. Arcs the
 * uAPI allows succeed (the core walks the multi-step ones) and return a
 * data fd exactly when the last step opens a stream; the others fail with
 * EINVAL and leave the state alone. A saving data fd ends (ENODEV) when
 * the device leaves the saving states. Leaving RESUMING loads an empty
 * stream: the device may refuse it, but then a reset brings it back.
 */
#include <errno.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <libvfio.h>

#include "kselftest_harness.h"

static const char *device_bdf;

FIXTURE(fsm) {
	struct iommu *iommu;
	struct vfio_pci_device *device;
	int fd0;
	int fd1;
};

FIXTURE_VARIANT(fsm) {
	const char *iommu_mode;
};

FIXTURE_VARIANT_ADD(fsm, vfio_type1_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(fsm, vfio_type1v2_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1V2_IOMMU,
};

FIXTURE_VARIANT_ADD(fsm, iommufd_compat_type1) {
	.iommu_mode = MODE_IOMMUFD_COMPAT_TYPE1,
};

FIXTURE_VARIANT_ADD(fsm, iommufd_compat_type1v2) {
	.iommu_mode = MODE_IOMMUFD_COMPAT_TYPE1V2,
};

FIXTURE_VARIANT_ADD(fsm, iommufd) {
	.iommu_mode = MODE_IOMMUFD,
};

FIXTURE_SETUP(fsm)
{
	self->fd0 = -1;
	self->fd1 = -1;
	self->iommu = iommu_init(variant->iommu_mode);
	self->device = vfio_pci_device_init(device_bdf, self->iommu);
	if (!(vfio_pci_mig_flags(self->device) & VFIO_MIGRATION_STOP_COPY))
		SKIP(return, "%s does not offer migration", device_bdf);
	vfio_pci_mig_to_running(self->device);
}

FIXTURE_TEARDOWN(fsm)
{
	if (self->fd0 >= 0)
		close(self->fd0);
	if (self->fd1 >= 0)
		close(self->fd1);
	vfio_pci_mig_to_running(self->device);
	vfio_pci_device_cleanup(self->device);
	iommu_cleanup(self->iommu);
}

static bool is_precopy(u32 s)
{
	return s == VFIO_DEVICE_STATE_PRE_COPY ||
	       s == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

static bool is_saving(u32 s)
{
	return is_precopy(s) || s == VFIO_DEVICE_STATE_STOP_COPY;
}

/* Does the uAPI allow @from -> @to on this device? */
static bool arc_valid(struct vfio_pci_device *device, u32 from, u32 to)
{
	if (!vfio_pci_mig_state_supported(device, to))
		return false;
	return !(from == VFIO_DEVICE_STATE_STOP_COPY && is_precopy(to));
}

/* Does the request return a new data fd? */
static bool arc_new_fd(u32 from, u32 to)
{
	if (from == to)
		return false;
	if (to == VFIO_DEVICE_STATE_RESUMING)
		return true;
	if (to == VFIO_DEVICE_STATE_STOP_COPY || is_precopy(to))
		return !is_precopy(from);
	return false;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Request @from from RUNNING, then @to; *@fd0 and *@fd1 get the fds. */
static void check_arc(struct __test_metadata *_metadata,
		      struct vfio_pci_device *device, int *fd0, int *fd1,
		      u32 from, u32 to)
{
	u32 state = VFIO_DEVICE_STATE_ERROR;
	bool valid = arc_valid(device, from, to);
	u8 byte;
	int ret;

	close_fd(fd0);
	close_fd(fd1);
	vfio_pci_mig_to_running(device);

	ret = __vfio_pci_mig_set_state(device, from, fd0);
	ASSERT_EQ(0, ret) TH_LOG("RUNNING -> %s: %s", vfio_mig_state_name(from),
				 strerror(-ret));
	ASSERT_EQ(arc_new_fd(VFIO_DEVICE_STATE_RUNNING, from), *fd0 >= 0);
	ASSERT_EQ(0, __vfio_pci_mig_get_state(device, &state));
	ASSERT_EQ(from, state);

	ret = __vfio_pci_mig_set_state(device, to, fd1);
	ASSERT_EQ(0, __vfio_pci_mig_get_state(device, &state));

	if (!valid) {
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s -> %s must be refused",
					       vfio_mig_state_name(from),
					       vfio_mig_state_name(to));
		EXPECT_EQ(from, state);
		EXPECT_EQ(-1, *fd1);
		return;
	}

	if (from == VFIO_DEVICE_STATE_RESUMING &&
	    to != VFIO_DEVICE_STATE_RESUMING && ret) {
		TH_LOG("%s -> %s: the empty stream refused: %s",
		       vfio_mig_state_name(from), vfio_mig_state_name(to),
		       strerror(-ret));
		EXPECT_TRUE(state == VFIO_DEVICE_STATE_RESUMING ||
			    state == VFIO_DEVICE_STATE_ERROR)
			TH_LOG("a failed load moved on to %s",
			       vfio_mig_state_name(state));
		EXPECT_EQ(-1, *fd1);
		vfio_pci_device_reset(device);
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING,
			  vfio_pci_mig_get_state(device));
		/* The reset ended the stream. */
		EXPECT_EQ(-1, write(*fd0, "V", 1));
		EXPECT_EQ(ENODEV, errno);
		return;
	}

	EXPECT_EQ(0, ret) TH_LOG("%s -> %s: %s", vfio_mig_state_name(from),
				 vfio_mig_state_name(to), strerror(-ret));
	EXPECT_EQ(to, state);
	EXPECT_EQ(arc_new_fd(from, to), *fd1 >= 0)
		TH_LOG("%s -> %s: data fd %d", vfio_mig_state_name(from),
		       vfio_mig_state_name(to), *fd1);
	/* A saving stream outlives only PRE_COPY* -> saving states. */
	if (is_saving(from) && to != from &&
	    !(is_precopy(from) && is_saving(to))) {
		EXPECT_EQ(-1, read(*fd0, &byte, 1));
		EXPECT_EQ(ENODEV, errno);
	}
}

static void check_from(struct __test_metadata *_metadata,
		       struct vfio_pci_device *device, int *fd0, int *fd1,
		       u32 from)
{
	u32 to;

	if (!vfio_pci_mig_state_supported(device, from))
		SKIP(return, "%s does not support %s", device_bdf,
		     vfio_mig_state_name(from));
	/* ERROR, every state, and one number beyond the uAPI's. */
	for (to = 0; to <= VFIO_MIG_NR_STATES; to++)
		check_arc(_metadata, device, fd0, fd1, from, to);
}

TEST_F(fsm, from_stop)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_STOP);
}

TEST_F(fsm, from_running)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_RUNNING);
}

TEST_F(fsm, from_stop_copy)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_STOP_COPY);
}

TEST_F(fsm, from_resuming)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_RESUMING);
}

TEST_F(fsm, from_running_p2p)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_RUNNING_P2P);
}

TEST_F(fsm, from_pre_copy)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_PRE_COPY);
}

TEST_F(fsm, from_pre_copy_p2p)
{
	check_from(_metadata, self->device, &self->fd0, &self->fd1,
		   VFIO_DEVICE_STATE_PRE_COPY_P2P);
}

/* The request of RUNNING from RUNNING changes nothing and opens nothing. */
TEST_F(fsm, running_to_running)
{
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_pci_mig_get_state(self->device));
	EXPECT_EQ(-1, vfio_pci_mig_set_state(self->device,
					     VFIO_DEVICE_STATE_RUNNING));
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
