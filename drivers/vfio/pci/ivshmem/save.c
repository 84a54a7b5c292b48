// SPDX-License-Identifier: GPL-2.0-only
/*
 * The saving data file: the device state as a vfio-devstate stream.
 *
 *	header          initial_bytes of PRE_COPY: the destination can check
 *	                compatibility before the source stops
 *	chunk sections  PRE_COPY only: the memory BAR while the device runs,
 *	                first all of it, then the pages written since they
 *	                were sent (dirty.c), as long as the reader asks
 *	device section  the register state, captured on entering STOP_COPY
 *	chunk sections  the pages still dirty: all of them for a stream that
 *	                starts in STOP_COPY, only those written since they
 *	                were last sent for one that went through PRE_COPY
 *	end record
 *
 * A chunk covers a run of dirty pages inside one IVSHMEM_CHUNK_LEN block
 * and supersedes what earlier chunks said of those pages.  Its payload is
 * copied from the BAR straight into the reader's pages, pinned for the
 * copy, as the reader asks for it, and CRCed there right after (a buffer
 * that cannot be pinned goes through a small bounce buffer): device
 * memory is never staged in kernel memory.  The stream is produced lazily, in order, by read();
 * the section CRCs are computed over the bytes as they are handed out.
 */

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "common.h"
#include "compat.h"

/* Reader's pages pinned per copy straight from the BAR. */
#define IVSHMEM_PIN_PAGES	(IVSHMEM_BOUNCE_LEN >> PAGE_SHIFT)

/* Stream bytes of the device section. */
static u64 ivshmem_state_section_len(struct ivshmem_vfio_pci_device *ivdev)
{
	return VFIO_DEVSTATE_SECTION_LEN + IVSHMEM_STATE_LEN +
	       VFIO_DEVSTATE_CRC_LEN;
}

/**
 * ivshmem_stream_len - bytes of a complete saving stream that is not
 *                      resent anything
 * @ivdev: the device
 * @minor: format minor the stream is written as
 *
 * Header, device section, the whole memory BAR as chunks, end record:
 * what a stream that starts in STOP_COPY is, and what a VMM should
 * expect before any saving starts.
 *
 * Return: the length in bytes.
 */
u64 ivshmem_stream_len(struct ivshmem_vfio_pci_device *ivdev,
		       unsigned int minor)
{
	u64 nr_chunks = DIV_ROUND_UP_ULL(ivdev->mem_size, IVSHMEM_CHUNK_LEN);

	return vfio_devstate_header_len(&ivdev->desc, minor) +
	       ivshmem_state_section_len(ivdev) +
	       nr_chunks * (VFIO_DEVSTATE_SECTION_LEN + VFIO_DEVSTATE_CRC_LEN) +
	       ivdev->mem_size + VFIO_DEVSTATE_END_RECORD_LEN;
}

/* The end of the stream was handed out: keep what it was.  migf->lock held. */
static void ivshmem_save_ended(struct ivshmem_migration_file *migf)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	struct ivshmem_save_stats *st = &ivdev->stats;

	spin_lock(&ivdev->stats_lock);
	st->streams++;
	st->precopy_bytes = migf->precopy_bytes;
	st->stopcopy_bytes = migf->pos - migf->precopy_bytes;
	st->passes = migf->precopy_bytes > migf->hdr_len ? migf->passes + 1 : 0;
	st->stop_pages = migf->stop_pages;
	spin_unlock(&ivdev->stats_lock);
	dev_dbg(ivdev_dev(ivdev),
		"saving: %llu bytes before the device stopped, %llu after (%lu dirty pages)\n",
		st->precopy_bytes, st->stopcopy_bytes, st->stop_pages);
}

/* Bytes a reader gets before ENOMSG (pre-copy) or the end.  Locks held. */
static u64 ivshmem_save_pending(struct ivshmem_migration_file *migf)
{
	u64 left = migf->stage_len - migf->stage_off;

	if (migf->step == IVSHMEM_SAVE_PAYLOAD)
		left += migf->chunk_left + VFIO_DEVSTATE_CRC_LEN;
	return left + ivshmem_dirty_stream_bytes(migf->ivdev);
}

