// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding ivshmem-vfio-pci from device A while a migration data fd is
 * still open: the unbind completes once the device fd is closed, the data
 * fd then fails with ENODEV, closing it frees everything, and after the
 * device is bound again to $IVSHMEM_DRIVER it migrates as before.
 *
 * A program of its own because it rebinds the device under the others.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "ivshmem.h"
#include "vfio_mig.h"

FIXTURE(unbind) {
	struct vfio_dev dev;
	const char *bdf;
	const char *driver;
	int fd;
};

FIXTURE_SETUP(unbind)
{
	const char *skip;

	self->fd = -1;
	skip = ivshmem_open(_metadata, &self->dev, "IVSHMEM_A",
			    VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	self->bdf = vfio_test_env("IVSHMEM_A");
	self->driver = vfio_test_env("IVSHMEM_DRIVER");
	if (!self->driver)
		self->driver = "ivshmem-vfio-pci";
	ASSERT_EQ(0, mig_to_running(&self->dev));
}

FIXTURE_TEARDOWN(unbind)
{
	char drv[64];

	if (self->fd >= 0)
		close(self->fd);
	vfio_dev_close(&self->dev);
	/* Whatever happened, leave A bound for the programs after us. */
	if (self->bdf && pci_dev_driver(self->bdf, drv, sizeof(drv)))
		pci_dev_bind(self->bdf, self->driver);
}

static void rebind_and_check(struct __test_metadata *_metadata,
			     struct vfio_dev *dev, const char *bdf,
			     const char *driver)
{
	struct mig_buf b = {};
	uint32_t state = 0;
	int fd = -1;

	ASSERT_EQ(0, pci_dev_bind(bdf, driver));
	ASSERT_EQ(0, vfio_dev_open(dev, bdf,
				   VFIO_MODE_CONTAINER));
	ASSERT_EQ(0, mig_get_state(dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &fd));
	EXPECT_LT(0, mig_read_initial(fd, &b));
	close(fd);
	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	mig_buf_free(&b);
}

/* Close the device first, then unbind: the data fd outlives the driver. */
TEST_F(unbind, saving_fd_outlives_device)
{
	char b[8192];

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   &self->fd));
	ASSERT_EQ((ssize_t)sizeof(b), read(self->fd, b, sizeof(b)));
	vfio_dev_close(&self->dev);
	ASSERT_EQ(0, pci_dev_unbind(self->bdf));
	EXPECT_EQ(-1, read(self->fd, b, sizeof(b)));
	EXPECT_EQ(ENODEV, errno);
	close(self->fd);
	self->fd = -1;
	rebind_and_check(_metadata, &self->dev, self->bdf, self->driver);
}

TEST_F(unbind, resuming_fd_outlives_device)
{
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RESUMING,
				   &self->fd));
	ASSERT_EQ(8, write(self->fd, VFIO_DEVSTATE_MAGIC, 8));
	vfio_dev_close(&self->dev);
	ASSERT_EQ(0, pci_dev_unbind(self->bdf));
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(ENODEV, errno);
	close(self->fd);
	self->fd = -1;
	rebind_and_check(_metadata, &self->dev, self->bdf, self->driver);
}

static void *close_later(void *arg)
{
	struct vfio_dev *dev = arg;
	struct timespec ts = { .tv_nsec = 500 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	vfio_dev_close(dev);
	return NULL;
}

/* Unbind while the device fd is open: it waits for the close. */
TEST_F(unbind, unbind_waits_for_device_close)
{
	pthread_t t;
	char b[4096];

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, pthread_create(&t, NULL, close_later, &self->dev));
	ASSERT_EQ(0, pci_dev_unbind(self->bdf));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, read(self->fd, b, sizeof(b)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-EINVAL, mig_precopy_info(self->fd, NULL, NULL));
	close(self->fd);
	self->fd = -1;
	rebind_and_check(_metadata, &self->dev, self->bdf, self->driver);
}

TEST_HARNESS_MAIN
