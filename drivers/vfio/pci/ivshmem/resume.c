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
#include "compat.h"

/* Granule in which chunks must cover the memory BAR. */
#define IVSHMEM_COVER_SHIFT	PAGE_SHIFT

static void ivshmem_set_last_error(struct ivshmem_vfio_pci_device *ivdev,
				   const char *msg)
{
	spin_lock(&ivdev->err_lock);
	strscpy(ivdev->last_error, msg, sizeof(ivdev->last_error));
	spin_unlock(&ivdev->err_lock);
}

/**
 * ivshmem_clear_last_error - forget why the last stream was refused
 * @ivdev: the device
 *
 * When RESUMING begins: last_error is about the stream that comes now.
 */
void ivshmem_clear_last_error(struct ivshmem_vfio_pci_device *ivdev)
{
	ivshmem_set_last_error(ivdev, "");
}

/* Record and log a refusal; returns @err. */
static int ivshmem_resume_refuse(struct ivshmem_migration_file *migf, int err,
				 const char *what, const char *msg)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	char line[VFIO_DEVSTATE_MSG_LEN];

	migf->error = err;
	dev_err(ivdev_dev(ivdev), "resume refused: %s: %s (errno %d)\n",
		what, msg, -err);
	/* The class by its short name, then why: what the log says. */
	scnprintf(line, sizeof(line), "%s: %s", what, msg);
	ivshmem_set_last_error(ivdev, line);
	return err;
}

/* The decoder failed: say why in its words, or in ours. */
static int ivshmem_resume_dec_failed(struct ivshmem_migration_file *migf, int err)
{
	const struct vfio_devstate_reason *r = vfio_devstate_dec_error(migf->dec);
	const char *msg = r->msg;

	if (r->code == VFIO_DEVSTATE_R_CALLBACK && migf->msg[0])
		msg = migf->msg;
	return ivshmem_resume_refuse(migf, err, vfio_devstate_reason_name(r->code),
				     msg);
}

static int ivshmem_resume_section_start(void *priv,
					const struct vfio_devstate_sec *sec)
{
	struct ivshmem_migration_file *migf = priv;
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	u64 granule = 1ULL << IVSHMEM_COVER_SHIFT;

	switch (sec->type) {
	case VFIO_DEVSTATE_SEC_DEVICE:
		if (sec->index || sec->length != IVSHMEM_STATE_LEN) {
			snprintf(migf->msg, sizeof(migf->msg),
				 "device section %u at 0x%llx: index %u length %llu, expected index 0 length %d",
				 sec->seq, sec->stream_off, sec->index,
				 sec->length, IVSHMEM_STATE_LEN);
			return -EINVAL;
		}
		return 0;
	case VFIO_DEVSTATE_SEC_CHUNK:
		/* The decoder checked index and range against region_size. */
		if (!IS_ALIGNED(sec->offset, granule) ||
		    (!IS_ALIGNED(sec->length, granule) &&
		     sec->offset + sec->length != ivdev->mem_size)) {
			snprintf(migf->msg, sizeof(migf->msg),
				 "chunk section %u at 0x%llx: range 0x%llx+0x%llx not aligned to 0x%llx",
				 sec->seq, sec->stream_off, sec->offset,
				 sec->length, granule);
			return -EINVAL;
		}
		migf->staged = sec->length <= IVSHMEM_STAGE_LEN;
		return 0;
	default:
		return VFIO_DEVSTATE_SKIP;
	}
}

static int ivshmem_resume_payload(void *priv,
				  const struct vfio_devstate_sec *sec,
				  u64 off, const void *data, size_t len)
{
	struct ivshmem_migration_file *migf = priv;
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	u16 cmd;
	int ret;

	if (sec->type == VFIO_DEVSTATE_SEC_DEVICE) {
		memcpy(migf->state + off, data, len);
		return 0;
	}
	if (migf->staged) {
		/* ivshmem_resume_feed() copied it in place already. */
		if (data != migf->chunk + off)
			memcpy(migf->chunk + off, data, len);
		return 0;
	}

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret) {
		snprintf(migf->msg, sizeof(migf->msg),
			 "device memory not accessible (function not in D0)");
		return ret;
	}
	memcpy_toio(ivdev_bar(ivdev, sec->index) + sec->offset + off, data,
		    len);
	ivshmem_mem_access_end(ivdev, cmd);
	return 0;
}