/**
 * ivshmem_save_remaining - exact bytes still to read to end the stream
 * @migf: the saving file, ivdev's state_mutex held
 *
 * Return: the bytes; in PRE_COPY, if the device stopped now, with the
 * pages dirty now.
 */
u64 ivshmem_save_remaining(struct ivshmem_migration_file *migf)
{
	struct vfio_pci_core_device *vdev = &migf->ivdev->core_device;
	u64 left;

	lockdep_assert_held(&migf->ivdev->state_mutex);
	mutex_lock(&migf->lock);
	if (migf->step == IVSHMEM_SAVE_DONE) {
		left = migf->stage_len - migf->stage_off;
	} else {
		down_read(&vdev->memory_lock);
		left = ivshmem_save_pending(migf);
		up_read(&vdev->memory_lock);
		if (!migf->state_sent)
			left += ivshmem_state_section_len(migf->ivdev);
		left += VFIO_DEVSTATE_END_RECORD_LEN;
	}
	mutex_unlock(&migf->lock);
	return left;
}

/* Capture the register state; the device is stopped.  migf->lock held. */
static int ivshmem_save_capture(struct ivshmem_migration_file *migf)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	u16 cmd;
	int ret;

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (!ret) {
		ret = ivshmem_regs_save(ivdev, migf->state);
		ivshmem_mem_access_end(ivdev, cmd);
	}
	if (ret)
		dev_err(ivdev_dev(ivdev),
			"saving: cannot read the register state: %d\n", ret);
	else
		migf->stop_copy = true;
	return ret;
}

/* The device stopped: what was read so far was pre-copy.  migf->lock held. */
static void ivshmem_save_note_stop(struct ivshmem_migration_file *migf)
{
	struct vfio_pci_core_device *vdev = &migf->ivdev->core_device;

	migf->precopy_bytes = migf->pos;
	down_read(&vdev->memory_lock);
	migf->stop_pages = bitmap_weight(migf->ivdev->dirty,
					 migf->ivdev->nr_pages);
	up_read(&vdev->memory_lock);
}

/**
 * ivshmem_save_stop_copy - the device stopped: capture its register state
 * @migf: the saving file, ivdev's state_mutex held
 *
 * User access to the BARs is already blocked.
 *
 * Return: 0, or -errno if the registers could not be read.
 */
int ivshmem_save_stop_copy(struct ivshmem_migration_file *migf)
{
	int ret;

	lockdep_assert_held(&migf->ivdev->state_mutex);
	mutex_lock(&migf->lock);
	ret = ivshmem_save_capture(migf);
	if (!ret)
		ivshmem_save_note_stop(migf);
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->wq);	/* the rest of the stream is ready */
	return ret;
}

/* Stage the next dirty run's chunk header; false if nothing is dirty. */
static int ivshmem_save_next_chunk(struct ivshmem_migration_file *migf)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	unsigned long cursor = migf->cursor;
	u64 off, len;
	bool found;
	int ret;

	/* Exclusive against the fault handlers: see dirty.c. */
	down_write(&vdev->memory_lock);
	found = ivshmem_dirty_take(ivdev, &migf->cursor, &off, &len);
	up_write(&vdev->memory_lock);
	if (!found)
		return 0;
	if ((off >> PAGE_SHIFT) < cursor)
		migf->passes++;	/* the search wrapped: a new pass */
	ret = vfio_devstate_enc_section_begin(&migf->enc, VFIO_DEVSTATE_SEC_CHUNK,
					      VFIO_DEVSTATE_SF_MANDATORY, len,
					      IVSHMEM_MEM_BAR, off,
					      migf->stage);
	if (ret)
		return ret;
	migf->stage_len = VFIO_DEVSTATE_SECTION_LEN;
	migf->mem_off = off;
	migf->chunk_left = len;
	migf->step = IVSHMEM_SAVE_PAYLOAD;
	return 1;
}

/*
 * The record the encoder just wrote into the stage (its result @ret) is
 * @len bytes, and @next comes after it.  Returns 0 or -errno.
 */
