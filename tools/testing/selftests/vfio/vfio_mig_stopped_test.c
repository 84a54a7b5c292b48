// SPDX-License-Identifier: GPL-2.0
/*
 * A stopped device's state cannot change under the stream: in STOP,
 * STOP_COPY and RESUMING, region reads and writes of BAR0 and BAR2 fail
 * with EBUSY and an existing mmap of BAR2 (or BAR0) faults with SIGBUS;
 * config space stays reachable. Back in RUNNING the mmap works again
 * and shows the same memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "mig_fixture.h"

FIXTURE(stopped) {
	struct vfio_dev dev;
	void *mem;
	size_t len;
	int fd;
};

FIXTURE_VARIANT(stopped) {
	uint32_t state;
};

FIXTURE_VARIANT_ADD(stopped, stop) {
	.state = VFIO_DEVICE_STATE_STOP,
};

FIXTURE_VARIANT_ADD(stopped, stop_copy) {
	.state = VFIO_DEVICE_STATE_STOP_COPY,
};

FIXTURE_VARIANT_ADD(stopped, resuming) {
	.state = VFIO_DEVICE_STATE_RESUMING,
};

FIXTURE_SETUP(stopped)
{
	const char *skip;

	self->fd = -1;
	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &self->mem, &self->len));
}

FIXTURE_TEARDOWN(stopped)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, self->len);
	mig_close_running(&self->dev);
}

static sigjmp_buf fault_jmp;
static int fault_sig;

static void on_fault(int sig)
{
	__atomic_store_n(&fault_sig, sig, __ATOMIC_SEQ_CST);
	siglongjmp(fault_jmp, 1);
}

/* Touch @p (read, or write @val); the signal it raised, or 0. */
static int touch(uint64_t *p, bool write, uint64_t val)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_bus, old_segv;

	fault_sig = 0;
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (!sigsetjmp(fault_jmp, 1)) {
		if (write)
			__atomic_store_n(p, val, __ATOMIC_SEQ_CST);
		else
			__atomic_load_n(p, __ATOMIC_SEQ_CST);
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return __atomic_load_n(&fault_sig, __ATOMIC_SEQ_CST);
}

TEST_F(stopped, region_access_busy)
{
	uint32_t val = 0;
	uint16_t vendor = 0;
	uint8_t page[4096] = {};

	ASSERT_EQ(0, mig_set_state(&self->dev, variant->state, &self->fd));
	EXPECT_EQ(-EBUSY, vfio_region_write(&self->dev, IVSHMEM_SHM_BAR, 0,
					    page, sizeof(page)));
	EXPECT_EQ(-EBUSY, vfio_region_read(&self->dev, IVSHMEM_SHM_BAR, 0,
					   page, sizeof(page)));
	EXPECT_EQ(-EBUSY, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					      IVSHMEM_INTRMASK, 1));
	EXPECT_EQ(-EBUSY, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					     IVSHMEM_INTRSTATUS, &val));
	/* Config space is QEMU's and the user's business, not the stream's. */
	EXPECT_EQ(0, vfio_region_read16(&self->dev,
					VFIO_PCI_CONFIG_REGION_INDEX, 0,
					&vendor));
	EXPECT_EQ(IVSHMEM_VENDOR_ID, vendor);

	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mig_to_running(&self->dev));
	EXPECT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0x00110000));
	EXPECT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &val));
	EXPECT_EQ(0x00110000, val);
}

TEST_F(stopped, mmap_sigbus)
{
	uint64_t *w = self->mem;
	void *regs = NULL;
	size_t regs_len = 0;

	/* Mapped and faulted in while running. */
	w[0] = 0x1122334455667788ull;
	w[4096] = 0x99;
	/* BAR0 is smaller than a page: mappable only if page aligned. */
	if (vfio_region_mmap(&self->dev, IVSHMEM_REG_BAR, &regs, &regs_len))
		regs = NULL;
	if (regs)
		ASSERT_EQ(0, touch(regs, false, 0));

	ASSERT_EQ(0, mig_set_state(&self->dev, variant->state, &self->fd));
	EXPECT_EQ(SIGBUS, touch(&w[0], false, 0));
	EXPECT_EQ(SIGBUS, touch(&w[4096], true, 0xdead));
	EXPECT_EQ(SIGBUS, touch(&w[self->len / 8 - 1], false, 0));
	if (regs)
		EXPECT_EQ(SIGBUS, touch(regs, false, 0));

	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mig_to_running(&self->dev));
	/* The mapping faults back in, showing what was there. */
	EXPECT_EQ(0, touch(&w[0], false, 0));
	EXPECT_EQ(0x1122334455667788ull, w[0]);
	EXPECT_EQ(0, touch(&w[4096], false, 0));
	EXPECT_EQ(0x99, w[4096]);
	if (regs) {
		EXPECT_EQ(0, touch(regs, false, 0));
		munmap(regs, regs_len);
	}
}

/* The same through a child that dies of the signal. */
TEST_F(stopped, mmap_child_killed_by_sigbus)
{
	uint64_t *w = self->mem;
	int status = 0;
	pid_t pid;

	w[1] = 5;
	ASSERT_EQ(0, mig_set_state(&self->dev, variant->state, &self->fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		signal(SIGBUS, SIG_DFL);
		w[1] = 6;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		EXPECT_EQ(SIGBUS, WTERMSIG(status));
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mig_to_running(&self->dev));
	EXPECT_EQ(5, w[1]);
}

TEST_HARNESS_MAIN
