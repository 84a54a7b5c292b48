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

/* Bounce buffer between the BAR and the reader. */
#define IVSHMEM_BOUNCE_LEN	SZ_128K
/* Reader's pages pinned per copy straight from the BAR. */
#define IVSHMEM_PIN_PAGES	(IVSHMEM_BOUNCE_LEN >> PAGE_SHIFT)

enum ivshmem_save_step {
	IVSHMEM_SAVE_CHUNK,	/* next: a chunk, the device section or the end */
	IVSHMEM_SAVE_PAYLOAD,	/* streaming a chunk's payload from the BAR */
	IVSHMEM_SAVE_DONE,	/* nothing after the staged bytes */
};

/**
 * struct ivshmem_save_file - one saving data file
 * @filp: the file; ivdev->saving holds a reference while it is current
 * @ivdev: the device; not touched once @disabled
 * @lock: serialises readers and the calls below
 * @disabled: the file is no longer current: every call fails
 * @stop_copy: the device is stopped and its state captured
 * @ended: the end record was handed out
 * @state_sent: the device section is staged or read
 * @step: what comes once @stage is drained
 * @enc: encoder state
 * @hdr_len: bytes of the header, the first bytes of the stream
 * @pos: bytes handed out so far
 * @cursor: page of the memory BAR where the search for dirty pages goes on
 * @mem_off: offset in the memory BAR of the next payload byte to stream
 * @chunk_left: payload bytes of the open chunk not yet handed out
 * @precopy_bytes: bytes handed out before the device stopped
 * @passes: times the search for dirty pages started over from page 0
 * @stop_pages: pages still dirty when the device stopped
 * @stage_len: bytes in @stage
 * @stage_off: bytes of @stage already handed out
 * @bounce: IVSHMEM_BOUNCE_LEN bytes between BAR and user buffer
 * @state: the device section's payload, captured on entering STOP_COPY
 * @stage: framing bytes waiting to be read (header, section headers,
 *         trailers, end record)
 * @wq: poll() waits here for pre-copy data
 */
struct ivshmem_save_file {
	struct file *filp;
	struct ivshmem_vfio_pci_device *ivdev;
	struct mutex lock;	/* everything below, and disabled */
	bool disabled;
	bool stop_copy;
	bool ended;
	bool state_sent;
	enum ivshmem_save_step step;
	struct vfio_devstate_enc enc;
	size_t hdr_len;
	u64 pos;
	unsigned long cursor;
	u64 mem_off;
	u64 chunk_left;
	u64 precopy_bytes;
	unsigned int passes;
	unsigned long stop_pages;
	size_t stage_len;
	size_t stage_off;
	void *bounce;
	u8 *state;
	u8 stage[VFIO_DEVSTATE_HDR_MAX];
	wait_queue_head_t wq;
};

/* Stream bytes of the device section. */
static u64 ivshmem_state_section_len(struct ivshmem_vfio_pci_device *ivdev)
{
	return VFIO_DEVSTATE_SECTION_LEN + ivdev->dev_ops->state_len +
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

struct file *ivshmem_save_filp(struct ivshmem_save_file *sf)
{
	return sf->filp;
}

/* The end of the stream was handed out: keep what it was.  sf->lock held. */
static void ivshmem_save_ended(struct ivshmem_save_file *sf)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	struct ivshmem_save_stats *st = &ivdev->stats;

	spin_lock(&ivdev->stats_lock);
	st->streams++;
	st->precopy_bytes = sf->precopy_bytes;
	st->stopcopy_bytes = sf->pos - sf->precopy_bytes;
	st->passes = sf->precopy_bytes > sf->hdr_len ? sf->passes + 1 : 0;
	st->stop_pages = sf->stop_pages;
	spin_unlock(&ivdev->stats_lock);
	dev_dbg(ivdev_dev(ivdev),
		"saving: %llu bytes before the device stopped, %llu after (%lu dirty pages)\n",
		st->precopy_bytes, st->stopcopy_bytes, st->stop_pages);
}

/**
 * ivshmem_save_disable - the file is no longer current
 * @sf: the saving file, ivdev's state_mutex held
 *
 * Writes to the memory BAR are no longer tracked.
 */
