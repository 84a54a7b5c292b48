// SPDX-License-Identifier: GPL-2.0
/*
 * An ordinary reset must not kill a VMM: threads that keep touching BAR0
 * and BAR2 through their mmaps while another thread resets the device in
 * RUNNING get no signal.  (A fault that came during the reset used to get
 * SIGBUS.)
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mig_fixture.h"

#define RESETS		40
#define TOUCHERS	3

static atomic_ulong sigbus;

static void on_sigbus(int sig)
{
	(void)sig;
	atomic_fetch_add(&sigbus, 1);
	/* Returning would fault again: leave the thread. */
	pthread_exit(NULL);
}

struct toucher {
	uint8_t *mem;
	size_t len;
	uint32_t *regs;
	atomic_bool *stop;
	unsigned long touches;
};

static void *touch_fn(void *arg)
{
	struct toucher *t = arg;
	size_t o = 0;

	while (!atomic_load(t->stop)) {
		/* A page at a time across BAR2, a write and a read. */
		__atomic_store_n((uint32_t *)(t->mem + o) + 1,
				 (uint32_t)t->touches, __ATOMIC_RELAXED);
		(void)__atomic_load_n((uint32_t *)(t->mem + o),
				      __ATOMIC_RELAXED);
		(void)__atomic_load_n(t->regs, __ATOMIC_RELAXED);
		o = (o + 4096 * 7) % t->len;
		t->touches++;
	}
	return NULL;
}

FIXTURE(reset_mmap) {
	struct vfio_dev dev;
	void *mem;
	size_t len;
	void *regs;
	size_t regs_len;
};

FIXTURE_SETUP(reset_mmap)
{
	const char *skip;

	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &self->mem, &self->len));
	ASSERT_EQ(0, vfio_region_mmap(&self->dev, IVSHMEM_REG_BAR,
				      &self->regs, &self->regs_len));
}

FIXTURE_TEARDOWN(reset_mmap)
{
	if (self->mem)
		munmap(self->mem, self->len);
	if (self->regs)
		munmap(self->regs, self->regs_len);
	mig_close_running(&self->dev);
}

TEST_F_TIMEOUT(reset_mmap, touch_while_resetting, 240)
{
	struct toucher t[TOUCHERS];
	struct sigaction sa = { .sa_handler = on_sigbus };
	atomic_bool stop = false;
	pthread_t th[TOUCHERS];
	unsigned long total = 0;
	uint32_t state = 0;
	int i;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	for (i = 0; i < TOUCHERS; i++) {
		t[i] = (struct toucher){
			.mem = self->mem, .len = self->len,
			.regs = self->regs, .stop = &stop,
		};
		ASSERT_EQ(0, pthread_create(&th[i], NULL, touch_fn, &t[i]));
	}
	for (i = 0; i < RESETS; i++) {
		ASSERT_EQ(0, vfio_dev_reset(&self->dev));
		usleep(2000);
	}
	atomic_store(&stop, true);
	for (i = 0; i < TOUCHERS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		total += t[i].touches;
	}
	signal(SIGBUS, SIG_DFL);
	TH_LOG("%d resets, %lu touches, %lu SIGBUS", RESETS, total,
	       atomic_load(&sigbus));
	EXPECT_EQ(0, atomic_load(&sigbus));
	EXPECT_LT(RESETS, total);
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
}

TEST_HARNESS_MAIN
