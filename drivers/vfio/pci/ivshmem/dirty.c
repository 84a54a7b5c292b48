// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracking the pages of the memory BAR that user space writes while a
 * saving stream is in pre-copy.
 *
 * One bit per page of the memory BAR.  A saving stream starts with every
 * bit set: the first pass sends the whole BAR.  While the device runs in
 * PRE_COPY (@tracking), user mappings of the BAR are 4 KiB and read-only
 * until written: the first write to a page faults (access.c), which sets
 * its bit and makes the page writable.  Region write() sets the bits of
 * what it wrote.  So a page mapped writable always has its bit set.
 *
 * To send a page, the saving file clears its bit and zaps its user
 * mappings *before* copying it, all under memory_lock held for write,
 * which the fault handlers take for read around setting a bit and
 * inserting a writable mapping.  A write that lands before the zap is in
 * the copy; one after it faults and sets the bit again, so the page is
 * sent once more.  No write is lost.
 *
 * Memory: the bitmap, nr_pages bits, allocated when the device is
 * initialised.  Nothing else grows with the BAR.
 */

#include <linux/bitmap.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "common.h"

/* Stream bytes of a chunk section besides its payload. */
#define IVSHMEM_CHUNK_FRAMING	(VFIO_DEVSTATE_SECTION_LEN + VFIO_DEVSTATE_CRC_LEN)

int ivshmem_dirty_init(struct ivshmem_vfio_pci_device *ivdev)
{
	ivdev->nr_pages = ivdev->mem_size >> PAGE_SHIFT;
	ivdev->dirty = bitmap_zalloc(ivdev->nr_pages, GFP_KERNEL);
	return ivdev->dirty ? 0 : -ENOMEM;
}

void ivshmem_dirty_destroy(struct ivshmem_vfio_pci_device *ivdev)
{
	bitmap_free(ivdev->dirty);
	ivdev->dirty = NULL;
}

/**
 * ivshmem_dirty_start - a saving stream begins: every page is to be sent
 * @ivdev: the device, state_mutex held
 * @track: the device keeps running (PRE_COPY): track what it writes
 * @wq: with @track, woken when a page turns dirty
 *
 * With @track, drop every user mapping of the memory BAR, huge ones
 * included, so that the next access of each page maps it 4 KiB and
 * read-only.
 */
void ivshmem_dirty_start(struct ivshmem_vfio_pci_device *ivdev, bool track,
			 wait_queue_head_t *wq)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;

	lockdep_assert_held(&ivdev->state_mutex);
	down_write(&vdev->memory_lock);
	bitmap_fill(ivdev->dirty, ivdev->nr_pages);
	ivdev->tracking = track;
	ivdev->dirty_wq = track ? wq : NULL;
	if (track)
		ivshmem_zap_bar(ivdev, IVSHMEM_MEM_BAR);
	up_write(&vdev->memory_lock);
}

/**
 * ivshmem_dirty_stop - stop tracking writes to the memory BAR
 * @ivdev: the device, state_mutex held
 *
 * The read-only mappings left from tracking are dropped too, so that user
 * space gets writable (and, where possible, huge) mappings back at its
 * next access instead of one write fault per page.
 */
void ivshmem_dirty_stop(struct ivshmem_vfio_pci_device *ivdev)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;

	lockdep_assert_held(&ivdev->state_mutex);
	down_write(&vdev->memory_lock);
	ivdev->dirty_wq = NULL;
	if (ivdev->tracking) {
		ivdev->tracking = false;
		ivshmem_zap_bar(ivdev, IVSHMEM_MEM_BAR);
	}
	up_write(&vdev->memory_lock);
}

/**
 * ivshmem_dirty_mark - pages of the memory BAR were, or are about to be,
 *                      written through a mapping
 * @ivdev: the device, memory_lock held (for read is enough)
 * @first: first page
 * @nr: number of pages
 */
