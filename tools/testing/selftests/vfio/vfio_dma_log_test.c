// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_{START,STOP,REPORT} on a device that
 * does no DMA: the feature is offered (so a VMM can migrate it without
 * forcing), the uAPI's rules are kept (one START at a time, ranges and
 * page size checked, STOP without START harmless, REPORT only while
 * started and inside the logged ranges), and every report is empty: it
 * sets no bit and clears none.
 *
 * The vfio core can only deliver a report on kernels built with
 * CONFIG_IOMMUFD_DRIVER, which IOMMUFD brings on this bed (Intel IOMMU);
 * elsewhere the driver must not offer the feature at all, and say why.
 * The fixture's one variant is named after what it needs, so the lanes
 * whose kernel has no IOMMUFD leave it out; the offer test runs on all.
 */
#include <stdlib.h>
#include <sys/ioctl.h>

#include "mig_fixture.h"

#define PAGE	4096ULL

struct log_start {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_dma_logging_control ctl;
};

struct log_report {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_dma_logging_report rep;
};

static int feature(struct vfio_dev *dev, void *arg, size_t size,
		   uint32_t flags)
{
	struct vfio_device_feature *hdr = arg;

	hdr->argsz = size;
	hdr->flags = flags;
	return ioctl(dev->fd, VFIO_DEVICE_FEATURE, arg) ? -errno : 0;
}