static int ivshmem_save_staged(struct ivshmem_migration_file *migf, int ret,
			       size_t len, enum ivshmem_save_step next)
{
	if (ret)
		return ret;
	migf->stage_len = len;
	migf->step = next;
	return 0;
}

/* Stage the framing that comes next.  Returns 0, -ENOMSG or -errno. */
static int ivshmem_save_refill(struct ivshmem_migration_file *migf)
{
	ssize_t n;
	int ret;

	migf->stage_off = 0;
	migf->stage_len = 0;
	switch (migf->step) {
	case IVSHMEM_SAVE_CHUNK:
		if (migf->stop_copy && !migf->state_sent) {
			n = vfio_devstate_enc_section(&migf->enc,
						      VFIO_DEVSTATE_SEC_DEVICE,
						      VFIO_DEVSTATE_SF_MANDATORY,
						      0, 0, migf->state,
						      IVSHMEM_STATE_LEN,
						      migf->stage,
						      sizeof(migf->stage));
			if (n < 0)
				return n;
			migf->stage_len = n;
			migf->state_sent = true;
			return 0;
		}
		ret = ivshmem_save_next_chunk(migf);
		if (ret)
			return ret < 0 ? ret : 0;
		if (!migf->stop_copy)
			return -ENOMSG;	/* nothing dirty for now */
		ret = vfio_devstate_enc_end(&migf->enc, migf->stage);
		return ivshmem_save_staged(migf, ret,
					   VFIO_DEVSTATE_END_RECORD_LEN,
					   IVSHMEM_SAVE_DONE);
	case IVSHMEM_SAVE_PAYLOAD:
		ret = vfio_devstate_enc_section_end(&migf->enc, migf->stage);
		return ivshmem_save_staged(migf, ret, VFIO_DEVSTATE_CRC_LEN,
					   IVSHMEM_SAVE_CHUNK);
	case IVSHMEM_SAVE_DONE:
		break;
	}
	return 0;
}

/*
 * Copy up to @len payload bytes from the BAR to @buf through the bounce
 * buffer: for a buffer whose pages cannot be pinned.
 */
static ssize_t ivshmem_save_payload_bounce(struct ivshmem_migration_file *migf,
					   char __user *buf, size_t len)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	void __iomem *mem = ivdev_bar(ivdev, IVSHMEM_MEM_BAR);
	size_t n, copied;
	u16 cmd;
	int ret;

	n = min_t(u64, min_t(u64, len, migf->chunk_left), IVSHMEM_BOUNCE_LEN);
	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret)
		return ret;
	memcpy_fromio(migf->bounce, mem + migf->mem_off, n);
	ivshmem_mem_access_end(ivdev, cmd);

	copied = n - copy_to_user(buf, migf->bounce, n);
	if (!copied)
		return -EFAULT;
	/* Only what the reader got counts towards the CRC and position. */
	ret = vfio_devstate_enc_section_data(&migf->enc, migf->bounce, copied);
	if (ret)
		return ret;
	migf->mem_off += copied;
	migf->chunk_left -= copied;
	return copied;
}

/*
 * Copy up to @len payload bytes from the BAR straight into the reader's
 * pages, pinned, then CRC them there while they are still in cache: each
 * byte is copied once.  Returns the bytes copied, 0 if the buffer cannot
 * be pinned (the caller bounces instead), or -errno.
 */
