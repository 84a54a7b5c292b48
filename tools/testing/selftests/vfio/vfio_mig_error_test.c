// SPDX-License-Identifier: GPL-2.0
/*
 * The ERROR state: where the uAPI expects it, a failed arc whose device
 * state is unknown.  Once a whole stream is in, RESUMING -> STOP writes
 * the register state last; if that fails, BAR2 already holds the
 * stream's memory and the device is neither what it was nor what the
 * stream says.  The driver's fault injection point makes that step fail
 * (it can fail for real only if the function leaves D0).  The arc must
 * fail, the device must then report ERROR and refuse every arc with
 * EINVAL (a kernel log line says why), the data file must be dead, and
 * VFIO_DEVICE_RESET must bring it back to RUNNING, able to load the same
 * stream.
 *
 * Needs FAULT_INJECTION_DEBUG_FS (the test bed's debug kernel): the
 * variant's name has "fault_inject", so that the bed can leave it out
 * elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mig_fixture.h"

#define FAIL	"/sys/kernel/debug/ivshmem-vfio-pci/fail_resume_apply/"

FIXTURE(mig_error) {
	struct vfio_dev dev;
	void *mem;
	size_t len;
	struct mig_buf stream;
};

FIXTURE_VARIANT(mig_error) {
	int err;		/* what the injected failure returns */
};

FIXTURE_VARIANT_ADD(mig_error, fault_inject_eio) {
	.err = -EIO,
};

/* Make the next register write of a resume fail; @on false: none. */
static int inject(bool on)
{
	int ret;

	if (!on)
		return mig_write_str(FAIL "probability", "0");
	ret = mig_write_str(FAIL "verbose", "0");
	if (!ret)
		ret = mig_write_str(FAIL "interval", "1");
	if (!ret)
		ret = mig_write_str(FAIL "times", "1");
	if (!ret)
		ret = mig_write_str(FAIL "probability", "100");
	return ret;
}

FIXTURE_SETUP(mig_error)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mig_save_info info;
	const char *skip;

	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, access(FAIL "probability", W_OK))
		TH_LOG("no %s: kernel without FAULT_INJECTION_DEBUG_FS", FAIL);
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &self->mem, &self->len));
	mig_fill_pattern(self->mem, self->len, 41);
	ASSERT_EQ(0, mig_set_regs(&self->dev, MIG_INTRMASK_VAL,
				  MIG_INTRSTATUS_VAL));
	ASSERT_EQ(0, mig_save(&self->dev, &self->stream, false, &io, &info));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	/* What the device holds now is not what the stream says. */
	mig_fill_pattern(self->mem, self->len, 42);
	ASSERT_EQ(0, mig_set_regs(&self->dev, 0, 0));
}

FIXTURE_TEARDOWN(mig_error)
{
	inject(false);
	if (self->mem)
		munmap(self->mem, self->len);
	mig_buf_free(&self->stream);
	mig_close_running(&self->dev);
}

TEST_F_TIMEOUT(mig_error, resume_apply_fails, 120)
{
	struct mig_io io = { .big = 1 << 20 };
	uint32_t state = 0, mask = 0, status = 0;
	int fd = -1, stage = -1, ret;

	ASSERT_EQ(0, inject(true));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING,
				   &fd));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mig_write_stream(fd, self->stream.data, self->stream.len,
				      &io, NULL));
	/* The last step fails: the arc fails with its errno... */
	EXPECT_EQ(variant->err,
		  mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, inject(false));
	/* ...and leaves the device in ERROR, saying why. */
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, state)
		TH_LOG("state %s", mig_state_name(state));
	EXPECT_TRUE(mig_klog_contains("ERROR state until VFIO_DEVICE_RESET"));
	/* Every arc is refused, the state stays, the data file is dead. */
	EXPECT_EQ(-EINVAL, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
					 NULL));
	EXPECT_EQ(-EINVAL, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP,
					 NULL));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, state);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(ENODEV, errno);
	close(fd);

	/* A reset brings it back to RUNNING... */
	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	/* ...able to load the stream, all of it this time. */
	ret = mig_resume(&self->dev, self->stream.data, self->stream.len, &io,
			 &stage);
	ASSERT_EQ(0, ret) TH_LOG("stage %d: %s", stage, strerror(-ret));
	EXPECT_EQ(-1, mig_check_pattern(self->mem, self->len, 41, 8));
	ASSERT_EQ(0, mig_get_regs(&self->dev, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
}

TEST_HARNESS_MAIN
