// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resuming data file: accepts a vfio-devstate stream in writes of any
 * size and applies it.
 *
 * The stream's header is checked against this device's descriptor as soon
 * as its last byte arrives: an incompatible stream is refused by that
 * write(), with the errno of its rejection class, a dev_err line naming
 * the field and both values, and the reason kept for sysfs.  A chunk's
 * payload is copied from the writer straight into a staging buffer of
 * IVSHMEM_STAGE_LEN bytes and written to the memory BAR only once its
 * trailer CRC matched: a chunk whose range or CRC is bad never writes the
 * device.  (A chunk longer than that, which this driver never writes, is
 * written through as it arrives.)  The register state is kept until
 * RESUMING -> STOP, which checks that the stream was complete (end
 * record, device section, every byte of the memory covered, every CRC
 * good) before applying it.  Any refusal is sticky for this file;
 * VFIO_DEVICE_RESET brings the device back to RUNNING, ready for a new
 * RESUMING.
 */

#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "common.h"

/* Bytes copied from user space per decoder call. */
#define IVSHMEM_BOUNCE_LEN	SZ_128K
/* Longest chunk staged until its CRC is checked: all that save.c writes. */
#define IVSHMEM_STAGE_LEN	IVSHMEM_CHUNK_LEN
/* Granule in which chunks must cover the memory BAR. */
#define IVSHMEM_COVER_SHIFT	PAGE_SHIFT
#define IVSHMEM_NR_REGIONS	(PCI_STD_NUM_BARS)

/**
 * struct ivshmem_resume_file - one resuming data file
 * @filp: the file; ivdev->resuming holds a reference while it is current
 * @ivdev: the device; not touched once @disabled
 * @lock: serialises writers and the calls below
 * @disabled: the file is no longer current: every call fails
 * @error: negative errno once the stream was refused (sticky)
 * @state_seen: the device section arrived with a good CRC
 * @nr_granules: bits in @covered
 * @covered: memory granules written by chunks whose CRC was good
 * @dec: decoder state
 * @region_size: size of each region a chunk may address (by BAR index)
 * @bounce: IVSHMEM_BOUNCE_LEN bytes from the writer
 * @stage: IVSHMEM_STAGE_LEN bytes: the open chunk's payload, until its CRC
 *         is checked
 * @staged: the open chunk is staged in @stage (else written through)
 * @state: the device section's payload
 * @msg: our own reason when a callback refuses a section
 */
struct ivshmem_resume_file {
	struct file *filp;
	struct ivshmem_vfio_pci_device *ivdev;
	struct mutex lock;	/* everything below, and disabled */
	bool disabled;
	int error;
	bool state_seen;
	u64 nr_granules;
	unsigned long *covered;
	struct vfio_devstate_dec *dec;
	u64 region_size[IVSHMEM_NR_REGIONS];
	void *bounce;
	u8 *stage;
	bool staged;
	u8 *state;
	char msg[VFIO_DEVSTATE_MSG_LEN];
};

struct file *ivshmem_resume_filp(struct ivshmem_resume_file *rf)
{
	return rf->filp;
}

void ivshmem_resume_disable(struct ivshmem_resume_file *rf)
{
	mutex_lock(&rf->lock);
	rf->disabled = true;
	mutex_unlock(&rf->lock);
}

/* Record and log a refusal; returns @err. */
static int ivshmem_resume_refuse(struct ivshmem_resume_file *rf, int err,
				 const char *what, const char *msg)
{
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	char line[VFIO_DEVSTATE_MSG_LEN];

	rf->error = err;
	dev_err(ivdev_dev(ivdev), "resume refused: %s: %s (errno %d)\n",
		what, msg, -err);
	/* The class by its short name, then why: what the log says. */
	scnprintf(line, sizeof(line), "%s: %s", what, msg);
	ivshmem_set_last_error(ivdev, line);
	return err;
}