void ivshmem_save_disable(struct ivshmem_save_file *sf)
{
	ivshmem_dirty_stop(sf->ivdev);
	mutex_lock(&sf->lock);
	sf->disabled = true;
	mutex_unlock(&sf->lock);
	wake_up_interruptible(&sf->wq);
}

/* Bytes a reader gets before ENOMSG (pre-copy) or the end.  Locks held. */
static u64 ivshmem_save_pending(struct ivshmem_save_file *sf)
{
	u64 left = sf->stage_len - sf->stage_off;

	if (sf->step == IVSHMEM_SAVE_PAYLOAD)
		left += sf->chunk_left + VFIO_DEVSTATE_CRC_LEN;
	return left + ivshmem_dirty_stream_bytes(sf->ivdev);
}

/**
 * ivshmem_save_remaining - exact bytes still to read to end the stream
 * @sf: the saving file, ivdev's state_mutex held
 *
 * In PRE_COPY: if the device stopped now, with the pages dirty now.
 */
u64 ivshmem_save_remaining(struct ivshmem_save_file *sf)
{
	struct vfio_pci_core_device *vdev = &sf->ivdev->core_device;
	u64 left;

	mutex_lock(&sf->lock);
	if (sf->step == IVSHMEM_SAVE_DONE) {
		left = sf->stage_len - sf->stage_off;
	} else {
		down_read(&vdev->memory_lock);
		left = ivshmem_save_pending(sf);
		up_read(&vdev->memory_lock);
		if (!sf->state_sent)
			left += ivshmem_state_section_len(sf->ivdev);
		left += VFIO_DEVSTATE_END_RECORD_LEN;
	}
	mutex_unlock(&sf->lock);
	return left;
}

/* Capture the register state; the device is stopped.  sf->lock held. */
static int ivshmem_save_capture(struct ivshmem_save_file *sf)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	u16 cmd;
	int ret;

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (!ret) {
		ret = ivdev->dev_ops->save_state(ivdev, sf->state);
		ivshmem_mem_access_end(ivdev, cmd);
	}
	if (ret)
		dev_err(ivdev_dev(ivdev),
			"saving: cannot read the register state: %d\n", ret);
	else
		sf->stop_copy = true;
	return ret;
}

/* The device stopped: what was read so far was pre-copy.  sf->lock held. */
static void ivshmem_save_note_stop(struct ivshmem_save_file *sf)
{
	struct vfio_pci_core_device *vdev = &sf->ivdev->core_device;

	sf->precopy_bytes = sf->pos;
	down_read(&vdev->memory_lock);
	sf->stop_pages = bitmap_weight(sf->ivdev->dirty, sf->ivdev->nr_pages);
	up_read(&vdev->memory_lock);
}

/**
 * ivshmem_save_stop_copy - the device stopped: capture its register state
 * @sf: the saving file
 *
 * Called under state_mutex with user access to the BARs already blocked.
 */
int ivshmem_save_stop_copy(struct ivshmem_save_file *sf)
{
	int ret;

	mutex_lock(&sf->lock);
	ret = ivshmem_save_capture(sf);
	if (!ret)
		ivshmem_save_note_stop(sf);
	mutex_unlock(&sf->lock);
	wake_up_interruptible(&sf->wq);	/* the rest of the stream is ready */
	return ret;
}

/* Stage the next dirty run's chunk header; false if nothing is dirty. */
static int ivshmem_save_next_chunk(struct ivshmem_save_file *sf)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	unsigned long cursor = sf->cursor;
	u64 off, len;
	bool found;
	int ret;

	/* Exclusive against the fault handlers: see dirty.c. */
	down_write(&vdev->memory_lock);
	found = ivshmem_dirty_take(ivdev, &sf->cursor, &off, &len);
	up_write(&vdev->memory_lock);
	if (!found)
		return 0;
	if ((off >> PAGE_SHIFT) < cursor)
		sf->passes++;	/* the search wrapped: a new pass */
	ret = vfio_devstate_enc_section_begin(&sf->enc, VFIO_DEVSTATE_SEC_CHUNK,
					      VFIO_DEVSTATE_SF_MANDATORY, len,
					      ivdev->dev_ops->mem_bar, off,
					      sf->stage);
	if (ret)
		return ret;
	sf->stage_len = VFIO_DEVSTATE_SECTION_LEN;
	sf->mem_off = off;
	sf->chunk_left = len;
	sf->step = IVSHMEM_SAVE_PAYLOAD;
	return 1;
}

