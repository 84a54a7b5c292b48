// SPDX-License-Identifier: GPL-2.0
/*
 * Races on device A, for a few seconds: one thread walks the migration
 * state machine and publishes each data fd, others read and write the
 * current data fd, reset the device, query MIG_DATA_SIZE, PRECOPY_INFO and
 * the state, touch BAR0 and the BAR2 mmap, and close their data fds at
 * random moments. Every call may fail with an errno; none may hang or
 * oops, and afterwards the device is RUNNING and migrates.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mig_fixture.h"

#define RACE_SECONDS	4

struct race {
	struct vfio_dev *dev;
	pthread_mutex_t lock;
	int fd;			/* current data fd, -1 if none (lock) */
	atomic_bool stop;
	atomic_ulong sets, reads, writes, resets, queries;
	void *mem;
	size_t len;
	struct mig_buf stream;	/* header, device section, one chunk */
};

/* A private reference to the current data fd, or -1. */
static int race_get_fd(struct race *r)
{
	int fd = -1;

	pthread_mutex_lock(&r->lock);
	if (r->fd >= 0)
		fd = dup(r->fd);
	pthread_mutex_unlock(&r->lock);
	return fd;
}

static void race_put_fd(struct race *r, int fd)
{
	int old;

	pthread_mutex_lock(&r->lock);
	old = r->fd;
	r->fd = fd;
	pthread_mutex_unlock(&r->lock);
	if (old >= 0)
		close(old);
}

static void *race_fsm(void *arg)
{
	static const uint32_t walk[] = {
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RESUMING,
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P,
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_RESUMING,
		VFIO_DEVICE_STATE_STOP,
	};
	struct race *r = arg;
	unsigned int i = 0;
	int fd;

	while (!atomic_load(&r->stop)) {
		if (!mig_set_state(r->dev, walk[i % ARRAY_SIZE(walk)], &fd) &&
		    fd >= 0)
			race_put_fd(r, fd);
		if (!(rand() % 5))
			race_put_fd(r, -1);	/* close early */
		atomic_fetch_add(&r->sets, 1);
		i++;
	}
	return NULL;
}

static __thread char race_buf[256 * 1024];

static void *race_io(void *arg)
{
	struct race *r = arg;
	char *buf = race_buf;
	size_t n;
	int fd;

	while (!atomic_load(&r->stop)) {
		fd = race_get_fd(r);
		if (fd < 0) {
			usleep(100);
			continue;
		}
		n = 1 + rand() % sizeof(race_buf);
		if (read(fd, buf, n) >= 0 || errno != EBADF)
			atomic_fetch_add(&r->reads, 1);
		n = rand() % 2 ? r->stream.len : 1 + rand() % r->stream.len;
		if (write(fd, r->stream.data, n) >= 0 || errno != EBADF)
			atomic_fetch_add(&r->writes, 1);
		mig_precopy_info(fd, NULL, NULL);
		close(fd);
	}
	return NULL;
}

static void *race_reset(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		usleep(20000 + rand() % 30000);
		vfio_dev_reset(r->dev);
		atomic_fetch_add(&r->resets, 1);
	}
	return NULL;
}

static sigjmp_buf race_jmp;
static unsigned long race_touches;

static void race_sigbus(int sig)
{
	(void)sig;
	siglongjmp(race_jmp, 1);
}

static void *race_query(void *arg)
{
	struct race *r = arg;
	uint64_t size;
	uint32_t v;

	while (!atomic_load(&r->stop)) {
		mig_data_size(r->dev, &size);
		mig_get_state(r->dev, &v);
		vfio_region_read32(r->dev, IVSHMEM_REG_BAR, IVSHMEM_INTRMASK,
				   &v);
		atomic_fetch_add(&r->queries, 1);
	}
	return NULL;
}

