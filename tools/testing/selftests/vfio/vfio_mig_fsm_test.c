// SPDX-License-Identifier: GPL-2.0
/*
 * The migration state machine of device A: from each state a device can
 * be put in, request each of the eight states. Arcs the uAPI allows
 * succeed (multi-step ones through vfio_mig_get_next_state()) and return
 * a new data fd exactly when the last step opens a stream; the others
 * fail with EINVAL and leave the state alone. ERROR cannot be requested.
 *
 * Leaving RESUMING goes through RESUMING -> STOP, which validates the
 * stream: with nothing written it fails with ENODATA (an empty stream is
 * incomplete) and the device stays in RESUMING until VFIO_DEVICE_RESET.
 */
#include <errno.h>
#include <unistd.h>

#include "mig_fixture.h"

FIXTURE(fsm) {
	struct vfio_dev dev;
	int fd0;
	int fd1;
};

FIXTURE_VARIANT(fsm) {
	uint32_t from;
};

FIXTURE_VARIANT_ADD(fsm, from_stop) {
	.from = VFIO_DEVICE_STATE_STOP,
};

FIXTURE_VARIANT_ADD(fsm, from_running) {
	.from = VFIO_DEVICE_STATE_RUNNING,
};

FIXTURE_VARIANT_ADD(fsm, from_stop_copy) {
	.from = VFIO_DEVICE_STATE_STOP_COPY,
};

FIXTURE_VARIANT_ADD(fsm, from_resuming) {
	.from = VFIO_DEVICE_STATE_RESUMING,
};

FIXTURE_VARIANT_ADD(fsm, from_running_p2p) {
	.from = VFIO_DEVICE_STATE_RUNNING_P2P,
};

FIXTURE_VARIANT_ADD(fsm, from_pre_copy) {
	.from = VFIO_DEVICE_STATE_PRE_COPY,
};

FIXTURE_VARIANT_ADD(fsm, from_pre_copy_p2p) {
	.from = VFIO_DEVICE_STATE_PRE_COPY_P2P,
};

FIXTURE_SETUP(fsm)
{
	const char *skip;

	self->fd0 = -1;
	self->fd1 = -1;
	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(fsm)
{
	if (self->fd0 >= 0)
		close(self->fd0);
	if (self->fd1 >= 0)
		close(self->fd1);
	mig_close_running(&self->dev);
}

static bool is_precopy(uint32_t s)
{
	return s == VFIO_DEVICE_STATE_PRE_COPY ||
	       s == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

static bool is_saving(uint32_t s)
{
	return is_precopy(s) || s == VFIO_DEVICE_STATE_STOP_COPY;
}

/* Does the uAPI allow @from -> @to (on a device with P2P and PRE_COPY)? */
static bool arc_valid(uint32_t from, uint32_t to)
{
	if (to == VFIO_DEVICE_STATE_ERROR || to >= MIG_NR_STATES)
		return false;
	return !(from == VFIO_DEVICE_STATE_STOP_COPY && is_precopy(to));
}

/* Does the request return a new data fd? */
static bool arc_new_fd(uint32_t from, uint32_t to)
{
	if (from == to)
		return false;
	if (to == VFIO_DEVICE_STATE_RESUMING)
		return true;
	if (to == VFIO_DEVICE_STATE_STOP_COPY || is_precopy(to))
		return !is_precopy(from);
	return false;
}

static void check_arc(struct __test_metadata *_metadata,
		      struct vfio_dev *dev, int *fd0, int *fd1,
		      uint32_t from, uint32_t to)
{
	uint32_t state = VFIO_DEVICE_STATE_ERROR;
	bool valid = arc_valid(from, to);
	uint8_t byte;
	ssize_t n;
	int ret;

	/* Get to @from from RUNNING (itself possibly a multi-step path). */
	ret = mig_set_state(dev, from, &*fd0);
	ASSERT_EQ(0, ret) TH_LOG("RUNNING -> %s: %s", mig_state_name(from),
				 strerror(-ret));
	ASSERT_EQ(arc_new_fd(VFIO_DEVICE_STATE_RUNNING, from),
		  *fd0 >= 0);
	ASSERT_EQ(0, mig_get_state(dev, &state));
	ASSERT_EQ(from, state);

	ret = mig_set_state(dev, to, &*fd1);
	ASSERT_EQ(0, mig_get_state(dev, &state));
	if (!valid) {
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s -> %s must be refused",
					       mig_state_name(from),
					       mig_state_name(to));
		EXPECT_EQ(from, state);
		EXPECT_EQ(-1, *fd1);
	} else if (from == VFIO_DEVICE_STATE_RESUMING &&
		   to != VFIO_DEVICE_STATE_RESUMING) {
		/* RESUMING -> STOP refuses the empty stream. */
		EXPECT_EQ(-ENODATA, ret);
		EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, state);
		EXPECT_EQ(-1, *fd1);
		/* Sticky until reset; the reset gets us back to RUNNING. */
		EXPECT_EQ(-ENODATA, mig_set_state(dev, to, NULL));
		ASSERT_EQ(0, vfio_dev_reset(dev));
		ASSERT_EQ(0, mig_get_state(dev, &state));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
		/* The reset ended the stream. */
		n = write(*fd0, "V", 1);
		EXPECT_EQ(-1, n);
		EXPECT_EQ(ENODEV, errno);
	} else {
		EXPECT_EQ(0, ret) TH_LOG("%s -> %s: %s", mig_state_name(from),
					 mig_state_name(to), strerror(-ret));
		EXPECT_EQ(to, state);
		EXPECT_EQ(arc_new_fd(from, to), *fd1 >= 0)
			TH_LOG("%s -> %s: data fd %d", mig_state_name(from),
			       mig_state_name(to), *fd1);
		/* A saving stream outlives only PRE_COPY* -> STOP_COPY. */
		if (is_saving(from) && to != from &&
		    !(is_precopy(from) && is_saving(to))) {
			n = read(*fd0, &byte, 1);
			EXPECT_EQ(-1, n);
			EXPECT_EQ(ENODEV, errno);
		}
	}

	ASSERT_EQ(0, mig_to_running(dev));
}

TEST_F(fsm, to_error)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_ERROR);
}

TEST_F(fsm, to_stop)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_STOP);
}

TEST_F(fsm, to_running)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_RUNNING);
}

TEST_F(fsm, to_stop_copy)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_STOP_COPY);
}

TEST_F(fsm, to_resuming)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_RESUMING);
}

TEST_F(fsm, to_running_p2p)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_RUNNING_P2P);
}

TEST_F(fsm, to_pre_copy)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_PRE_COPY);
}

TEST_F(fsm, to_pre_copy_p2p)
{
	check_arc(_metadata, &self->dev, &self->fd0, &self->fd1,
		  variant->from, VFIO_DEVICE_STATE_PRE_COPY_P2P);
}

/* A state number beyond the uAPI's is refused like ERROR. */
TEST_F(fsm, to_undefined)
{
	uint32_t state = 0;

	ASSERT_EQ(0, mig_set_state(&self->dev, variant->from, &self->fd0));
	EXPECT_EQ(-EINVAL, mig_set_state(&self->dev, MIG_NR_STATES, NULL));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(variant->from, state);
}

TEST_HARNESS_MAIN