/* Stage the framing that comes next.  Returns 0, -ENOMSG or -errno. */
static int ivshmem_save_refill(struct ivshmem_save_file *sf)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	ssize_t n;
	int ret;

	sf->stage_off = 0;
	sf->stage_len = 0;
	switch (sf->step) {
	case IVSHMEM_SAVE_CHUNK:
		if (sf->stop_copy && !sf->state_sent) {
			n = vfio_devstate_enc_section(&sf->enc,
						      VFIO_DEVSTATE_SEC_DEVICE,
						      VFIO_DEVSTATE_SF_MANDATORY,
						      0, 0, sf->state,
						      ivdev->dev_ops->state_len,
						      sf->stage,
						      sizeof(sf->stage));
			if (n < 0)
				return n;
			sf->stage_len = n;
			sf->state_sent = true;
			return 0;
		}
		ret = ivshmem_save_next_chunk(sf);
		if (ret)
			return ret < 0 ? ret : 0;
		if (!sf->stop_copy)
			return -ENOMSG;	/* nothing dirty for now */
		ret = vfio_devstate_enc_end(&sf->enc, sf->stage);
		if (ret)
			return ret;
		sf->stage_len = VFIO_DEVSTATE_END_RECORD_LEN;
		sf->step = IVSHMEM_SAVE_DONE;
		return 0;
	case IVSHMEM_SAVE_PAYLOAD:
		ret = vfio_devstate_enc_section_end(&sf->enc, sf->stage);
		if (ret)
			return ret;
		sf->stage_len = VFIO_DEVSTATE_CRC_LEN;
		sf->step = IVSHMEM_SAVE_CHUNK;
		return 0;
	case IVSHMEM_SAVE_DONE:
		break;
	}
	return 0;
}

/*
 * Copy up to @len payload bytes from the BAR to @buf through the bounce
 * buffer: for a buffer whose pages cannot be pinned.
 */
static ssize_t ivshmem_save_payload_bounce(struct ivshmem_save_file *sf,
					   char __user *buf, size_t len)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	void __iomem *mem = ivdev_bar(ivdev, ivdev->dev_ops->mem_bar);
	size_t n, copied;
	u16 cmd;
	int ret;

	n = min_t(u64, min_t(u64, len, sf->chunk_left), IVSHMEM_BOUNCE_LEN);
	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret)
		return ret;
	memcpy_fromio(sf->bounce, mem + sf->mem_off, n);
	ivshmem_mem_access_end(ivdev, cmd);

	copied = n - copy_to_user(buf, sf->bounce, n);
	if (!copied)
		return -EFAULT;
	/* Only what the reader got counts towards the CRC and position. */
	ret = vfio_devstate_enc_section_data(&sf->enc, sf->bounce, copied);
	if (ret)
		return ret;
	sf->mem_off += copied;
	sf->chunk_left -= copied;
	return copied;
}

/*
 * Copy up to @len payload bytes from the BAR straight into the reader's
 * pages, pinned, then CRC them there while they are still in cache: each
 * byte is copied once.  Returns the bytes copied, 0 if the buffer cannot
 * be pinned (the caller bounces instead), or -errno.
 */