/* The mmap toucher runs in the main thread: SIGBUS is expected. */
static void race_touch(struct race *r)
{
	struct sigaction sa = { .sa_handler = race_sigbus };
	uint64_t *w = r->mem;

	sigaction(SIGBUS, &sa, NULL);
	race_touches = 0;
	while (!atomic_load(&r->stop)) {
		if (!sigsetjmp(race_jmp, 1))
			__atomic_store_n(&w[(race_touches * 512) % (r->len / 8)],
					 race_touches, __ATOMIC_RELAXED);
		race_touches++;
		usleep(200);
	}
	signal(SIGBUS, SIG_DFL);
}

FIXTURE(race) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(race)
{
	const char *skip;

	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(race)
{
	mig_close_running(&self->dev);
}

static void *race_stopper(void *arg)
{
	struct race *r = arg;

	sleep(RACE_SECONDS);
	atomic_store(&r->stop, true);
	return NULL;
}

static void *(*const race_fns[])(void *) = {
	race_fsm, race_io, race_io, race_reset, race_query, race_stopper,
};

TEST_F_TIMEOUT(race, everything_at_once, 90)
{
	struct race r = { .dev = &self->dev, .fd = -1 };
	pthread_t t[ARRAY_SIZE(race_fns)];
	struct mig_buf b = {};
	uint32_t state = 0, v = 0;
	unsigned int i;
	int fd = -1;

	srand(1234);
	pthread_mutex_init(&r.lock, NULL);
	/* What the writers feed resuming fds: a valid start of a stream. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &fd));
	ASSERT_LT(0, mig_read_initial(fd, &r.stream));
	close(fd);
	fd = -1;
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	ASSERT_EQ(0, mig_put_section(&r.stream, VFIO_DEVSTATE_SEC_DEVICE,
				     VFIO_DEVSTATE_SF_MANDATORY,
				     IVSHMEM_STATE_LEN, 0, 0, NULL,
				     IVSHMEM_STATE_LEN));
	ASSERT_EQ(0, mig_put_section(&r.stream, VFIO_DEVSTATE_SEC_CHUNK,
				     VFIO_DEVSTATE_SF_MANDATORY, 1 << 20, 0,
				     VFIO_PCI_BAR2_REGION_INDEX, NULL,
				     1 << 20));
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &r.mem, &r.len));
	for (i = 0; i < ARRAY_SIZE(race_fns); i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_fns[i], &r));
	race_touch(&r);
	for (i = 0; i < ARRAY_SIZE(race_fns); i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	race_put_fd(&r, -1);
	TH_LOG("%lu state changes, %lu reads, %lu writes, %lu resets, %lu queries",
	       atomic_load(&r.sets), atomic_load(&r.reads),
	       atomic_load(&r.writes), atomic_load(&r.resets),
	       atomic_load(&r.queries));
	EXPECT_LT(10, atomic_load(&r.sets));
	EXPECT_LT(2, atomic_load(&r.resets));

	/* Afterwards: RUNNING, usable, and a stream can be started. */
	ASSERT_EQ(0, mig_to_running(&self->dev));
	ASSERT_EQ(0, mig_get_state(&self->dev, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_REG_BAR,
					 IVSHMEM_INTRMASK, 0x00030000));
	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_REG_BAR,
					IVSHMEM_INTRMASK, &v));
	EXPECT_EQ(0x00030000, v);
	__atomic_store_n((uint64_t *)r.mem, 42, __ATOMIC_SEQ_CST);
	EXPECT_EQ(42, __atomic_load_n((uint64_t *)r.mem, __ATOMIC_SEQ_CST));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &fd));
	EXPECT_LT(0, mig_read_initial(fd, &b));
	close(fd);
	ASSERT_EQ(0, mig_to_running(&self->dev));
	munmap(r.mem, r.len);
	mig_buf_free(&b);
	mig_buf_free(&r.stream);
}

struct pair {
	struct vfio_dev *dev;
	atomic_bool stop;
	atomic_ulong bytes, streams, resets;
	struct mig_buf stream;	/* for the writer: a valid stream start */
};