/* The decoder failed: say why in its words, or in ours. */
static int ivshmem_resume_dec_failed(struct ivshmem_resume_file *rf, int err)
{
	const struct vfio_devstate_reason *r = vfio_devstate_dec_error(rf->dec);
	const char *msg = r->msg;

	if (r->code == VFIO_DEVSTATE_R_CALLBACK && rf->msg[0])
		msg = rf->msg;
	return ivshmem_resume_refuse(rf, err, vfio_devstate_reason_name(r->code),
				     msg);
}

static int ivshmem_resume_section_start(void *priv,
					const struct vfio_devstate_sec *sec)
{
	struct ivshmem_resume_file *rf = priv;
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	u64 granule = 1ULL << IVSHMEM_COVER_SHIFT;

	switch (sec->type) {
	case VFIO_DEVSTATE_SEC_DEVICE:
		if (sec->index || sec->length != ivdev->dev_ops->state_len) {
			snprintf(rf->msg, sizeof(rf->msg),
				 "device section %u at 0x%llx: index %u length %llu, expected index 0 length %zu",
				 sec->seq, sec->stream_off, sec->index,
				 sec->length, ivdev->dev_ops->state_len);
			return -EINVAL;
		}
		return 0;
	case VFIO_DEVSTATE_SEC_CHUNK:
		/* The decoder checked index and range against region_size. */
		if (!IS_ALIGNED(sec->offset, granule) ||
		    (!IS_ALIGNED(sec->length, granule) &&
		     sec->offset + sec->length != ivdev->mem_size)) {
			snprintf(rf->msg, sizeof(rf->msg),
				 "chunk section %u at 0x%llx: range 0x%llx+0x%llx not aligned to 0x%llx",
				 sec->seq, sec->stream_off, sec->offset,
				 sec->length, granule);
			return -EINVAL;
		}
		rf->staged = sec->length <= IVSHMEM_STAGE_LEN;
		return 0;
	default:
		return VFIO_DEVSTATE_SKIP;
	}
}

static int ivshmem_resume_payload(void *priv,
				  const struct vfio_devstate_sec *sec,
				  u64 off, const void *data, size_t len)
{
	struct ivshmem_resume_file *rf = priv;
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	u16 cmd;
	int ret;

	if (sec->type == VFIO_DEVSTATE_SEC_DEVICE) {
		memcpy(rf->state + off, data, len);
		return 0;
	}
	if (rf->staged) {
		/* ivshmem_resume_feed() copied it in place already. */
		if (data != rf->stage + off)
			memcpy(rf->stage + off, data, len);
		return 0;
	}

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret) {
		snprintf(rf->msg, sizeof(rf->msg),
			 "device memory not accessible (function not in D0)");
		return ret;
	}
	memcpy_toio(ivdev_bar(ivdev, sec->index) + sec->offset + off, data,
		    len);
	ivshmem_mem_access_end(ivdev, cmd);
	return 0;
}

/* A staged chunk passed its CRC check: write it to the BAR. */
static int ivshmem_resume_apply_chunk(struct ivshmem_resume_file *rf,
				      const struct vfio_devstate_sec *sec)
{
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	u16 cmd;
	int ret;

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret) {
		snprintf(rf->msg, sizeof(rf->msg),
			 "device memory not accessible (function not in D0)");
		return ret;
	}
	memcpy_toio(ivdev_bar(ivdev, sec->index) + sec->offset, rf->stage,
		    sec->length);
	ivshmem_mem_access_end(ivdev, cmd);
	return 0;
}

static int ivshmem_resume_section_end(void *priv,
				      const struct vfio_devstate_sec *sec)
{
	struct ivshmem_resume_file *rf = priv;
	int ret;

	if (sec->type == VFIO_DEVSTATE_SEC_DEVICE) {
		rf->state_seen = true;
		return 0;
	}
	if (rf->staged) {
		ret = ivshmem_resume_apply_chunk(rf, sec);
		if (ret)
			return ret;
	}
	bitmap_set(rf->covered, sec->offset >> IVSHMEM_COVER_SHIFT,
		   DIV_ROUND_UP_ULL(sec->length, 1ULL << IVSHMEM_COVER_SHIFT));
	return 0;
}

