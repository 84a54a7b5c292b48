// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking of device memory during pre-copy: after the first pass
 * over all of BAR2, a PRE_COPY saving fd yields exactly the pages written
 * since they were sent, through the mmap or through region write(), and
 * no other; VFIO_MIG_GET_PRECOPY_INFO and MIG_DATA_SIZE say exactly how
 * many bytes that is; a writer that runs through the whole pre-copy loses
 * nothing; once tracking ends, the mmap writes at full speed again; and
 * PRECOPY_INFO's flags are honest once user space opts in to v2 (7.x).
 */
#include <assert.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "mig_fixture.h"

#define PAGE		4096UL
#define CHUNK_PAGES	32UL	/* a chunk never crosses a 128 KiB boundary */
#define MAX_CHUNKS	1024	/* of a stream the tests walk: 128 MiB */
/* Stream bytes of a section around its payload; of a device section, an end. */
#define FRAMING		MIG_SEC_SPAN(0)
#define DEVICE_SPAN	MIG_SEC_SPAN(IVSHMEM_STATE_LEN)
#define END_SPAN	MIG_SEC_SPAN(MIG_END_LEN)

/*
 * 7.x's PRECOPY_INFO v2 (the feature and its REINIT flag), also when
 * built against older UAPI headers.
 */
#define FEATURE_PRECOPY_INFO_V2	12
#define PRECOPY_INFO_REINIT	0x1u
#ifdef VFIO_PRECOPY_INFO_REINIT
static_assert(PRECOPY_INFO_REINIT == VFIO_PRECOPY_INFO_REINIT, "uapi");
#endif

/* One chunk section of a saving stream. */
struct chunk {
	uint64_t off;
	uint64_t len;
	const uint8_t *data;
};

/*
 * Walk the sections of @s from @pos (a section boundary) to its end:
 * store the chunks in @c (up to @max), count the device sections and
 * whether an end record came.  Returns the number of chunks, or -1 if the
 * bytes do not split into whole sections.
 */
static int walk(const uint8_t *s, size_t len, size_t pos, struct chunk *c,
		int max, int *nr_device, bool *end)
{
	int n = 0;

	*nr_device = 0;
	*end = false;
	while (pos < len) {
		const uint8_t *h = s + pos;
		uint64_t plen;

		if (len - pos < FRAMING)
			return -1;
		plen = mig_get64(h + MIG_SEC(length));
		if (len - pos - FRAMING < plen)
			return -1;
		switch (mig_get32(h + MIG_SEC(type))) {
		case VFIO_DEVSTATE_SEC_CHUNK:
			if (mig_get32(h + MIG_SEC(index)) != IVSHMEM_SHM_BAR)
				return -1;
			if (n < max) {
				c[n].off = mig_get64(h + MIG_SEC(offset));
				c[n].len = plen;
				c[n].data = h + MIG_SEC_LEN;
			}
			n++;
			break;
		case VFIO_DEVSTATE_SEC_DEVICE:
			(*nr_device)++;
			break;
		case VFIO_DEVSTATE_SEC_END:
			*end = true;
			break;
		}
		pos += FRAMING + plen;
	}
	return pos == len ? n : -1;
}

/* Stream bytes of chunks for a sorted set of pages. */
static uint64_t bytes_for(const unsigned long *pages, int nr)
{
	uint64_t runs = 0;
	int i;

	for (i = 0; i < nr; i++)
		if (!i || pages[i] != pages[i - 1] + 1 ||
		    !(pages[i] % CHUNK_PAGES))
			runs++;
	return runs * FRAMING + nr * PAGE;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt;
}

FIXTURE(dirty) {
	struct vfio_dev dev;
	void *mem;
	size_t len;
	int fd;
	struct mig_buf buf;
};

FIXTURE_SETUP(dirty)
{
	const char *skip;

	self->fd = -1;
	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_map_bar2(&self->dev, &self->mem, &self->len));
	mig_fill_pattern(self->mem, self->len, 11);
}

FIXTURE_TEARDOWN(dirty)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, self->len);
	mig_buf_free(&self->buf);
	mig_close_running(&self->dev);
}

/*
 * Enter PRE_COPY and read the first pass: the header, then all of BAR2,
 * exactly initial_bytes + dirty_bytes, then ENOMSG.
 */
