// SPDX-License-Identifier: GPL-2.0-only
/*
 * The saving data file: the device state as a vfio-devstate stream.
 *
 *	header          initial_bytes of PRE_COPY: the destination can check
 *	                compatibility before the source stops
 *	device section  the register state, captured on entering STOP_COPY
 *	chunk sections  the memory BAR, IVSHMEM_CHUNK_LEN bytes each, copied
 *	                from the BAR to the reader's buffer through a small
 *	                bounce buffer as the reader asks for it: device memory
 *	                is never staged whole in kernel memory
 *	end record
 *
 * The stream is produced lazily, in order, by read(); the section CRCs are
 * computed over the bytes as they are handed out.  ivshmem-plain cannot
 * track which pages of its memory the guest dirties, so PRE_COPY carries
 * only the header and reports no dirty bytes; memory moves in STOP_COPY.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "common.h"

/* Bounce buffer between the BAR and the reader. */
#define IVSHMEM_BOUNCE_LEN	SZ_128K

enum ivshmem_save_step {
	IVSHMEM_SAVE_DEVICE,	/* next: the device section */
	IVSHMEM_SAVE_CHUNK,	/* next: a chunk header, or the end record */
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
 * @step: what comes once @stage is drained
 * @enc: encoder state
 * @total: bytes of the whole stream
 * @pos: bytes handed out so far
 * @mem_off: region offset of the next memory byte to stream
 * @chunk_left: payload bytes of the open chunk not yet handed out
 * @stage_len: bytes in @stage
 * @stage_off: bytes of @stage already handed out
 * @bounce: IVSHMEM_BOUNCE_LEN bytes between BAR and user buffer
 * @state: the device section's payload, captured on entering STOP_COPY
 * @stage: framing bytes waiting to be read (header, section headers,
 *         trailers, end record)
 */
struct ivshmem_save_file {
	struct file *filp;
	struct ivshmem_vfio_pci_device *ivdev;
	struct mutex lock;	/* everything below, and disabled */
	bool disabled;
	bool stop_copy;
	enum ivshmem_save_step step;
	struct vfio_devstate_enc enc;
	u64 total;
	u64 pos;
	u64 mem_off;
	u64 chunk_left;
	size_t stage_len;
	size_t stage_off;
	void *bounce;
	u8 *state;
	u8 stage[VFIO_DEVSTATE_HDR_MAX];
};

struct file *ivshmem_save_filp(struct ivshmem_save_file *sf)
{
	return sf->filp;
}

void ivshmem_save_disable(struct ivshmem_save_file *sf)
{
	mutex_lock(&sf->lock);
	sf->disabled = true;
	mutex_unlock(&sf->lock);
}

u64 ivshmem_save_remaining(struct ivshmem_save_file *sf)
{
	u64 left;

	mutex_lock(&sf->lock);
	left = sf->total - sf->pos;
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
	mutex_unlock(&sf->lock);
	return ret;
}

/* Stage the framing that comes next.  Returns 0, -ENOMSG or -errno. */
static int ivshmem_save_refill(struct ivshmem_save_file *sf)
{
	struct ivshmem_vfio_pci_device *ivdev = sf->ivdev;
	u64 len;
	ssize_t n;
	int ret;

	sf->stage_off = 0;
	sf->stage_len = 0;
	switch (sf->step) {
	case IVSHMEM_SAVE_DEVICE:
		if (!sf->stop_copy)
			return -ENOMSG;	/* pre-copy data drained for now */
		n = vfio_devstate_enc_section(&sf->enc, VFIO_DEVSTATE_SEC_DEVICE,
					      VFIO_DEVSTATE_SF_MANDATORY, 0, 0,
					      sf->state,
					      ivdev->dev_ops->state_len,
					      sf->stage, sizeof(sf->stage));
		if (n < 0)
			return n;
		sf->stage_len = n;
		sf->step = IVSHMEM_SAVE_CHUNK;
		return 0;
	case IVSHMEM_SAVE_CHUNK:
		if (sf->mem_off < ivdev->mem_size) {
			len = min_t(u64, IVSHMEM_CHUNK_LEN,
				    ivdev->mem_size - sf->mem_off);
			ret = vfio_devstate_enc_section_begin(&sf->enc, VFIO_DEVSTATE_SEC_CHUNK,
							      VFIO_DEVSTATE_SF_MANDATORY, len,
							      ivdev->dev_ops->mem_bar,
							      sf->mem_off, sf->stage);
			if (ret)
				return ret;
			sf->stage_len = VFIO_DEVSTATE_SECTION_LEN;
			sf->chunk_left = len;
			sf->step = IVSHMEM_SAVE_PAYLOAD;
			return 0;
		}
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

/* Copy up to @len payload bytes from the BAR to @buf. */
static ssize_t ivshmem_save_payload(struct ivshmem_save_file *sf,
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
			if (sf->step == IVSHMEM_SAVE_DONE)
				break;
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
out:
	mutex_unlock(&sf->lock);
	return done ? done : ret;
}

static long ivshmem_save_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct ivshmem_save_file *sf = filp->private_data;
	struct vfio_precopy_info info = {};
	unsigned long minsz;
	int ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;

	minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	/*
	 * A current saving file is in PRE_COPY or PRE_COPY_P2P exactly until
	 * its registers are captured for STOP_COPY; a disabled one belongs
	 * to a migration that is over.  Both are known under sf->lock,
	 * without touching the device, which may be gone once disabled.
	 */
	mutex_lock(&sf->lock);
	if (sf->disabled) {
		ret = -ENODEV;
	} else if (sf->stop_copy) {
		ret = -EINVAL;
	} else {
		/* Only the header is pre-copy data; nothing is ever dirty. */
		info.initial_bytes = sf->stage_len - sf->stage_off;
		info.dirty_bytes = 0;
	}
	mutex_unlock(&sf->lock);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
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
	sf->ivdev = ivdev;
	sf->step = IVSHMEM_SAVE_DEVICE;
	vfio_devstate_enc_init(&sf->enc);
	n = vfio_devstate_enc_header(&sf->enc, &ivdev->desc, ivdev->emit_minor,
				     sf->stage, sizeof(sf->stage));
	if (n < 0) {
		ret = n;
		dev_err(ivdev_dev(ivdev), "saving: cannot encode header: %d\n",
			ret);
		goto err_free;
	}
	sf->stage_len = n;
	sf->total = ivshmem_stream_len(ivdev, ivdev->emit_minor);

	if (!precopy) {
		ret = ivshmem_save_capture(sf);
		if (ret)
			goto err_free;
	}

	filp = anon_inode_getfile("ivshmem_vfio_save", &ivshmem_save_fops, sf,
				  O_RDONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_free;
	}
	sf->filp = filp;
	stream_open(filp->f_inode, filp);
	ivdev->saving = sf;
	return filp;

err_free:
	kvfree(sf->bounce);
	kfree(sf->state);
	kfree(sf);
	return ERR_PTR(ret);
}