/* Read whole STOP_COPY streams, 1 MiB at a time, one after another. */
static void *pair_reader(void *arg)
{
	struct pair *p = arg;
	static char buf[1 << 20];
	ssize_t n;
	int fd;

	while (!atomic_load(&p->stop)) {
		if (mig_set_state(p->dev, VFIO_DEVICE_STATE_STOP_COPY, &fd) ||
		    fd < 0) {
			mig_set_state(p->dev, VFIO_DEVICE_STATE_RUNNING, NULL);
			continue;
		}
		while (!atomic_load(&p->stop) &&
		       (n = read(fd, buf, sizeof(buf))) > 0)
			atomic_fetch_add(&p->bytes, n);
		close(fd);
		atomic_fetch_add(&p->streams, 1);
		mig_set_state(p->dev, VFIO_DEVICE_STATE_RUNNING, NULL);
	}
	return NULL;
}

/* Write the start of a valid stream (header, device, 1 MiB chunk). */
static void *pair_writer(void *arg)
{
	struct pair *p = arg;
	ssize_t n;
	size_t off;
	int fd;

	while (!atomic_load(&p->stop)) {
		if (mig_set_state(p->dev, VFIO_DEVICE_STATE_RESUMING, &fd) ||
		    fd < 0) {
			vfio_dev_reset(p->dev);
			continue;
		}
		for (off = 0; off < p->stream.len; off += n) {
			n = write(fd, p->stream.data + off,
				  p->stream.len - off < 65536 ?
				  p->stream.len - off : 65536);
			if (n <= 0)
				break;
			atomic_fetch_add(&p->bytes, n);
		}
		close(fd);
		atomic_fetch_add(&p->streams, 1);
		vfio_dev_reset(p->dev);
	}
	return NULL;
}

/* Reset every millisecond or so, holding nothing of the driver's. */
static void *pair_resetter(void *arg)
{
	struct pair *p = arg;

	while (!atomic_load(&p->stop)) {
		vfio_dev_reset(p->dev);
		atomic_fetch_add(&p->resets, 1);
		usleep(500 + rand() % 1000);
	}
	return NULL;
}

static void run_pair(struct __test_metadata *_metadata, struct vfio_dev *dev,
		     void *(*fn)(void *))
{
	struct pair p = { .dev = dev };
	pthread_t t[2];
	int fd = -1;

	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LT(0, mig_read_initial(fd, &p.stream));
	close(fd);
	ASSERT_EQ(0, mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(0, mig_put_section(&p.stream, VFIO_DEVSTATE_SEC_DEVICE,
				     VFIO_DEVSTATE_SF_MANDATORY,
				     IVSHMEM_STATE_LEN, 0, 0, NULL,
				     IVSHMEM_STATE_LEN));
	ASSERT_EQ(0, mig_put_section(&p.stream, VFIO_DEVSTATE_SEC_CHUNK,
				     VFIO_DEVSTATE_SF_MANDATORY, 1 << 20, 0,
				     VFIO_PCI_BAR2_REGION_INDEX, NULL,
				     1 << 20));

	ASSERT_EQ(0, pthread_create(&t[0], NULL, fn, &p));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, pair_resetter, &p));
	sleep(RACE_SECONDS - 1);
	atomic_store(&p.stop, true);
	ASSERT_EQ(0, pthread_join(t[0], NULL));
	ASSERT_EQ(0, pthread_join(t[1], NULL));
	TH_LOG("%lu bytes in %lu streams, %lu resets",
	       atomic_load(&p.bytes), atomic_load(&p.streams),
	       atomic_load(&p.resets));
	EXPECT_LT(2, atomic_load(&p.resets));
	ASSERT_EQ(0, mig_to_running(dev));
	mig_buf_free(&p.stream);
}

/* A reset while a reader waits for the BAR inside the saving file. */
TEST_F_TIMEOUT(race, reset_vs_saving_reader, 60)
{
	run_pair(_metadata, &self->dev, pair_reader);
}

/* A reset while a writer waits for the BAR inside the resuming file. */
TEST_F_TIMEOUT(race, reset_vs_resuming_writer, 60)
{
	run_pair(_metadata, &self->dev, pair_writer);
}

TEST_HARNESS_MAIN