void ivshmem_dirty_mark(struct ivshmem_vfio_pci_device *ivdev,
			unsigned long first, unsigned long nr)
{
	bool woke = false;

	lockdep_assert_held(&ivdev->core_device.memory_lock);
	if (!ivdev->tracking)
		return;
	for (; nr && first < ivdev->nr_pages; first++, nr--)
		if (!test_and_set_bit(first, ivdev->dirty) && !woke &&
		    ivdev->dirty_wq && wq_has_sleeper(ivdev->dirty_wq)) {
			/* There is pre-copy data again: wake poll(). */
			wake_up_interruptible(ivdev->dirty_wq);
			woke = true;
		}
}

/**
 * ivshmem_dirty_note_write - a region write() changed device memory
 * @ivdev: the device
 * @off: offset in the memory BAR of the first byte written
 * @len: bytes written, all of them already in the BAR
 *
 * Marking after the write is what keeps it: if the saving file sent the
 * page in between, the copy already has the write, and the bit set now
 * sends it again anyway.
 */
void ivshmem_dirty_note_write(struct ivshmem_vfio_pci_device *ivdev,
			      u64 off, size_t len)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	unsigned long first = off >> PAGE_SHIFT;

	if (!len)
		return;
	down_read(&vdev->memory_lock);
	ivshmem_dirty_mark(ivdev, first,
			   ((off + len - 1) >> PAGE_SHIFT) - first + 1);
	up_read(&vdev->memory_lock);
}

/*
 * The dirty run that starts at the first dirty page at or after @from:
 * [*@first, *@last), consecutive dirty pages inside one
 * IVSHMEM_CHUNK_LEN aligned block.  False if no page from @from is dirty.
 */
static bool ivshmem_dirty_run(struct ivshmem_vfio_pci_device *ivdev,
			      unsigned long from, unsigned long *first,
			      unsigned long *last)
{
	unsigned long nr = ivdev->nr_pages, end;

	*first = find_next_bit(ivdev->dirty, nr, from);
	if (*first >= nr)
		return false;
	end = min(round_down(*first, IVSHMEM_CHUNK_PAGES) + IVSHMEM_CHUNK_PAGES,
		  nr);
	*last = find_next_zero_bit(ivdev->dirty, end, *first);
	return true;
}

/**
 * ivshmem_dirty_take - claim the next dirty run of pages, to send it
 * @ivdev: the device, memory_lock held for write
 * @cursor: page to look from; the search wraps around; updated
 * @off: set to the byte offset of the run in the memory BAR
 * @len: set to the byte length of the run
 *
 * Its bits are cleared and, while tracking, its user mappings zapped, so
 * the caller may copy it afterwards without losing a write.
 *
 * Return: false if no page is dirty.
 */
bool ivshmem_dirty_take(struct ivshmem_vfio_pci_device *ivdev,
			unsigned long *cursor, u64 *off, u64 *len)
{
	unsigned long first, last;

	lockdep_assert_held_write(&ivdev->core_device.memory_lock);
	if (!ivshmem_dirty_run(ivdev, *cursor, &first, &last) &&
	    !ivshmem_dirty_run(ivdev, 0, &first, &last))
		return false;
	bitmap_clear(ivdev->dirty, first, last - first);
	if (ivdev->tracking)
		ivshmem_zap_pages(ivdev, IVSHMEM_MEM_BAR, first,
				  last - first);
	*cursor = last;
	*off = (u64)first << PAGE_SHIFT;
	*len = (u64)(last - first) << PAGE_SHIFT;
	return true;
}

/**
 * ivshmem_dirty_stream_bytes - stream bytes that sending the dirty set
 *                              takes now
 * @ivdev: the device, memory_lock held
 *
 * Return: exactly what ivshmem_dirty_take() hands out as chunk sections
 * until it returns false, if no page is written meanwhile.
 */
u64 ivshmem_dirty_stream_bytes(struct ivshmem_vfio_pci_device *ivdev)
{
	unsigned long first, last = 0;
	u64 runs = 0, pages = 0;

	lockdep_assert_held(&ivdev->core_device.memory_lock);
	while (ivshmem_dirty_run(ivdev, last, &first, &last)) {
		runs++;
		pages += last - first;
	}
	return runs * IVSHMEM_CHUNK_FRAMING + (pages << PAGE_SHIFT);
}
