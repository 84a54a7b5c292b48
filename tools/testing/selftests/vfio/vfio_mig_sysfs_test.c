// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio_devstate sysfs attributes of device A: the descriptor names
 * the model and bar2_size; format_version reads "1.0", takes "1.0",
 * refuses versions the driver cannot write (EINVAL) and any change while
 * a migration is in progress (EBUSY).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "mig_fixture.h"

FIXTURE(devstate_sysfs) {
	struct vfio_dev dev;
	const char *bdf;
	int fd;
};

FIXTURE_SETUP(devstate_sysfs)
{
	const char *skip;

	self->fd = -1;
	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	self->bdf = vfio_test_env("IVSHMEM_A");
}

FIXTURE_TEARDOWN(devstate_sysfs)
{
	if (self->fd >= 0)
		close(self->fd);
	mig_close_running(&self->dev);
}

TEST_F(devstate_sysfs, descriptor)
{
	char buf[4096];
	ssize_t n;

	n = mig_sysfs_read(self->bdf, "descriptor", buf, sizeof(buf));
	ASSERT_LT(0, n) TH_LOG("reading descriptor: %s", strerror(-n));
	TH_LOG("descriptor:\n%s", buf);
	EXPECT_NE(NULL, strstr(buf, "qemu.org/pci/1af4/1110"));
	EXPECT_NE(NULL, strstr(buf, "bar2_size"));
	EXPECT_NE(NULL, strstr(buf, "0x4000000"));
}

TEST_F(devstate_sysfs, format_version_reads_1_0)
{
	char buf[64];

	ASSERT_LT(0, mig_sysfs_read(self->bdf, "format_version", buf,
				    sizeof(buf)));
	EXPECT_STREQ("1.0\n", buf);
}

TEST_F(devstate_sysfs, format_version_writes)
{
	char buf[64];

	EXPECT_EQ(0, mig_sysfs_write(self->bdf, "format_version", "1.0"));
	EXPECT_EQ(0, mig_sysfs_write(self->bdf, "format_version", "1.0\n"));
	EXPECT_EQ(-EINVAL, mig_sysfs_write(self->bdf, "format_version",
					   "1.1"));
	EXPECT_EQ(-EINVAL, mig_sysfs_write(self->bdf, "format_version",
					   "2.0"));
	EXPECT_EQ(-EINVAL, mig_sysfs_write(self->bdf, "format_version",
					   "garbage"));
	ASSERT_LT(0, mig_sysfs_read(self->bdf, "format_version", buf,
				    sizeof(buf)));
	EXPECT_STREQ("1.0\n", buf);
}

static void busy_in(struct __test_metadata *_metadata, struct vfio_dev *dev,
		    const char *bdf, uint32_t state)
{
	int fd = -1;

	ASSERT_EQ(0, mig_set_state(dev, state, &fd));
	EXPECT_EQ(-EBUSY, mig_sysfs_write(bdf, "format_version", "1.0"))
		TH_LOG("in %s", mig_state_name(state));
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, mig_to_running(dev));
}

TEST_F(devstate_sysfs, format_version_busy_while_migrating)
{
	busy_in(_metadata, &self->dev, self->bdf, VFIO_DEVICE_STATE_PRE_COPY);
	busy_in(_metadata, &self->dev, self->bdf, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	busy_in(_metadata, &self->dev, self->bdf, VFIO_DEVICE_STATE_STOP_COPY);
	busy_in(_metadata, &self->dev, self->bdf, VFIO_DEVICE_STATE_RESUMING);
	busy_in(_metadata, &self->dev, self->bdf, VFIO_DEVICE_STATE_STOP);
	/* Reading stays possible, and RUNNING takes the write again. */
	EXPECT_EQ(0, mig_sysfs_write(self->bdf, "format_version", "1.0"));
}

TEST_F(devstate_sysfs, last_error_readable)
{
	char buf[512];

	EXPECT_LE(0, mig_sysfs_read(self->bdf, "last_error", buf,
				    sizeof(buf)));
}

TEST_HARNESS_MAIN
