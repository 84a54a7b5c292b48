// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes around a migration of device A: the device fd closed while a
 * stream is half read or half written, a data fd closed early, a data fd
 * used after the state moved on (ENODEV), VFIO_DEVICE_RESET in STOP_COPY
 * and in RESUMING. None may oops, leak or hang; the device comes back in
 * RUNNING on its next open and still migrates byte for byte.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mig_fixture.h"

FIXTURE(lifetime) {
	struct vfio_dev dev;
	const char *bdf;
	int fd;
	struct mig_buf buf;
};

FIXTURE_SETUP(lifetime)
{
	const char *skip;

	self->fd = -1;
	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	self->bdf = vfio_test_env("IVSHMEM_A");
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->fd >= 0)
		close(self->fd);
	mig_buf_free(&self->buf);
	mig_close_running(&self->dev);
}

static void reopen(struct __test_metadata *_metadata, struct vfio_dev *dev,
		   const char *bdf)
{
	uint32_t state = 0;

	vfio_dev_close(dev);
	ASSERT_EQ(0, vfio_dev_open(dev, bdf, VFIO_MODE_CONTAINER));
	ASSERT_EQ(0, mig_get_state(dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
}

static void expect_dead_read(struct __test_metadata *_metadata, int fd)
{
	char b[16];

	EXPECT_EQ(-1, read(fd, b, sizeof(b)));
	EXPECT_EQ(ENODEV, errno);
}

/* A quick migration of the device onto itself (saving a header only). */
static void still_saves(struct __test_metadata *_metadata,
			struct vfio_dev *dev, struct mig_buf *buf)
{
	uint64_t initial = 0;
	int fd = -1;

	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &fd));
	ASSERT_EQ(0, mig_precopy_info(fd, &initial, NULL));
	mig_buf_free(buf);
	ASSERT_EQ((ssize_t)initial, mig_read_initial(fd, buf));
	close(fd);
	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
}

TEST_F(lifetime, device_closed_mid_save)
{
	char b[100000];

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &self->fd));
	ASSERT_EQ((ssize_t)sizeof(b), read(self->fd, b, sizeof(b)));
	reopen(_metadata, &self->dev, self->bdf);
	expect_dead_read(_metadata, self->fd);
	still_saves(_metadata, &self->dev, &self->buf);
}

TEST_F(lifetime, device_closed_in_precopy)
{
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	reopen(_metadata, &self->dev, self->bdf);
	expect_dead_read(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, mig_precopy_info(self->fd, NULL, NULL));
	still_saves(_metadata, &self->dev, &self->buf);
}

TEST_F(lifetime, device_closed_mid_resume)
{
	struct mig_io io = { .big = 1 << 20 };
	int fd = -1;

	/* Half of a real stream of A goes back into A. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &fd));
	ASSERT_LT(0, mig_read_stream(fd, &self->buf, &io, NULL));
	close(fd);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	ASSERT_EQ(0, mig_write_stream(self->fd, self->buf.data,
				      self->buf.len / 2, &io, NULL));
	reopen(_metadata, &self->dev, self->bdf);
	EXPECT_EQ(-1, write(self->fd, self->buf.data + self->buf.len / 2, 1));
	EXPECT_EQ(ENODEV, errno);
	still_saves(_metadata, &self->dev, &self->buf);
}

TEST_F(lifetime, data_fd_closed_early)
{
	char b[4096];
	int fd = -1;

	/* Saving: close after a partial read, then finish the arcs. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &fd));
	ASSERT_EQ((ssize_t)sizeof(b), read(fd, b, sizeof(b)));
	close(fd);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	/* Pre-copy: close before anything was read. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &fd));
	close(fd);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	/* Resuming: close with nothing written; the empty stream fails. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING,
				   &fd));
	close(fd);
	EXPECT_EQ(-ENODATA, mig_set_state(&self->dev,
					  VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	still_saves(_metadata, &self->dev, &self->buf);
}

TEST_F(lifetime, data_fd_after_state_moved_on)
{
	char b[64];

	/* STOP_COPY -> STOP ends the saving stream. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &self->fd));
	ASSERT_EQ((ssize_t)sizeof(b), read(self->fd, b, sizeof(b)));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	expect_dead_read(_metadata, self->fd);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));

	/* PRE_COPY -> RUNNING ends it too. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	expect_dead_read(_metadata, self->fd);
	EXPECT_EQ(-EINVAL, mig_precopy_info(self->fd, NULL, NULL));
	close(self->fd);
	self->fd = -1;

	/* A later migration's fd is a new stream; the old one stays dead. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   NULL));
	/* PRE_COPY_INFO is for pre-copy only. */
	EXPECT_EQ(-EINVAL, mig_precopy_info(self->fd, NULL, NULL));
	ASSERT_EQ((ssize_t)sizeof(b), read(self->fd, b, sizeof(b)));
	EXPECT_EQ(0, memcmp(b, VFIO_DEVSTATE_MAGIC, 8));
}

TEST_F(lifetime, reset_in_stop_copy)
{
	uint32_t state = 0;
	char b[4096];

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &self->fd));
	ASSERT_EQ((ssize_t)sizeof(b), read(self->fd, b, sizeof(b)));
	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	expect_dead_read(_metadata, self->fd);
	/* Running means running: the BARs are reachable again. */
	EXPECT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0x00010000));
	still_saves(_metadata, &self->dev, &self->buf);
}

TEST_F(lifetime, reset_in_precopy_and_resuming)
{
	uint32_t state = 0;

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY_P2P,
				   &self->fd));
	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	expect_dead_read(_metadata, self->fd);
	close(self->fd);

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	ASSERT_EQ(0, vfio_dev_reset(&self->dev));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	EXPECT_EQ(-1, write(self->fd, "V", 1));
	EXPECT_EQ(ENODEV, errno);
	still_saves(_metadata, &self->dev, &self->buf);
}

/* After all of that, A still migrates to B byte for byte. */
TEST_F_TIMEOUT(lifetime, still_migrates, 120)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mig_save_info info;
	struct vfio_dev b = {};
	uint32_t mask = 0, status = 0;
	void *amem, *bmem;
	size_t alen, blen;
	int stage = -1, ret;
	const char *skip;

	skip = ivshmem_open(_metadata, &b, "IVSHMEM_B", VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_to_running(&b));
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &amem, &alen));
	ASSERT_EQ(0, mig_map_bar2(&b, &bmem, &blen));
	mig_fill_pattern(amem, alen, 31);
	mig_fill_pattern(bmem, blen, 32);
	ASSERT_EQ(0, mig_set_regs(&self->dev, MIG_INTRMASK_VAL,
				  MIG_INTRSTATUS_VAL));
	ASSERT_EQ(0, mig_save(&self->dev, &self->buf, true, &io, &info));
	ret = mig_resume(&b, self->buf.data, self->buf.len, &io, &stage);
	ASSERT_EQ(0, ret) TH_LOG("stage %d: %s", stage, strerror(-ret));
	EXPECT_EQ(-1, mig_check_pattern(bmem, blen, 31, 8));
	ASSERT_EQ(0, mig_get_regs(&b, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
	munmap(amem, alen);
	munmap(bmem, blen);
	vfio_dev_close(&b);
}

TEST_HARNESS_MAIN