static void first_pass(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dirty) * self)
{
	struct mig_io io = { .big = 1 << 20 };
	struct chunk c[MAX_CHUNKS];
	uint64_t initial = 0, dirty = 0, covered = 0;
	int n, nr_device, i;
	bool enomsg, end;

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, mig_precopy_info(self->fd, &initial, &dirty));
	EXPECT_EQ(180, initial);
	EXPECT_EQ(self->len / (CHUNK_PAGES * PAGE) * FRAMING + self->len,
		  dirty);
	ASSERT_EQ((ssize_t)(initial + dirty),
		  mig_read_stream(self->fd, &self->buf, &io, &enomsg));
	EXPECT_TRUE(enomsg);
	n = walk(self->buf.data, self->buf.len, initial, c, MAX_CHUNKS,
		 &nr_device, &end);
	ASSERT_EQ((int)(self->len / (CHUNK_PAGES * PAGE)), n);
	EXPECT_EQ(0, nr_device);
	EXPECT_FALSE(end);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(covered, c[i].off);
		EXPECT_EQ(0, memcmp(c[i].data, (uint8_t *)self->mem + c[i].off,
				    c[i].len));
		covered += c[i].len;
	}
	EXPECT_EQ(self->len, covered);
	ASSERT_EQ(0, mig_precopy_info(self->fd, &initial, &dirty));
	EXPECT_EQ(0, initial);
	EXPECT_EQ(0, dirty);
	EXPECT_EQ(-1, read(self->fd, c, sizeof(c)));
	EXPECT_EQ(ENOMSG, errno);
	mig_buf_free(&self->buf);
}

/*
 * Read what pre-copy has now: it must be exactly the chunks of @pages
 * (sorted), with their current contents, and as many bytes as
 * PRECOPY_INFO said.
 */
static void expect_resent(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dirty) * self,
			  const unsigned long *pages, int nr)
{
	struct mig_io io = { .big = 64 * 1024 };
	uint64_t initial = 1, dirty = 0, size = 0;
	struct chunk c[64];
	int n, i, j, k = 0, nr_device;
	bool enomsg, end;
	ssize_t got;

	ASSERT_EQ(0, mig_precopy_info(self->fd, &initial, &dirty));
	EXPECT_EQ(0, initial);
	EXPECT_EQ(bytes_for(pages, nr), dirty);
	/* If the device stopped now: the registers, these pages, the end. */
	ASSERT_EQ(0, mig_data_size(&self->dev, &size));
	EXPECT_EQ(dirty + DEVICE_SPAN + END_SPAN, size);

	mig_buf_free(&self->buf);
	got = mig_read_stream(self->fd, &self->buf, &io, &enomsg);
	ASSERT_EQ((ssize_t)dirty, got);
	EXPECT_TRUE(enomsg);
	n = walk(self->buf.data, self->buf.len, 0, c, 64, &nr_device, &end);
	ASSERT_LE(0, n);
	ASSERT_GE(64, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, c[i].off % PAGE);
		EXPECT_EQ(0, c[i].len % PAGE);
		for (j = 0; j < (int)(c[i].len / PAGE); j++, k++) {
			ASSERT_GT(nr, k);
			EXPECT_EQ(pages[k] * PAGE, c[i].off + j * PAGE);
		}
		EXPECT_EQ(0, memcmp(c[i].data, (uint8_t *)self->mem + c[i].off,
				    c[i].len));
	}
	EXPECT_EQ(nr, k);
	ASSERT_EQ(0, mig_precopy_info(self->fd, &initial, &dirty));
	EXPECT_EQ(0, dirty);
}

/* The first pass is all of BAR2, exactly as PRECOPY_INFO announced. */
TEST_F_TIMEOUT(dirty, first_pass_is_all_memory, 120)
{
	first_pass(_metadata, self);
	/* No write since: nothing is dirty, and reads do not dirty pages. */
	EXPECT_EQ(-1, mig_check_pattern(self->mem, self->len, 11, 4096));
	expect_resent(_metadata, self, NULL, 0);
}

/* Pages written through the mmap, and only those, come again. */
TEST_F_TIMEOUT(dirty, mmap_writes_resent, 120)
{
	/* Runs, a 1 MiB boundary (255 | 256) and the last page. */
	const unsigned long pages[] = { 0, 3, 4, 5, 255, 256, 1000, 16383 };
	uint8_t *mem = self->mem;
	unsigned int i;

	first_pass(_metadata, self);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		mem[pages[i] * PAGE + (i * 97) % PAGE] ^= 0xff;
	/* Writing a page twice sends it once. */
	mem[1000 * PAGE] ^= 0x01;
	expect_resent(_metadata, self, pages, ARRAY_SIZE(pages));

	/* And again: tracking re-armed the pages it sent. */
	mem[4 * PAGE + 8] ^= 0x55;
	expect_resent(_metadata, self, &pages[2], 1);
	expect_resent(_metadata, self, NULL, 0);
}