static ssize_t ivshmem_save_payload_direct(struct ivshmem_migration_file *migf,
					   char __user *buf, size_t len)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	void __iomem *mem = ivdev_bar(ivdev, IVSHMEM_MEM_BAR);
	unsigned long start = (unsigned long)buf;
	size_t head = offset_in_page(start);
	struct page *pages[IVSHMEM_PIN_PAGES];
	size_t n, seg, done;
	int nr, i, ret = 0;
	u16 cmd;

	n = min_t(u64, min_t(u64, len, migf->chunk_left),
		  IVSHMEM_PIN_PAGES * PAGE_SIZE - head);
	/* Before memory_lock: pinning may fault in a mapping of this BAR. */
	nr = pin_user_pages_fast(start & PAGE_MASK,
				 DIV_ROUND_UP(head + n, PAGE_SIZE), FOLL_WRITE,
				 pages);
	if (nr <= 0)
		return 0;
	n = min_t(size_t, n, nr * PAGE_SIZE - head);

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret)
		goto out;
	for (i = 0, done = 0; done < n; i++, done += seg) {
		u8 *p = kmap_local_page(pages[i]);

		seg = min_t(size_t, n - done, PAGE_SIZE - (i ? 0 : head));
		memcpy_fromio(p + (i ? 0 : head), mem + migf->mem_off + done,
			      seg);
		kunmap_local(p);
	}
	ivshmem_mem_access_end(ivdev, cmd);

	for (i = 0, done = 0; done < n; i++, done += seg) {
		u8 *p = kmap_local_page(pages[i]);

		seg = min_t(size_t, n - done, PAGE_SIZE - (i ? 0 : head));
		ret = vfio_devstate_enc_section_data(&migf->enc,
						     p + (i ? 0 : head), seg);
		kunmap_local(p);
		if (ret)
			goto out;
	}
	migf->mem_off += n;
	migf->chunk_left -= n;
out:
	unpin_user_pages_dirty_lock(pages, nr, !ret);
	return ret ? ret : n;
}

/* Copy up to @len payload bytes from the BAR to @buf. */
static ssize_t ivshmem_save_payload(struct ivshmem_migration_file *migf,
				    char __user *buf, size_t len)
{
	ssize_t ret = ivshmem_save_payload_direct(migf, buf, len);

	return ret ? ret : ivshmem_save_payload_bounce(migf, buf, len);
}

static ssize_t ivshmem_save_read(struct file *filp, char __user *buf,
				 size_t len, loff_t *pos)
{
	struct ivshmem_migration_file *migf = filp->private_data;
	ssize_t done = 0, ret = 0;
	size_t n;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	while (len) {
		if (migf->stage_off == migf->stage_len &&
		    !(migf->step == IVSHMEM_SAVE_PAYLOAD && migf->chunk_left)) {
			if (migf->step == IVSHMEM_SAVE_DONE) {
				if (!migf->ended)
					ivshmem_save_ended(migf);
				migf->ended = true;
				break;
			}
			ret = ivshmem_save_refill(migf);
			if (ret)
				break;
			continue;
		}
		if (migf->stage_off < migf->stage_len) {
			n = min(len, migf->stage_len - migf->stage_off);
			if (copy_to_user(buf + done, migf->stage + migf->stage_off,
					 n)) {
				ret = -EFAULT;
				break;
			}
			migf->stage_off += n;
		} else {
			ret = ivshmem_save_payload(migf, buf + done, len);
			if (ret < 0)
				break;
			n = ret;
		}
		done += n;
		len -= n;
		migf->pos += n;
	}
	if (done) {
		spin_lock(&migf->ivdev->stats_lock);
		migf->ivdev->stats.cur_bytes = migf->pos;
		migf->ivdev->stats.cur_passes = migf->passes + 1;
		spin_unlock(&migf->ivdev->stats_lock);
	}
out:
	mutex_unlock(&migf->lock);
	return done ? done : ret;
}

static long ivshmem_save_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct ivshmem_migration_file *migf = filp->private_data;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info = {};
	u64 pending;
	int ret;

	ret = vfio_check_precopy_ioctl(&migf->ivdev->core_device.vdev, cmd, arg,
				       &info);
	if (ret)
		return ret;

	/*
	 * A current saving file is in PRE_COPY or PRE_COPY_P2P exactly until
	 * its registers are captured for STOP_COPY; a disabled one belongs
	 * to a migration that is over, and the device is in another state.
	 * The uAPI wants -EINVAL outside the PRE_COPY states.
	 */
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		/* The device may be gone: do not touch it, not even to log. */
		ret = -EINVAL;
	} else if (migf->stop_copy) {
		dev_dbg_ratelimited(ivdev_dev(migf->ivdev),
				    "saving: PRECOPY_INFO in STOP_COPY\n");
		ret = -EINVAL;
	} else {
		down_read(&migf->ivdev->core_device.memory_lock);
		pending = ivshmem_save_pending(migf);
		up_read(&migf->ivdev->core_device.memory_lock);
		/*
		 * The initial data is the stream header, written once at
		 * the start: it never changes, so VFIO_PRECOPY_INFO_REINIT
		 * is never reported.
		 */
		if (migf->pos < migf->hdr_len)
			info.initial_bytes = migf->hdr_len - migf->pos;
		info.dirty_bytes = pending - info.initial_bytes;
	}
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Readable when read() would return data now: in PRE_COPY if something is
 * pending (header, the rest of a chunk, dirty pages), always once the
 * device stopped (the rest of the stream, then the end).  A disabled file
 * reports an error, as read() does.
 */