static const struct vfio_devstate_dec_ops ivshmem_resume_dec_ops = {
	.section_start = ivshmem_resume_section_start,
	.payload = ivshmem_resume_payload,
	.section_end = ivshmem_resume_section_end,
};

/*
 * Copy the next piece of @buf from the writer and feed it to the decoder:
 * the payload of a staged chunk straight to its place in the staging
 * buffer, anything else through the bounce buffer, never past the end of
 * a framing part (so that payload to stage is never bounced).  Returns the
 * bytes consumed or -errno; the decoder's error once it refused.
 */
static ssize_t ivshmem_resume_feed(struct ivshmem_resume_file *rf,
				   const char __user *buf, size_t len)
{
	const struct vfio_devstate_sec *sec;
	u64 next = vfio_devstate_dec_next(rf->dec, &sec);
	void *dst = rf->bounce;
	size_t n;
	int ret;

	if (sec && sec->type == VFIO_DEVSTATE_SEC_CHUNK && rf->staged) {
		n = min_t(u64, len, next);
		dst = rf->stage + (sec->length - next);
	} else {
		n = min_t(size_t, len, IVSHMEM_BOUNCE_LEN);
		if (next && next < n)
			n = next;
	}
	if (copy_from_user(dst, buf, n))
		return -EFAULT;
	ret = vfio_devstate_dec_feed(rf->dec, dst, n);
	return ret < 0 ? ret : n;
}

static ssize_t ivshmem_resume_write(struct file *filp, const char __user *buf,
				    size_t len, loff_t *pos)
{
	struct ivshmem_resume_file *rf = filp->private_data;
	ssize_t done = 0, n;
	int ret = 0;

	if (pos)
		return -ESPIPE;

	mutex_lock(&rf->lock);
	if (rf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	if (rf->error) {
		ret = rf->error;
		goto out;
	}
	while (len) {
		n = ivshmem_resume_feed(rf, buf + done, len);
		if (n == -EFAULT) {
			ret = n;
			break;
		}
		if (n < 0) {
			ret = n;
			ivshmem_resume_dec_failed(rf, ret);
			/* The write that completes a refused part fails. */
			done = 0;
			break;
		}
		done += n;
		len -= n;
	}
out:
	mutex_unlock(&rf->lock);
	return done ? done : ret;
}

/*
 * The last step of RESUMING -> STOP, once the whole stream is in: write
 * the register state.  It fails only if the function left D0 meanwhile,
 * or where fault injection says so (debugfs fail_resume_apply, for the
 * ERROR-state test).
 */
static int ivshmem_resume_apply(struct ivshmem_resume_file *rf)
{
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	u16 cmd;
	int ret;

	if (ivshmem_should_fail_resume_apply())
		return -EIO;
	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret)
		return ret;
	ret = ivdev->dev_ops->load_state(ivdev, rf->state);
	ivshmem_mem_access_end(ivdev, cmd);
	return ret;
}

/**
 * ivshmem_resume_finish - RESUMING -> STOP: check the stream, apply it
 * @rf: the current resuming file, state_mutex held
 * @state_lost: set if it failed after the device was written: the device
 *	then holds part of the stream's state and part of its own, a state
 *	of neither end of the migration
 */
