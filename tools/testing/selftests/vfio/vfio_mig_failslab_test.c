// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in the saving and resuming paths, injected with
 * failslab one allocation at a time (/proc/thread-self/fail-nth, as the
 * iommufd selftests do): every step that opens a data file is retried
 * with its 1st, 2nd, ... slab allocation failing until it runs without
 * reaching the injected failure.  Each failure must reach user space as
 * an errno, leave the device in a state it can be brought back from to
 * RUNNING, and leak nothing (kmemleak checks that at the end of the run).
 * Afterwards device A still migrates to B byte for byte.
 *
 * Needs a kernel with FAILSLAB and FAULT_INJECTION_DEBUG_FS: the test
 * bed's debug kernel.  The variants all have "failslab" in their names,
 * so that the bed can leave them out on a kernel without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mig_fixture.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* More slab allocations than any of the steps makes. */
#define MAX_NTH		200

FIXTURE(mig_fault) {
	struct vfio_dev dev;
	int fd;
};

FIXTURE_VARIANT(mig_fault) {
	unsigned int target;	/* state requested from RUNNING */
	bool write_header;	/* RESUMING: also feed a header */
};

FIXTURE_VARIANT_ADD(mig_fault, failslab_pre_copy) {
	.target = VFIO_DEVICE_STATE_PRE_COPY,
};

FIXTURE_VARIANT_ADD(mig_fault, failslab_stop_copy) {
	.target = VFIO_DEVICE_STATE_STOP_COPY,
};

FIXTURE_VARIANT_ADD(mig_fault, failslab_resuming) {
	.target = VFIO_DEVICE_STATE_RESUMING,
	.write_header = true,
};

/* fail-nth left to count down: 0 once the failure was injected. */
static int read_nth(int fd)
{
	char buf[32] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return -errno;
	return atoi(buf);
}

FIXTURE_SETUP(mig_fault)
{
	const char *skip;

	self->fd = -1;
	skip = ivshmem_open(_metadata, &self->dev, "IVSHMEM_A",
			    VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, access(FAIL_NTH, W_OK))
		TH_LOG("no %s: kernel without FAULT_INJECTION_DEBUG_FS",
		       FAIL_NTH);
	/* Fail GFP_KERNEL allocations too, quietly (no stack dumps). */
	ASSERT_EQ(0, mig_write_str(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, mig_write_str(FAILSLAB "verbose", "0"));
	ASSERT_EQ(0, mig_to_running(&self->dev));
}

FIXTURE_TEARDOWN(mig_fault)
{
	if (self->fd >= 0)
		close(self->fd);
	mig_close_running(&self->dev);
}

TEST_F(mig_fault, every_allocation)
{
	struct mig_buf hdr = {};
	int nth, nth_fd, left, ret, injected = 0;
	int fd = -1;

	if (variant->write_header) {
		/* A header to feed: A's own PRE_COPY initial bytes. */
		ASSERT_EQ(0, mig_set_state(&self->dev,
					   VFIO_DEVICE_STATE_PRE_COPY, &fd));
		ASSERT_LT(0, mig_read_initial(fd, &hdr));
		close(fd);
		ASSERT_EQ(0, mig_to_running(&self->dev));
	}

	nth_fd = open(FAIL_NTH, O_RDWR);
	ASSERT_LE(0, nth_fd);
	for (nth = 1; nth <= MAX_NTH; nth++) {
		char val[16];

		snprintf(val, sizeof(val), "%d", nth);
		ASSERT_EQ((ssize_t)strlen(val), pwrite(nth_fd, val,
						       strlen(val), 0));
		ret = mig_set_state(&self->dev, variant->target, &self->fd);
		if (!ret && variant->write_header &&
		    write(self->fd, hdr.data, hdr.len) != (ssize_t)hdr.len)
			ret = -errno;
		left = read_nth(nth_fd);
		ASSERT_EQ(0, pwrite(nth_fd, "0", 1, 0) < 0 ? -errno : 0);

		if (ret) {
			/* The injected failure, as an errno. */
			EXPECT_EQ(0, left);
			EXPECT_EQ(-ENOMEM, ret)
				TH_LOG("allocation %d: %s", nth,
				       strerror(-ret));
			injected++;
		} else {
			ASSERT_LE(0, self->fd);
		}
		if (self->fd >= 0) {
			close(self->fd);
			self->fd = -1;
		}
		/* Whatever happened, the device comes back to RUNNING. */
		ASSERT_EQ(0, mig_to_running(&self->dev))
			TH_LOG("after allocation %d failed", nth);
		if (!ret && left)
			break;	/* ran past every allocation it makes */
	}
	close(nth_fd);
	mig_buf_free(&hdr);
	EXPECT_GT(nth, 1);
	EXPECT_LE(nth, MAX_NTH);
	EXPECT_LT(0, injected);
	TH_LOG("%d allocations failed one by one, %d of them refused", nth - 1,
	       injected);
}

/* After all that, A still migrates to B intact. */
TEST_F(mig_fault, failslab_then_migrate)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mig_save_info info;
	struct mig_buf stream = {};
	struct vfio_dev b = {};
	void *amem, *bmem;
	size_t alen, blen;
	const char *skip;

	skip = ivshmem_open(_metadata, &b, "IVSHMEM_B", VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_to_running(&b));
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &amem, &alen));
	ASSERT_EQ(0, mig_map_bar2(&b, &bmem, &blen));
	ASSERT_EQ(alen, blen);
	mig_fill_pattern(amem, alen, 7);
	ASSERT_EQ(0, mig_save(&self->dev, &stream, true, &io, &info));
	ASSERT_EQ(0, mig_resume(&b, stream.data, stream.len, &io, NULL));
	ASSERT_EQ(-1, mig_check_pattern(bmem, blen, 7, 4096));
	munmap(amem, alen);
	munmap(bmem, blen);
	mig_buf_free(&stream);
	mig_to_running(&b);
	vfio_dev_close(&b);
}

TEST_HARNESS_MAIN