/* START with @nr ranges; *@page_size in, the granule chosen out. */
static int log_start(struct vfio_dev *dev,
		     struct vfio_device_feature_dma_logging_range *r, int nr,
		     uint64_t *page_size)
{
	struct log_start s = {
		.ctl = { .page_size = *page_size, .num_ranges = nr,
			 .ranges = (uintptr_t)r },
	};
	int ret;

	ret = feature(dev, &s, sizeof(s), VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	*page_size = s.ctl.page_size;
	return ret;
}

static int log_stop(struct vfio_dev *dev)
{
	struct vfio_device_feature hdr;

	return feature(dev, &hdr, sizeof(hdr), VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP);
}

static int log_report(struct vfio_dev *dev, uint64_t iova, uint64_t len,
		      uint64_t page_size, uint64_t *bitmap)
{
	struct log_report r = {
		.rep = { .iova = iova, .length = len, .page_size = page_size,
			 .bitmap = (uintptr_t)bitmap },
	};

	return feature(dev, &r, sizeof(r), VFIO_DEVICE_FEATURE_GET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
}

FIXTURE(dma_log) {
	struct vfio_dev dev;
	/* Two ranges, as QEMU starts them: low RAM and high RAM. */
	struct vfio_device_feature_dma_logging_range r[2];
	uint64_t *bitmap;
	size_t bitmap_len;
};

FIXTURE_VARIANT(dma_log) {
	int unused;
};

/* Needs CONFIG_IOMMUFD_DRIVER: see the top of the file. */
FIXTURE_VARIANT_ADD(dma_log, iommufd_driver) {
	.unused = 0,
};

FIXTURE_SETUP(dma_log)
{
	const char *skip;

	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
	self->r[0].iova = 0;
	self->r[0].length = 1ULL << 30;
	self->r[1].iova = 4ULL << 30;
	self->r[1].length = 1ULL << 30;
	/* One bit per page of 1 GiB. */
	self->bitmap_len = (1ULL << 30) / PAGE / 8;
	self->bitmap = malloc(self->bitmap_len);
	ASSERT_NE(NULL, self->bitmap);
}

FIXTURE_TEARDOWN(dma_log)
{
	if (self->dev.initialized)
		log_stop(&self->dev);
	free(self->bitmap);
	mig_close_running(&self->dev);
}

static bool all_bytes(const uint64_t *b, size_t len, uint8_t v)
{
	const uint8_t *p = (const uint8_t *)b;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Offered: a VMM probing it finds the device dirty-trackable. */
TEST_F(dma_log, probe)
{
	struct log_start s = {};

	EXPECT_EQ(0, feature(&self->dev, &s, sizeof(s),
			     VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_DMA_LOGGING_START));
	EXPECT_EQ(0, feature(&self->dev, &s, sizeof(s),
			     VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT));
}

/* A full cycle, as QEMU runs it around a migration. */
TEST_F(dma_log, start_report_stop)
{
	uint64_t ps = PAGE;

	ASSERT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
	EXPECT_EQ(PAGE, ps);
	/* Nothing is set; and a report never clears what the user set. */
	memset(self->bitmap, 0, self->bitmap_len);
	EXPECT_EQ(0, log_report(&self->dev, 0, 1ULL << 30, PAGE,
				self->bitmap));
	EXPECT_TRUE(all_bytes(self->bitmap, self->bitmap_len, 0));
	memset(self->bitmap, 0xff, self->bitmap_len);
	EXPECT_EQ(0, log_report(&self->dev, 4ULL << 30, 1ULL << 30, PAGE,
				self->bitmap));
	EXPECT_TRUE(all_bytes(self->bitmap, self->bitmap_len, 0xff));
	/* A part of a range, at a coarser granule than started. */
	memset(self->bitmap, 0, self->bitmap_len);
	EXPECT_EQ(0, log_report(&self->dev, 1ULL << 20, 1ULL << 24,
				2ULL << 20, self->bitmap));
	EXPECT_TRUE(all_bytes(self->bitmap, self->bitmap_len, 0));
	EXPECT_EQ(0, log_stop(&self->dev));
}

/* A small page size hint gets the smallest granule the driver keeps. */
TEST_F(dma_log, page_size_chosen)
{
	struct vfio_device_feature_dma_logging_range r = {
		.iova = 0, .length = 2 << 20,
	};
	uint64_t ps = 512;

	ASSERT_EQ(0, log_start(&self->dev, &r, 1, &ps));
	EXPECT_EQ(PAGE, ps);
	EXPECT_EQ(0, log_stop(&self->dev));
	ps = 2ULL << 20;
	ASSERT_EQ(0, log_start(&self->dev, &r, 1, &ps));
	EXPECT_EQ(2ULL << 20, ps);
}

TEST_F(dma_log, second_start_refused)
{
	uint64_t ps = PAGE;

	ASSERT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
	ps = PAGE;
	EXPECT_EQ(-EBUSY, log_start(&self->dev, self->r, 1, &ps));
	EXPECT_TRUE(mig_klog_contains("DMA logging: already started"));
	/* The first one still holds. */
	EXPECT_EQ(0, log_report(&self->dev, 0, PAGE, PAGE, self->bitmap));
	EXPECT_EQ(0, log_stop(&self->dev));
	ps = PAGE;
	EXPECT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
}

TEST_F(dma_log, stop_without_start)
{
	EXPECT_EQ(0, log_stop(&self->dev));
	EXPECT_EQ(0, log_stop(&self->dev));
}

TEST_F(dma_log, report_without_start)
{
	uint64_t ps = PAGE;

	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, PAGE, PAGE,
				      self->bitmap));
	EXPECT_TRUE(mig_klog_contains("logging was not started"));
	/* Nor after a stop. */
	ASSERT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
	ASSERT_EQ(0, log_stop(&self->dev));
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, PAGE, PAGE,
				      self->bitmap));
}

TEST_F(dma_log, report_outside_ranges)
{
	uint64_t ps = PAGE;

	ASSERT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
	/* The gap between the two ranges, and across its edge. */
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 2ULL << 30, PAGE, PAGE,
				      self->bitmap));
	EXPECT_TRUE(mig_klog_contains("outside the logged ranges"));
	EXPECT_EQ(-EINVAL, log_report(&self->dev, (1ULL << 30) - PAGE,
				      2 * PAGE, PAGE, self->bitmap));
	/* Page sizes the core refuses. */
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, PAGE, 1024,
				      self->bitmap));
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, 3 * PAGE, 3 * PAGE,
				      self->bitmap));
	/* Still started and good. */
	EXPECT_EQ(0, log_report(&self->dev, 0, PAGE, PAGE, self->bitmap));
}