int ivshmem_resume_finish(struct ivshmem_resume_file *rf, bool *state_lost)
{
	struct ivshmem_vfio_pci_device *ivdev = rf->ivdev;
	char msg[VFIO_DEVSTATE_MSG_LEN];
	unsigned long hole;
	int ret;

	*state_lost = false;
	mutex_lock(&rf->lock);
	ret = rf->error;
	if (ret) {
		/* Logged when refused; user space may retry in a loop. */
		dev_err_ratelimited(ivdev_dev(ivdev),
				    "resume refused: the stream was refused earlier (errno %d)\n",
				    -ret);
		goto out;
	}
	ret = vfio_devstate_dec_finish(rf->dec);
	if (ret) {
		ret = ivshmem_resume_dec_failed(rf, ret);
		goto out;
	}
	if (!rf->state_seen) {
		ret = ivshmem_resume_refuse(rf, -ENODATA, "incomplete",
					    "stream has no device section");
		goto out;
	}
	hole = find_first_zero_bit(rf->covered, rf->nr_granules);
	if (hole < rf->nr_granules) {
		snprintf(msg, sizeof(msg),
			 "stream leaves device memory at 0x%llx unwritten",
			 (u64)hole << IVSHMEM_COVER_SHIFT);
		ret = ivshmem_resume_refuse(rf, -ENODATA, "incomplete", msg);
		goto out;
	}
	ret = ivshmem_resume_apply(rf);
	if (ret) {
		/* BAR2 holds the stream's memory, the registers are not. */
		*state_lost = true;
		snprintf(msg, sizeof(msg),
			 "cannot write the register state (%d)", ret);
		ret = ivshmem_resume_refuse(rf, ret,
					    vfio_devstate_reason_name(VFIO_DEVSTATE_R_CALLBACK),
					    msg);
	}
out:
	mutex_unlock(&rf->lock);
	return ret;
}

static int ivshmem_resume_release(struct inode *inode, struct file *filp)
{
	struct ivshmem_resume_file *rf = filp->private_data;

	kvfree(rf->dec);
	bitmap_free(rf->covered);
	kvfree(rf->bounce);
	kvfree(rf->stage);
	kfree(rf->state);
	mutex_destroy(&rf->lock);
	kfree(rf);
	return 0;
}

static const struct file_operations ivshmem_resume_fops = {
	.owner = THIS_MODULE,
	.write = ivshmem_resume_write,
	.release = ivshmem_resume_release,
};

/**
 * ivshmem_resume_open - start a resuming stream
 * @ivdev: the device, state_mutex held
 *
 * Returns the file, also kept in ivdev->resuming, or an ERR_PTR.
 */
struct file *ivshmem_resume_open(struct ivshmem_vfio_pci_device *ivdev)
{
	struct ivshmem_resume_file *rf;
	struct file *filp;
	int ret = -ENOMEM;

	rf = kzalloc(sizeof(*rf), GFP_KERNEL_ACCOUNT);
	if (!rf)
		return ERR_PTR(-ENOMEM);
	rf->nr_granules = DIV_ROUND_UP_ULL(ivdev->mem_size,
					   1ULL << IVSHMEM_COVER_SHIFT);
	rf->covered = bitmap_zalloc(rf->nr_granules, GFP_KERNEL_ACCOUNT);
	rf->dec = kvzalloc(sizeof(*rf->dec), GFP_KERNEL_ACCOUNT);
	rf->bounce = kvmalloc(IVSHMEM_BOUNCE_LEN, GFP_KERNEL_ACCOUNT);
	rf->stage = kvmalloc(IVSHMEM_STAGE_LEN, GFP_KERNEL_ACCOUNT);
	rf->state = kzalloc(ivdev->dev_ops->state_len, GFP_KERNEL_ACCOUNT);
	if (!rf->covered || !rf->dec || !rf->bounce || !rf->stage ||
	    !rf->state)
		goto err_free;

	mutex_init(&rf->lock);
	rf->ivdev = ivdev;
	rf->region_size[ivdev->dev_ops->mem_bar] = ivdev->mem_size;
	vfio_devstate_dec_init(rf->dec, &ivshmem_resume_dec_ops, rf);
	vfio_devstate_dec_set_local(rf->dec, &ivdev->desc);
	vfio_devstate_dec_set_regions(rf->dec, rf->region_size,
				      IVSHMEM_NR_REGIONS);

	filp = anon_inode_getfile("ivshmem_vfio_resume", &ivshmem_resume_fops,
				  rf, O_WRONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		mutex_destroy(&rf->lock);
		goto err_free;
	}
	rf->filp = filp;
	stream_open(filp->f_inode, filp);
	ivdev->resuming = rf;
	return filp;

err_free:
	kvfree(rf->dec);
	bitmap_free(rf->covered);
	kvfree(rf->bounce);
	kvfree(rf->stage);
	kfree(rf->state);
	kfree(rf);
	return ERR_PTR(ret);
}