static ssize_t ivshmem_save_payload_direct(struct ivshmem_save_file *sf,
					   char __user *buf, size_t len)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	void __iomem *mem = ivdev_bar(ivdev, ivdev->dev_ops->mem_bar);
	unsigned long start = (unsigned long)buf;
	size_t head = offset_in_page(start);
	struct page *pages[IVSHMEM_PIN_PAGES];
	size_t n, seg, done;
	int nr, i, ret = 0;
	u16 cmd;

	n = min_t(u64, min_t(u64, len, sf->chunk_left),
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
		memcpy_fromio(p + (i ? 0 : head), mem + sf->mem_off + done,
			      seg);
		kunmap_local(p);
	}
	ivshmem_mem_access_end(ivdev, cmd);

	for (i = 0, done = 0; done < n; i++, done += seg) {
		u8 *p = kmap_local_page(pages[i]);

		seg = min_t(size_t, n - done, PAGE_SIZE - (i ? 0 : head));
		ret = vfio_devstate_enc_section_data(&sf->enc,
						     p + (i ? 0 : head), seg);
		kunmap_local(p);
		if (ret)
			goto out;
	}
	sf->mem_off += n;
	sf->chunk_left -= n;
out:
	unpin_user_pages_dirty_lock(pages, nr, !ret);
	return ret ? ret : n;
}

/* Copy up to @len payload bytes from the BAR to @buf. */
static ssize_t ivshmem_save_payload(struct ivshmem_save_file *sf,
				    char __user *buf, size_t len)
{
	ssize_t ret = ivshmem_save_payload_direct(sf, buf, len);

	return ret ? ret : ivshmem_save_payload_bounce(sf, buf, len);
}

static ssize_t ivshmem_save_read(struct file *filp, char __user *buf,
				 size_t len, loff_t *pos)
{
	struct ivshmem_save_file *sf = filp->private_data;
	ssize_t done = 0, ret = 0;
	size_t n;

	if (pos)
		return -ESPIPE;

	mutex_lock(&sf->lock);
	if (sf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	while (len) {
		if (sf->stage_off == sf->stage_len &&
		    !(sf->step == IVSHMEM_SAVE_PAYLOAD && sf->chunk_left)) {
			if (sf->step == IVSHMEM_SAVE_DONE) {
				if (!sf->ended)
					ivshmem_save_ended(sf);
				sf->ended = true;
				break;
			}
			ret = ivshmem_save_refill(sf);
			if (ret)
				break;
			continue;
		}
		if (sf->stage_off < sf->stage_len) {
			n = min(len, sf->stage_len - sf->stage_off);
			if (copy_to_user(buf + done, sf->stage + sf->stage_off,
					 n)) {
				ret = -EFAULT;
				break;
			}
			sf->stage_off += n;
		} else {
			ret = ivshmem_save_payload(sf, buf + done, len);
			if (ret < 0)
				break;
			n = ret;
		}
		done += n;
		len -= n;
		sf->pos += n;
	}
	if (done) {
		spin_lock(&sf->ivdev->stats_lock);
		sf->ivdev->stats.cur_bytes = sf->pos;
		sf->ivdev->stats.cur_passes = sf->passes + 1;
		spin_unlock(&sf->ivdev->stats_lock);
	}
out:
	mutex_unlock(&sf->lock);
	return done ? done : ret;
}

static long ivshmem_save_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct ivshmem_save_file *sf = filp->private_data;
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct vfio_precopy_info info = {};
	u64 pending;
	int ret;

	ret = ivshmem_precopy_info_in(&sf->ivdev->core_device.vdev, cmd, arg,
				      &info);
	if (ret)
		return ret;

	/*
	 * A current saving file is in PRE_COPY or PRE_COPY_P2P exactly until
	 * its registers are captured for STOP_COPY; a disabled one belongs
	 * to a migration that is over, and the device is in another state.
	 * The uAPI wants -EINVAL outside the PRE_COPY states.
	 */
	mutex_lock(&sf->lock);
	if (sf->disabled) {
		/* The device may be gone: do not touch it, not even to log. */
		ret = -EINVAL;
	} else if (sf->stop_copy) {
		dev_dbg_ratelimited(ivdev_dev(sf->ivdev),
				    "saving: PRECOPY_INFO in STOP_COPY\n");
		ret = -EINVAL;
	} else {
		down_read(&sf->ivdev->core_device.memory_lock);
		pending = ivshmem_save_pending(sf);
		up_read(&sf->ivdev->core_device.memory_lock);
		/*
		 * The initial data is the stream header, written once at
		 * the start: it never changes, so VFIO_PRECOPY_INFO_REINIT
		 * is never reported.
		 */
		if (sf->pos < sf->hdr_len)
			info.initial_bytes = sf->hdr_len - sf->pos;
		info.dirty_bytes = pending - info.initial_bytes;
	}
	mutex_unlock(&sf->lock);
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
	struct ivshmem_save_file *sf = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &sf->wq, wait);
	mutex_lock(&sf->lock);
	if (sf->disabled) {
		mask = EPOLLERR | EPOLLHUP;
	} else if (sf->stop_copy) {
		mask = EPOLLIN | EPOLLRDNORM;
	} else {
		down_read(&sf->ivdev->core_device.memory_lock);
		if (ivshmem_save_pending(sf))
			mask = EPOLLIN | EPOLLRDNORM;
		up_read(&sf->ivdev->core_device.memory_lock);
	}
	mutex_unlock(&sf->lock);
	return mask;
}

