// SPDX-License-Identifier: GPL-2.0
/*
 * An incompatible destination: device C (32 MiB of BAR2) is offered the
 * stream of device A (64 MiB). C must refuse it at the write() that
 * completes the header, with EMEDIUMTYPE (VFIO_DEVSTATE_ERRNO_PARAM), a
 * kernel log line and a reason in sysfs last_error naming bar2_size and
 * both values; the refusal is sticky, and after VFIO_DEVICE_RESET C loads
 * a compatible stream (its own) correctly.  last_error belongs to the
 * stream of the last RESUMING: the next one clears it, so an old reason
 * never outlives a later migration.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ivshmem.h"
#include "vfio_mig.h"

FIXTURE(compat) {
	struct vfio_dev a;
	struct vfio_dev c;
	const char *c_bdf;
	struct mig_buf hdr;
	int fd;
};

FIXTURE_SETUP(compat)
{
	const char *skip;
	int fd = -1;

	self->fd = -1;
	skip = ivshmem_open(_metadata, &self->a, "IVSHMEM_A",
			    VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	skip = ivshmem_open(_metadata, &self->c, "IVSHMEM_C",
			    VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	self->c_bdf = vfio_test_env("IVSHMEM_C");
	ASSERT_EQ(0, mig_to_running(&self->a));
	ASSERT_EQ(0, mig_to_running(&self->c));

	/* A's header: the PRE_COPY initial bytes, as QEMU sends them. */
	ASSERT_EQ(0, mig_set_state(&self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LE(0, fd);
	ASSERT_LT(0, mig_read_initial(fd, &self->hdr));
	close(fd);
	ASSERT_EQ(0, mig_set_state(&self->a, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(mig_header_len(self->hdr.data), self->hdr.len);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->fd >= 0)
		close(self->fd);
	mig_buf_free(&self->hdr);
	if (self->a.initialized)
		mig_to_running(&self->a);
	if (self->c.initialized)
		mig_to_running(&self->c);
	vfio_dev_close(&self->a);
	vfio_dev_close(&self->c);
}

TEST_F(compat, refused_at_header_write)
{
	char why[512];
	uint32_t state = 0;
	size_t len = self->hdr.len;
	ssize_t n;

	ASSERT_EQ(0, mig_set_state(&self->c, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	/* Everything but the header's last byte is taken... */
	n = write(self->fd, self->hdr.data, len - 1);
	ASSERT_EQ((ssize_t)len - 1, n);
	/* ...and the byte that completes it is refused. */
	n = write(self->fd, self->hdr.data + len - 1, 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EMEDIUMTYPE, errno);

	n = mig_sysfs_read(self->c_bdf, "last_error", why, sizeof(why));
	ASSERT_LT(0, n);
	TH_LOG("last_error: %s", why);
	/* The class by its short name, then the reason. */
	EXPECT_EQ(0, strncmp(why, "parameter-mismatch: ", 20));
	EXPECT_NE(NULL, strstr(why, "bar2_size"));
	EXPECT_NE(NULL, strstr(why, "0x4000000"));
	EXPECT_NE(NULL, strstr(why, "0x2000000"));
	EXPECT_TRUE(mig_klog_contains("bar2_size"));

	/* Sticky: later writes and RESUMING -> STOP fail the same way. */
	n = write(self->fd, "x", 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EMEDIUMTYPE, errno);
	EXPECT_EQ(-EMEDIUMTYPE, mig_set_state(&self->c,
					      VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, mig_get_state(&self->c, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, state);

	/* A reset brings C back to RUNNING and ends the stream. */
	ASSERT_EQ(0, vfio_dev_reset(&self->c));
	ASSERT_EQ(0, mig_get_state(&self->c, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	n = write(self->fd, "x", 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENODEV, errno);
}

/* The whole header in one write: that write fails. */
TEST_F(compat, refused_whole_header)
{
	ssize_t n;

	ASSERT_EQ(0, mig_set_state(&self->c, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	n = write(self->fd, self->hdr.data, self->hdr.len);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EMEDIUMTYPE, errno);
}

/* After a refusal and a reset, C loads its own stream byte for byte. */
TEST_F_TIMEOUT(compat, accepts_compatible_after_refusal, 120)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mig_save_info info;
	struct mig_buf own = {};
	char why[512] = "";
	uint32_t mask = 0, status = 0;
	void *mem = NULL;
	size_t len = 0;
	ssize_t n;
	int ret, stage = -1;

	ASSERT_EQ(0, mig_set_state(&self->c, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	n = write(self->fd, self->hdr.data, self->hdr.len);
	EXPECT_EQ(-1, n);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, vfio_dev_reset(&self->c));
	/* The refusal's reason stays until the next RESUMING. */
	EXPECT_LT(0, mig_sysfs_read(self->c_bdf, "last_error", why,
				    sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "bar2_size"));

	ASSERT_EQ(0, mig_map_bar2(&self->c, &mem, &len));
	ASSERT_EQ(IVSHMEM_SHM_SIZE_C, len);
	mig_fill_pattern(mem, len, 77);
	ASSERT_EQ(0, mig_set_regs(&self->c, MIG_INTRMASK_VAL,
				  MIG_INTRSTATUS_VAL));
	ret = mig_save(&self->c, &own, true, &io, &info);
	ASSERT_EQ(0, ret) TH_LOG("saving C: %s", strerror(-ret));
	EXPECT_EQ(own.len, info.size_before);
	ASSERT_EQ(0, mig_set_state(&self->c, VFIO_DEVICE_STATE_RUNNING, NULL));

	/* Scribble over C, then load its saved state back. */
	mig_fill_pattern(mem, len, 78);
	ASSERT_EQ(0, mig_set_regs(&self->c, 0x00ff0000, 0));
	ret = mig_resume(&self->c, own.data, own.len, &io, &stage);
	ASSERT_EQ(0, ret) TH_LOG("stage %d: %s", stage, strerror(-ret));
	/* A stream that loaded leaves no reason behind. */
	EXPECT_EQ(0, mig_sysfs_read(self->c_bdf, "last_error", why,
				    sizeof(why)));
	EXPECT_STREQ("", why);
	EXPECT_EQ(-1, mig_check_pattern(mem, len, 77, 8));
	ASSERT_EQ(0, mig_get_regs(&self->c, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
	munmap(mem, len);
	mig_buf_free(&own);
}

TEST_HARNESS_MAIN