/* A staged chunk passed its CRC check: write it to the BAR. */
static int ivshmem_resume_apply_chunk(struct ivshmem_migration_file *migf,
				      const struct vfio_devstate_sec *sec)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	u16 cmd;
	int ret;

	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret) {
		snprintf(migf->msg, sizeof(migf->msg),
			 "device memory not accessible (function not in D0)");
		return ret;
	}
	memcpy_toio(ivdev_bar(ivdev, sec->index) + sec->offset, migf->chunk,
		    sec->length);
	ivshmem_mem_access_end(ivdev, cmd);
	return 0;
}

static int ivshmem_resume_section_end(void *priv,
				      const struct vfio_devstate_sec *sec)
{
	struct ivshmem_migration_file *migf = priv;
	int ret;

	if (sec->type == VFIO_DEVSTATE_SEC_DEVICE) {
		migf->state_seen = true;
		return 0;
	}
	if (migf->staged) {
		ret = ivshmem_resume_apply_chunk(migf, sec);
		if (ret)
			return ret;
	}
	bitmap_set(migf->covered, sec->offset >> IVSHMEM_COVER_SHIFT,
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
 * a framing part (so that payload to stage is never bounced).  A piece is
 * at most IVSHMEM_BOUNCE_LEN bytes either way, so the decoder's CRC reads
 * what the copy just wrote, still in cache.  Returns the bytes consumed or
 * -errno; the decoder's error once it refused.
 */
static ssize_t ivshmem_resume_feed(struct ivshmem_migration_file *migf,
				   const char __user *buf, size_t len)
{
	const struct vfio_devstate_sec *sec;
	u64 next = vfio_devstate_dec_next(migf->dec, &sec);
	void *dst = migf->bounce;
	size_t n;
	int ret;

	n = min_t(size_t, len, IVSHMEM_BOUNCE_LEN);
	if (next && next < n)
		n = next;
	if (sec && sec->type == VFIO_DEVSTATE_SEC_CHUNK && migf->staged)
		dst = migf->chunk + (sec->length - next);
	if (copy_from_user(dst, buf, n))
		return -EFAULT;
	ret = vfio_devstate_dec_feed(migf->dec, dst, n);
	return ret < 0 ? ret : n;
}

static ssize_t ivshmem_resume_write(struct file *filp, const char __user *buf,
				    size_t len, loff_t *pos)
{
	struct ivshmem_migration_file *migf = filp->private_data;
	ssize_t done = 0, n;
	int ret = 0;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	if (migf->error) {
		ret = migf->error;
		goto out;
	}
	while (len) {
		n = ivshmem_resume_feed(migf, buf + done, len);
		if (n == -EFAULT) {
			ret = n;
			break;
		}
		if (n < 0) {
			ret = n;
			ivshmem_resume_dec_failed(migf, ret);
			/* The write that completes a refused part fails. */
			done = 0;
			break;
		}
		done += n;
		len -= n;
	}
out:
	mutex_unlock(&migf->lock);
	return done ? done : ret;
}

/*
 * The last step of RESUMING -> STOP, once the whole stream is in: write
 * the register state.  It fails only if the function left D0 meanwhile,
 * or where fault injection says so (debugfs fail_resume_apply, for the
 * ERROR-state test).
 */
static int ivshmem_resume_apply(struct ivshmem_migration_file *migf)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	u16 cmd;
	int ret;

	if (ivshmem_should_fail_resume_apply())
		return -EIO;
	ret = ivshmem_mem_access_begin(ivdev, &cmd);
	if (ret)
		return ret;
	ret = ivshmem_regs_load(ivdev, migf->state);
	ivshmem_mem_access_end(ivdev, cmd);
	return ret;
}

/**
 * ivshmem_resume_finish - RESUMING -> STOP: check the stream, apply it
 * @migf: the current resuming file, state_mutex held
 * @state_lost: set if it failed after the device was written: the device
 *	then holds part of the stream's state and part of its own, a state
 *	of neither end of the migration
 *
 * Return: 0, or the errno the stream was refused with (sticky).
 */
int ivshmem_resume_finish(struct ivshmem_migration_file *migf,
			  bool *state_lost)
{
	struct ivshmem_vfio_pci_device *ivdev = migf->ivdev;
	char msg[VFIO_DEVSTATE_MSG_LEN];
	unsigned long hole;
	int ret;

	lockdep_assert_held(&ivdev->state_mutex);
	*state_lost = false;
	mutex_lock(&migf->lock);
	ret = migf->error;
	if (ret) {
		/* Logged when refused; user space may retry in a loop. */
		dev_err_ratelimited(ivdev_dev(ivdev),
				    "resume refused: the stream was refused earlier (errno %d)\n",
				    -ret);
		goto out;
	}
	ret = vfio_devstate_dec_finish(migf->dec);
	if (ret) {
		ret = ivshmem_resume_dec_failed(migf, ret);
		goto out;
	}
	if (!migf->state_seen) {
		ret = ivshmem_resume_refuse(migf, -ENODATA, "incomplete",
					    "stream has no device section");
		goto out;
	}
	hole = find_first_zero_bit(migf->covered, migf->nr_granules);
	if (hole < migf->nr_granules) {
		snprintf(msg, sizeof(msg),
			 "stream leaves device memory at 0x%llx unwritten",
			 (u64)hole << IVSHMEM_COVER_SHIFT);
		ret = ivshmem_resume_refuse(migf, -ENODATA, "incomplete", msg);
		goto out;
	}
	ret = ivshmem_resume_apply(migf);
	if (ret) {
		/* BAR2 holds the stream's memory, the registers are not. */
		*state_lost = true;
		snprintf(msg, sizeof(msg),
			 "cannot write the register state (%d)", ret);
		ret = ivshmem_resume_refuse(migf, ret,
					    vfio_devstate_reason_name(VFIO_DEVSTATE_R_CALLBACK),
					    msg);
	}
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations ivshmem_resume_fops = {
	.owner = THIS_MODULE,
	.write = ivshmem_resume_write,
	.release = ivshmem_migf_release,
};

/**
 * ivshmem_resume_open - start a resuming stream
 * @ivdev: the device, state_mutex held
 *
 * Return: the new data file (ivdev->resuming is its state), or an ERR_PTR.
 */
struct file *ivshmem_resume_open(struct ivshmem_vfio_pci_device *ivdev)
{
	struct ivshmem_migration_file *migf;
	struct file *filp;
	int ret = -ENOMEM;

	lockdep_assert_held(&ivdev->state_mutex);
	migf = ivshmem_migf_alloc(ivdev);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	migf->nr_granules = DIV_ROUND_UP_ULL(ivdev->mem_size,
					     1ULL << IVSHMEM_COVER_SHIFT);
	migf->covered = bitmap_zalloc(migf->nr_granules, GFP_KERNEL_ACCOUNT);
	migf->dec = kvzalloc_obj(*migf->dec, GFP_KERNEL_ACCOUNT);
	migf->chunk = kvmalloc(IVSHMEM_STAGE_LEN, GFP_KERNEL_ACCOUNT);
	if (!migf->covered || !migf->dec || !migf->chunk)
		goto err_free;

	migf->region_size[IVSHMEM_MEM_BAR] = ivdev->mem_size;
	vfio_devstate_dec_init(migf->dec, &ivshmem_resume_dec_ops, migf);
	vfio_devstate_dec_set_local(migf->dec, &ivdev->desc);
	vfio_devstate_dec_set_regions(migf->dec, migf->region_size,
				      IVSHMEM_NR_REGIONS);

	filp = anon_inode_getfile("ivshmem_vfio_resume", &ivshmem_resume_fops,
				  migf, O_WRONLY);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_free;
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);
	ivdev->resuming = migf;
	return filp;

err_free:
	ivshmem_migf_free(migf);
	return ERR_PTR(ret);
}