/* Region write() dirties what it writes, across a page boundary too. */
TEST_F_TIMEOUT(dirty, region_writes_resent, 120)
{
	const unsigned long pages[] = { 7, 8, 4095 };
	uint8_t b[100];
	uint32_t v;

	first_pass(_metadata, self);
	memset(b, 0x3c, sizeof(b));
	/* 50 bytes at the end of page 7, 50 at the start of page 8. */
	ASSERT_EQ((ssize_t)sizeof(b),
		  vfio_region_write(&self->dev, IVSHMEM_SHM_BAR, 8 * PAGE - 50,
				    b, sizeof(b)));
	ASSERT_EQ(0, vfio_region_write32(&self->dev, IVSHMEM_SHM_BAR,
					 4095 * PAGE + 12, 0x12345678));
	/* Region reads dirty nothing. */
	ASSERT_EQ(0, vfio_region_read32(&self->dev, IVSHMEM_SHM_BAR,
					9 * PAGE, &v));
	expect_resent(_metadata, self, pages, ARRAY_SIZE(pages));
}

/*
 * STOP_COPY after pre-copy: the registers and only the pages still
 * dirty, exactly MIG_DATA_SIZE, and the stream resumes byte for byte.
 */
TEST_F_TIMEOUT(dirty, stop_copy_sends_only_dirty, 180)
{
	const unsigned long pages[] = { 10, 11, 12000 };
	struct mig_io io = { .big = 1 << 20 };
	struct mig_buf all = {};
	struct vfio_dev b = {};
	uint8_t *mem = self->mem;
	uint64_t size = 0;
	struct chunk c[8];
	int n, nr_device, stage = -1;
	unsigned int i;
	void *bmem = NULL;
	size_t blen = 0;
	bool end, enomsg;
	ssize_t got, bad;

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	got = mig_read_stream(self->fd, &all, &io, &enomsg);
	ASSERT_LT((ssize_t)self->len, got);
	EXPECT_TRUE(enomsg);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		mem[pages[i] * PAGE + 1] = 0xa0 + i;
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY_P2P,
				   NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   NULL));
	ASSERT_EQ(0, mig_data_size(&self->dev, &size));
	EXPECT_EQ(DEVICE_SPAN + bytes_for(pages, ARRAY_SIZE(pages)) + END_SPAN,
		  size);
	got = all.len;
	ASSERT_EQ((ssize_t)size, mig_read_stream(self->fd, &all, &io, NULL));
	n = walk(all.data, all.len, got, c, 8, &nr_device, &end);
	EXPECT_EQ(2, n);	/* 10-11 and 12000 */
	EXPECT_EQ(1, nr_device);
	EXPECT_TRUE(end);
	EXPECT_GT(64 * 1024, size);
	/* Back to RUNNING: A's BAR2 is what B must get. */
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));

	/* The whole stream, pre-copy and stop-copy, restores B exactly. */
	ASSERT_EQ(NULL, mig_open_running(_metadata, &b, "IVSHMEM_B"));
	ASSERT_EQ(0, mig_map_bar2(&b, &bmem, &blen));
	ASSERT_EQ(self->len, blen);
	mig_fill_pattern(bmem, blen, 99);
	ASSERT_EQ(0, mig_resume(&b, all.data, all.len, &io, &stage))
		TH_LOG("stage %d", stage);
	bad = -1;
	for (size_t o = 0; o < blen && bad < 0; o += PAGE)
		if (memcmp((uint8_t *)bmem + o, mem + o, PAGE))
			bad = o;
	EXPECT_EQ(-1, bad) TH_LOG("B differs from A at 0x%zx", (size_t)bad);
	munmap(bmem, blen);
	mig_close_running(&b);
	mig_buf_free(&all);
}

/*
 * Read at most @max bytes from pre-copy fd @fd into @b, in 1 MiB reads;
 * stops early at ENOMSG.  Returns the bytes read or -errno.
 */
static ssize_t read_upto(int fd, struct mig_buf *b, uint64_t max)
{
	size_t start = b->len, want;
	ssize_t n;

	while (b->len - start < max) {
		want = max - (b->len - start);
		if (want > 1 << 20)
			want = 1 << 20;
		if (mig_buf_reserve(b, b->len + want))
			return -ENOMEM;
		n = read(fd, b->data + b->len, want);
		if (n < 0 && errno == ENOMSG)
			break;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		b->len += n;
	}
	return b->len - start;
}