/* Adjacent ranges: a report may span both. */
TEST_F(dma_log, report_spans_adjacent_ranges)
{
	struct vfio_device_feature_dma_logging_range r[2] = {
		{ .iova = 0, .length = 1 << 20 },
		{ .iova = 1 << 20, .length = 1 << 20 },
	};
	uint64_t ps = PAGE;

	ASSERT_EQ(0, log_start(&self->dev, r, 2, &ps));
	EXPECT_EQ(0, log_report(&self->dev, 0, 2 << 20, PAGE, self->bitmap));
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, 3 << 20, PAGE,
				      self->bitmap));
}

TEST_F(dma_log, bad_starts)
{
	struct vfio_device_feature_dma_logging_range r[2] = {
		{ .iova = 0, .length = 1 << 20 },
		{ .iova = 1 << 19, .length = 1 << 20 },
	};
	uint64_t ps;

	/* No range at all (the core). */
	ps = PAGE;
	EXPECT_EQ(-EINVAL, log_start(&self->dev, r, 0, &ps));
	/* Overlapping ranges (the core). */
	ps = PAGE;
	EXPECT_EQ(-EINVAL, log_start(&self->dev, r, 2, &ps));
	/* A range not aligned to the page size (the core). */
	r[1].iova = (2 << 20) + 512;
	ps = PAGE;
	EXPECT_EQ(-EINVAL, log_start(&self->dev, r, 2, &ps));
	/*
	 * A page size that is not a power of two (the driver): the core's
	 * alignment test masks with page_size - 1, which 64 KiB passes.
	 */
	r[0].iova = 0;
	r[0].length = 1 << 16;
	ps = 3 * PAGE;
	EXPECT_EQ(-EINVAL, log_start(&self->dev, r, 1, &ps));
	EXPECT_TRUE(mig_klog_contains("is not a power of two"));
	/* An empty range (the driver). */
	r[0].iova = PAGE;
	r[0].length = 0;
	ps = PAGE;
	EXPECT_EQ(-EINVAL, log_start(&self->dev, r, 1, &ps));
	EXPECT_TRUE(mig_klog_contains("is empty"));
	/* None of these started anything. */
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, PAGE, PAGE,
				      self->bitmap));
}

/* Logging belongs to one open of the device: closing it ends it. */
TEST_F(dma_log, close_stops_logging)
{
	const char *bdf = vfio_test_env("IVSHMEM_A");
	uint64_t ps = PAGE;

	ASSERT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
	vfio_dev_close(&self->dev);
	ASSERT_EQ(0, vfio_dev_open(&self->dev, bdf, VFIO_MODE_CONTAINER));
	EXPECT_EQ(-EINVAL, log_report(&self->dev, 0, PAGE, PAGE,
				      self->bitmap));
	ps = PAGE;
	EXPECT_EQ(0, log_start(&self->dev, self->r, 2, &ps));
}

FIXTURE(dma_log_offer) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(dma_log_offer)
{
	const char *skip;

	skip = mig_open_running(_metadata, &self->dev, "IVSHMEM_A");
	if (skip)
		SKIP(return, "%s", skip);
}

FIXTURE_TEARDOWN(dma_log_offer)
{
	mig_close_running(&self->dev);
}

/*
 * Offered exactly where the core can report: with IOMMUFD here.  Without,
 * the feature is absent (ENOTTY), and the driver said why when it bound.
 */
TEST_F(dma_log_offer, offered_where_reports_work)
{
	struct log_start s = {};
	uint64_t ps = PAGE;
	int ret;

	ret = feature(&self->dev, &s, sizeof(s), VFIO_DEVICE_FEATURE_PROBE |
		      VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	if (!vfio_mode_unavailable(VFIO_MODE_IOMMUFD)) {
		EXPECT_EQ(0, ret);
		return;
	}
	EXPECT_EQ(-ENOTTY, ret);
	EXPECT_TRUE(mig_klog_contains("DMA logging not offered: this kernel's VFIO core"));
	EXPECT_EQ(-ENOTTY, log_start(&self->dev, NULL, 0, &ps));
}

TEST_HARNESS_MAIN
