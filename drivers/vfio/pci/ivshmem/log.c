// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*) for ivshmem-plain.
 *
 * The function issues no DMA: it has no DMA engine, and QEMU's model of
 * it never reads or writes guest memory on the device's behalf (no
 * doorbell peer and no MSI-X in the plain variant).  So every dirty log
 * it reports is empty, and truthfully so: the only way it could change
 * guest RAM is by DMA, and it has none.  With the log, a VMM knows that
 * pages it did not see written are clean, instead of taking all of the
 * DMA-mapped guest RAM as dirty in every pass.
 *
 * What is real is the bookkeeping the uAPI asks of a driver: one START
 * at a time, ranges and page size checked, STOP without START harmless,
 * a REPORT without START refused, and a REPORT only inside the ranges
 * that were started.  The vfio core checked the ranges for alignment,
 * overflow and overlap before they reach us.
 */

#include <linux/interval_tree.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "common.h"
#include "compat.h"

static int ivshmem_log_start(struct vfio_device *core_vdev,
			     struct rb_root_cached *ranges, u32 nnodes,
			     u64 *page_size)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	struct ivshmem_dma_log *log = &ivdev->log;
	struct interval_tree_node *node;
	struct ivshmem_dma_range *r;
	int ret = 0;
	u32 i = 0;

	if (!*page_size || !is_power_of_2(*page_size)) {
		dev_warn_ratelimited(ivdev_dev(ivdev),
				     "DMA logging: page size 0x%llx is not a power of two\n",
				     *page_size);
		return -EINVAL;
	}
	r = kzalloc_objs(*r, nnodes, GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	for (node = interval_tree_iter_first(ranges, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		/*
		 * The core made [iova, iova + length - 1] of each range; an
		 * empty range shows as last < start, or as all of the space
		 * for an empty range at 0, which no real range can be.
		 */
		if (i == nnodes || node->last < node->start ||
		    (!node->start && node->last == ULONG_MAX)) {
			dev_warn_ratelimited(ivdev_dev(ivdev),
					     "DMA logging: range %u is empty or the count is not %u\n",
					     i, nnodes);
			ret = -EINVAL;
			goto out_free;
		}
		r[i].start = node->start;
		r[i].last = node->last;
		i++;
	}
	if (i != nnodes) {
		dev_warn_ratelimited(ivdev_dev(ivdev),
				     "DMA logging: %u ranges given, %u found\n",
				     nnodes, i);
		ret = -EINVAL;
		goto out_free;
	}

	ivshmem_state_mutex_lock(ivdev);
	if (log->active) {
		dev_warn_ratelimited(ivdev_dev(ivdev),
				     "DMA logging: already started; stop it first\n");
		ret = -EBUSY;
	} else {
		log->active = true;
		log->ranges = r;
		log->nr_ranges = nnodes;
		/* Any granule is exact for a log that is always empty. */
		log->page_size = max_t(u64, *page_size, PAGE_SIZE);
		*page_size = log->page_size;
		r = NULL;
	}
	ivshmem_state_mutex_unlock(ivdev);
out_free:
	kfree(r);
	return ret;
}

/**
 * ivshmem_log_stop - end DMA logging, if started
 * @ivdev: the device, state_mutex held
 */
void ivshmem_log_stop(struct ivshmem_vfio_pci_device *ivdev)
{
	struct ivshmem_dma_log *log = &ivdev->log;

	lockdep_assert_held(&ivdev->state_mutex);
	kfree(log->ranges);
	memset(log, 0, sizeof(*log));
}

static int ivshmem_log_stop_op(struct vfio_device *core_vdev)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);

	ivshmem_state_mutex_lock(ivdev);
	ivshmem_log_stop(ivdev);
	ivshmem_state_mutex_unlock(ivdev);
	return 0;
}

/* Is [iova, iova + length) inside the union of the logged ranges? */
static bool ivshmem_log_covers(const struct ivshmem_dma_log *log,
			       unsigned long iova, unsigned long length)
{
	unsigned long last = iova + length - 1;
	u32 i;

	/* Ascending and disjoint: walk them while they continue the span. */
	for (i = 0; i < log->nr_ranges; i++) {
		if (log->ranges[i].start > iova)
			return false;
		if (log->ranges[i].last < iova)
			continue;
		if (log->ranges[i].last >= last)
			return true;
		iova = log->ranges[i].last + 1;
	}
	return false;
}

static int ivshmem_log_read_and_clear(struct vfio_device *core_vdev,
				      unsigned long iova, unsigned long length,
				      struct iova_bitmap *dirty)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	int ret = 0;

	ivshmem_state_mutex_lock(ivdev);
	if (!ivdev->log.active) {
		dev_warn_ratelimited(ivdev_dev(ivdev),
				     "DMA logging: report asked for, but logging was not started\n");
		ret = -EINVAL;
	} else if (!length || !ivshmem_log_covers(&ivdev->log, iova, length)) {
		dev_warn_ratelimited(ivdev_dev(ivdev),
				     "DMA logging: report of 0x%lx+0x%lx is outside the logged ranges\n",
				     iova, length);
		ret = -EINVAL;
	}
	/* Nothing to set in @dirty: the device wrote no memory. */
	ivshmem_state_mutex_unlock(ivdev);
	return ret;
}

const struct vfio_log_ops ivshmem_log_ops = {
	.log_start = ivshmem_log_start,
	.log_stop = ivshmem_log_stop_op,
	.log_read_and_clear = ivshmem_log_read_and_clear,
};