/* A writer that never stops during pre-copy. */
struct writer {
	uint8_t *mem;
	size_t pages;
	atomic_bool stop;
	atomic_ulong rounds;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	unsigned long r = 0, p;

	while (!atomic_load(&w->stop)) {
		/* A working set of 1024 pages, strided, plus a moving page. */
		for (p = 0; p < 1024; p++)
			__atomic_store_n((uint64_t *)(w->mem + (p * 13 % w->pages) *
						      PAGE) + r % 512,
					 r << 20 | p, __ATOMIC_RELAXED);
		__atomic_store_n((uint64_t *)(w->mem + (r * 7919 % w->pages) *
					      PAGE), r, __ATOMIC_RELAXED);
		atomic_store(&w->rounds, ++r);
	}
	return NULL;
}

/*
 * A writer runs through the whole pre-copy, several passes of it; then the
 * device stops, and the destination is byte for byte the source.
 */
TEST_F_TIMEOUT(dirty, writer_through_precopy, 300)
{
	struct writer w = { .mem = self->mem, .pages = self->len / PAGE };
	struct mig_io io = { .big = 1 << 20 };
	unsigned long before, passes = 0;
	uint64_t initial, dirty;
	struct mig_buf all = {};
	struct vfio_dev b = {};
	void *bmem = NULL;
	size_t blen = 0;
	int stage = -1;
	pthread_t t;
	ssize_t bad;

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, pthread_create(&t, NULL, writer_fn, &w));
	/*
	 * Pass after pass, while the writer goes on: each pass reads what
	 * PRECOPY_INFO announced when it began (the writer may dirty more
	 * meanwhile, which the next pass sends), then lets the writer run.
	 */
	while (passes < 6) {
		ASSERT_EQ(0, mig_precopy_info(self->fd, &initial, &dirty));
		ASSERT_LT(0, read_upto(self->fd, &all, initial + dirty));
		before = atomic_load(&w.rounds);
		while (atomic_load(&w.rounds) < before + 2)
			usleep(1000);
		passes++;
	}
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY_P2P,
				   NULL));
	/* The writer may fault on the frozen BAR: stop it first. */
	atomic_store(&w.stop, true);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   NULL));
	ASSERT_LT(0, mig_read_stream(self->fd, &all, &io, NULL));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	TH_LOG("%lu writer rounds, stream %zu bytes for %zu of BAR2",
	       atomic_load(&w.rounds), all.len, self->len);
	EXPECT_LT(12, atomic_load(&w.rounds));
	EXPECT_LT(self->len, all.len);

	ASSERT_EQ(NULL, mig_open_running(_metadata, &b, "IVSHMEM_B"));
	ASSERT_EQ(0, mig_map_bar2(&b, &bmem, &blen));
	mig_fill_pattern(bmem, blen, 98);
	ASSERT_EQ(0, mig_resume(&b, all.data, all.len, &io, &stage))
		TH_LOG("stage %d", stage);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	bad = -1;
	for (size_t o = 0; o < blen && bad < 0; o += PAGE)
		if (memcmp((uint8_t *)bmem + o, (uint8_t *)self->mem + o, PAGE))
			bad = o;
	EXPECT_EQ(-1, bad) TH_LOG("B differs from A at 0x%zx", (size_t)bad);
	munmap(bmem, blen);
	mig_close_running(&b);
	mig_buf_free(&all);
}

static int poll_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) < 0 ? -errno : p.revents;
}

struct late_write {
	uint8_t *mem;
	int delay_ms;
};

static void *late_write_fn(void *arg)
{
	struct late_write *l = arg;

	usleep(l->delay_ms * 1000);
	__atomic_store_n(l->mem + 77 * PAGE, 0x5a, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * poll() says what read() would do: not readable once pre-copy is
 * drained, readable as soon as a page is written (a sleeping poll() is
 * woken), readable in STOP_COPY, an error once the file is disabled.
 */
TEST_F_TIMEOUT(dirty, poll_readable_when_data, 120)
{
	struct late_write l = { .mem = self->mem, .delay_ms = 300 };
	pthread_t t;
	int r;

	first_pass(_metadata, self);
	EXPECT_EQ(0, poll_in(self->fd, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, late_write_fn, &l));
	r = poll_in(self->fd, 20000);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(POLLIN, r & (POLLIN | POLLERR));
	expect_resent(_metadata, self, (const unsigned long[]){ 77 }, 1);
	EXPECT_EQ(0, poll_in(self->fd, 0));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP_COPY,
				   NULL));
	EXPECT_EQ(POLLIN, poll_in(self->fd, 0) & (POLLIN | POLLERR));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_NE(0, poll_in(self->fd, 0) & POLLERR);
}