static int ivshmem_save_release(struct inode *inode, struct file *filp)
{
	struct ivshmem_save_file *sf = filp->private_data;

	kvfree(sf->bounce);
	kfree(sf->state);
	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

static const struct file_operations ivshmem_save_fops = {
	.owner = THIS_MODULE,
	.read = ivshmem_save_read,
	.poll = ivshmem_save_poll,
	.unlocked_ioctl = ivshmem_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = ivshmem_save_release,
};

/**
 * ivshmem_save_open - start a saving stream
 * @ivdev: the device, state_mutex held
 * @precopy: entering PRE_COPY (running); false for STOP_COPY (stopped)
 *
 * Returns the file, also kept in ivdev->saving, or an ERR_PTR.
 */
struct file *ivshmem_save_open(struct ivshmem_vfio_pci_device *ivdev,
			       bool precopy)
{
	struct vfio_devstate_desc *desc;
	struct ivshmem_save_file *sf;
	struct file *filp;
	ssize_t n;
	int ret;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	sf->state = kzalloc(ivdev->dev_ops->state_len, GFP_KERNEL_ACCOUNT);
	sf->bounce = kvmalloc(IVSHMEM_BOUNCE_LEN, GFP_KERNEL_ACCOUNT);
	if (!sf->state || !sf->bounce) {
		ret = -ENOMEM;
		goto err_free;
	}
	mutex_init(&sf->lock);
	init_waitqueue_head(&sf->wq);
	sf->ivdev = ivdev;
	sf->step = IVSHMEM_SAVE_CHUNK;
	vfio_devstate_enc_init(&sf->enc);
	/* The header says whether chunks may be resent (informational). */
	desc = kmemdup(&ivdev->desc, sizeof(*desc), GFP_KERNEL);
	if (!desc) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (precopy)
		desc->flags |= VFIO_DEVSTATE_HF_PRECOPY;
	n = vfio_devstate_enc_header(&sf->enc, desc, ivdev->emit_minor,
				     sf->stage, sizeof(sf->stage));
	kfree(desc);
	if (n < 0) {
		ret = n;
		dev_err(ivdev_dev(ivdev), "saving: cannot encode header: %d\n",
			ret);
		goto err_free;
	}
	sf->stage_len = n;
	sf->hdr_len = n;

	filp = anon_inode_getfile("ivshmem_vfio_save", &ivshmem_save_fops, sf,
				  O_RDONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_free;
	}
	sf->filp = filp;
	stream_open(filp->f_inode, filp);

	/* Every page is to be sent; while running, track what is written. */
	ivshmem_dirty_start(ivdev, precopy, &sf->wq);
	spin_lock(&ivdev->stats_lock);
	ivdev->stats.cur_bytes = 0;
	ivdev->stats.cur_passes = 0;
	spin_unlock(&ivdev->stats_lock);
	if (!precopy) {
		ret = ivshmem_save_capture(sf);
		if (ret) {
			fput(filp);	/* frees sf */
			return ERR_PTR(ret);
		}
		ivshmem_save_note_stop(sf);
	}
	ivdev->saving = sf;
	return filp;

err_free:
	kvfree(sf->bounce);
	kfree(sf->state);
	kfree(sf);
	return ERR_PTR(ret);
}