static __poll_t ivshmem_save_poll(struct file *filp, poll_table *wait)
{
	struct ivshmem_migration_file *migf = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &migf->wq, wait);
	mutex_lock(&migf->lock);
	if (migf->disabled) {
		mask = EPOLLERR | EPOLLHUP;
	} else if (migf->stop_copy) {
		mask = EPOLLIN | EPOLLRDNORM;
	} else {
		down_read(&migf->ivdev->core_device.memory_lock);
		if (ivshmem_save_pending(migf))
			mask = EPOLLIN | EPOLLRDNORM;
		up_read(&migf->ivdev->core_device.memory_lock);
	}
	mutex_unlock(&migf->lock);
	return mask;
}

static const struct file_operations ivshmem_save_fops = {
	.owner = THIS_MODULE,
	.read = ivshmem_save_read,
	.poll = ivshmem_save_poll,
	.unlocked_ioctl = ivshmem_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = ivshmem_migf_release,
};

/**
 * ivshmem_save_open - start a saving stream
 * @ivdev: the device, state_mutex held
 * @precopy: entering PRE_COPY (running); false for STOP_COPY (stopped)
 *
 * Return: the file, also kept in ivdev->saving, or an ERR_PTR.
 */
struct file *ivshmem_save_open(struct ivshmem_vfio_pci_device *ivdev,
			       bool precopy)
{
	struct vfio_devstate_desc *desc;
	struct ivshmem_migration_file *migf;
	struct file *filp;
	ssize_t n;
	int ret;

	lockdep_assert_held(&ivdev->state_mutex);
	migf = ivshmem_migf_alloc(ivdev);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	migf->step = IVSHMEM_SAVE_CHUNK;
	vfio_devstate_enc_init(&migf->enc);
	/* The header says whether chunks may be resent (informational). */
	desc = kmemdup(&ivdev->desc, sizeof(*desc), GFP_KERNEL);
	if (!desc) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (precopy)
		desc->flags |= VFIO_DEVSTATE_HF_PRECOPY;
	n = vfio_devstate_enc_header(&migf->enc, desc, ivdev->emit_minor,
				     migf->stage, sizeof(migf->stage));
	kfree(desc);
	if (n < 0) {
		ret = n;
		dev_err(ivdev_dev(ivdev), "saving: cannot encode header: %d\n",
			ret);
		goto err_free;
	}
	migf->stage_len = n;
	migf->hdr_len = n;

	filp = anon_inode_getfile("ivshmem_vfio_save", &ivshmem_save_fops, migf,
				  O_RDONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_free;
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);

	/* Every page is to be sent; while running, track what is written. */
	ivshmem_dirty_start(ivdev, precopy, &migf->wq);
	spin_lock(&ivdev->stats_lock);
	ivdev->stats.cur_bytes = 0;
	ivdev->stats.cur_passes = 0;
	spin_unlock(&ivdev->stats_lock);
	if (!precopy) {
		ret = ivshmem_save_capture(migf);
		if (ret) {
			fput(filp);	/* frees migf */
			return ERR_PTR(ret);
		}
		ivshmem_save_note_stop(migf);
	}
	ivdev->saving = migf;
	return filp;

err_free:
	ivshmem_migf_free(migf);
	return ERR_PTR(ret);
}