/* Write one byte in every page of @mem; the minor faults it took. */
static long touch_all(uint8_t *mem, size_t len, uint8_t v)
{
	long f = minor_faults();
	size_t o;

	for (o = 0; o < len; o += PAGE)
		__atomic_store_n(mem + o, v, __ATOMIC_RELAXED);
	return minor_faults() - f;
}

/*
 * While tracking, the first write to each page faults once; after
 * tracking, once the mappings are back, writes fault no more.
 */
TEST_F_TIMEOUT(dirty, tracking_off_after_migration, 120)
{
	long during, warm, after;

	/* Tracking off: the pattern fill already mapped everything. */
	EXPECT_EQ(0, touch_all(self->mem, self->len, 1));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	during = touch_all(self->mem, self->len, 2);
	EXPECT_LE((long)(self->len / PAGE), during);
	EXPECT_EQ(0, touch_all(self->mem, self->len, 3));
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	warm = touch_all(self->mem, self->len, 4);
	after = touch_all(self->mem, self->len, 5);
	TH_LOG("minor faults writing %zu pages: %ld tracking, %ld to map them back, %ld after",
	       self->len / PAGE, during, warm, after);
	/* Mapped back with huge mappings where it can, at most per page. */
	EXPECT_GE((long)(self->len / PAGE), warm);
	EXPECT_EQ(0, after);
	EXPECT_EQ(-1, read(self->fd, &warm, sizeof(warm)));
}

/* PRECOPY_INFO with @in in flags: the flags that came back. */
static int precopy_flags(int fd, uint32_t in, uint32_t *out)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info), .flags = in };

	if (ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		return -errno;
	*out = info.flags;
	return 0;
}

static int precopy_info_v2_opt_in(struct vfio_dev *dev)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 FEATURE_PRECOPY_INFO_V2,
	};

	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

/* Linux 7.0 and later have the v2 opt-in. */
static bool kernel_has_precopy_info_v2(void)
{
	struct utsname u;

	return !uname(&u) && atoi(u.release) >= 7;
}

/*
 * Without the v2 opt-in, flags is reserved and comes back as passed (the
 * uAPI's bug compatibility).  With it (7.x), the driver reports real
 * flags: never REINIT, since the initial data (the stream header) never
 * changes, through the header, the first pass and dirty pages.  A kernel
 * without v2 refuses the opt-in, as a feature it does not know.
 */
TEST_F_TIMEOUT(dirty, precopy_info_v2_flags, 120)
{
	const uint32_t junk = 0xa5a50000 | PRECOPY_INFO_REINIT;
	struct mig_io io = { .big = 1 << 20 };
	uint32_t flags = 0;
	bool enomsg;
	int ret;

	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, precopy_flags(self->fd, junk, &flags));
	EXPECT_EQ(junk, flags);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	close(self->fd);
	self->fd = -1;

	ret = precopy_info_v2_opt_in(&self->dev);
	if (!kernel_has_precopy_info_v2()) {
		EXPECT_EQ(-ENOTTY, ret);
		return;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mig_set_state(&self->dev, VFIO_DEVICE_STATE_PRE_COPY,
				   &self->fd));
	ASSERT_EQ(0, precopy_flags(self->fd, junk, &flags));
	EXPECT_EQ(0, flags);
	ASSERT_LT(0, mig_read_stream(self->fd, &self->buf, &io, &enomsg));
	EXPECT_TRUE(enomsg);
	ASSERT_EQ(0, precopy_flags(self->fd, junk, &flags));
	EXPECT_EQ(0, flags);
	__atomic_store_n((uint8_t *)self->mem + 5 * PAGE, 0x5a,
			 __ATOMIC_RELAXED);
	ASSERT_EQ(0, precopy_flags(self->fd, junk, &flags));
	EXPECT_EQ(0, flags);
	mig_buf_free(&self->buf);
	ASSERT_LT(0, mig_read_stream(self->fd, &self->buf, &io, &enomsg));
	ASSERT_EQ(0, precopy_flags(self->fd, junk, &flags));
	EXPECT_EQ(0, flags);
}

TEST_HARNESS_MAIN
