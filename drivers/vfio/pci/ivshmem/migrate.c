// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO migration v2 state machine of a vfio_pci_core device that
 * streams its state in the vfio-devstate format: which arcs do what.  The
 * data files are save.c's and resume.c's; their stream is theirs too.
 *
 * Locking: state_mutex serialises state changes and the life of the data
 * files.  reset_done runs with vfio_pci_core's memory_lock held for write
 * (VFIO_DEVICE_RESET, hot reset), while the data files and the BAR access
 * paths wait for memory_lock with their own locks held (a file's lock,
 * access_rwsem), and a state_mutex holder may wait for those.  So
 * reset_done takes none of them: it only records a deferred reset, which
 * the next state_mutex holder applies when it locks or unlocks
 * (ivshmem_state_mutex_lock(), ivshmem_state_mutex_unlock()), and which the
 * reset ioctls apply themselves once the core has dropped memory_lock
 * (ivshmem_mig_reset_sync()).
 */

#include <linux/file.h>
#include <linux/pci.h>
#include <linux/vfio.h>

#include "common.h"

/* The file is no longer current: it fails every later call. */
static void ivshmem_disable_fd(struct ivshmem_migration_file *migf)
{
	mutex_lock(&migf->lock);
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->wq);
	fput(migf->filp);
}

/* Drop the data files; writes to the memory BAR are no longer tracked. */
static void ivshmem_disable_fds(struct ivshmem_vfio_pci_device *ivdev)
{
	lockdep_assert_held(&ivdev->state_mutex);
	if (ivdev->saving) {
		ivshmem_dirty_stop(ivdev);
		ivshmem_disable_fd(ivdev->saving);
		ivdev->saving = NULL;
	}
	if (ivdev->resuming) {
		ivshmem_disable_fd(ivdev->resuming);
		ivdev->resuming = NULL;
	}
}

/* Back to RUNNING after a reset: the streams are over.  state_mutex held. */
static void ivshmem_apply_reset(struct ivshmem_vfio_pci_device *ivdev)
{
	lockdep_assert_held(&ivdev->state_mutex);
	ivdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
	ivshmem_disable_fds(ivdev);
	ivshmem_access_unblock(ivdev);
}

/* Lock state_mutex and apply a reset that happened before. */
void ivshmem_state_mutex_lock(struct ivshmem_vfio_pci_device *ivdev)
{
	bool reset;

	mutex_lock(&ivdev->state_mutex);
	spin_lock(&ivdev->reset_lock);
	reset = ivdev->deferred_reset;
	ivdev->deferred_reset = false;
	spin_unlock(&ivdev->reset_lock);
	if (reset)
		ivshmem_apply_reset(ivdev);
}

/* Unlock state_mutex, first applying a reset that happened meanwhile. */
void ivshmem_state_mutex_unlock(struct ivshmem_vfio_pci_device *ivdev)
{
again:
	spin_lock(&ivdev->reset_lock);
	if (ivdev->deferred_reset) {
		ivdev->deferred_reset = false;
		spin_unlock(&ivdev->reset_lock);
		ivshmem_apply_reset(ivdev);
		goto again;
	}
	mutex_unlock(&ivdev->state_mutex);
	spin_unlock(&ivdev->reset_lock);
}

/**
 * ivshmem_mig_reset_done - the function was reset: back to RUNNING
 * @ivdev: the device
 *
 * Called from the PCI reset_done handler, possibly with memory_lock held
 * for write, which a data file or BAR access may be waiting for with its
 * own lock held: only record the reset (see the comment at the top).
 */
void ivshmem_mig_reset_done(struct ivshmem_vfio_pci_device *ivdev)
{
	spin_lock(&ivdev->reset_lock);
	ivdev->deferred_reset = true;
	spin_unlock(&ivdev->reset_lock);
}

/**
 * ivshmem_mig_reset_sync - apply a recorded reset now
 * @ivdev: the device
 *
 * For the reset ioctls, after vfio_pci_core dropped memory_lock: the state
 * user space reads next is already RUNNING and the BARs are reachable.
 */
void ivshmem_mig_reset_sync(struct ivshmem_vfio_pci_device *ivdev)
{
	ivshmem_state_mutex_lock(ivdev);
	ivshmem_state_mutex_unlock(ivdev);
}

static struct file *
ivshmem_step_state(struct ivshmem_vfio_pci_device *ivdev,
		   enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = ivdev->mig_state;
	struct file *filp;
	bool lost;
	int ret;

	lockdep_assert_held(&ivdev->state_mutex);
	/* Arcs with nothing to do: ivshmem-plain does no DMA. */
	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     next == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	     next == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY &&
	     next == VFIO_DEVICE_STATE_PRE_COPY_P2P) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	     next == VFIO_DEVICE_STATE_PRE_COPY))
		return NULL;

	/* Freeze and thaw: the state must not change while stopped. */
	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	    next == VFIO_DEVICE_STATE_STOP) {
		ivshmem_access_block(ivdev);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP &&
	    next == VFIO_DEVICE_STATE_RUNNING_P2P) {
		ivshmem_access_unblock(ivdev);
		return NULL;
	}

	/* Saving. */
	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     next == VFIO_DEVICE_STATE_PRE_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	     next == VFIO_DEVICE_STATE_PRE_COPY_P2P) ||
	    (cur == VFIO_DEVICE_STATE_STOP &&
	     next == VFIO_DEVICE_STATE_STOP_COPY)) {
		filp = ivshmem_save_open(ivdev,
					 next != VFIO_DEVICE_STATE_STOP_COPY);
		if (IS_ERR(filp))
			return filp;
		get_file(filp);
		return filp;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	    next == VFIO_DEVICE_STATE_STOP_COPY) {
		ivshmem_access_block(ivdev);
		ret = ivshmem_save_stop_copy(ivdev->saving);
		if (ret) {
			ivshmem_access_unblock(ivdev);
			return ERR_PTR(ret);
		}
		return NULL;
	}
	if ((cur == VFIO_DEVICE_STATE_PRE_COPY &&
	     next == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	     next == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_STOP_COPY &&
	     next == VFIO_DEVICE_STATE_STOP)) {
		ivshmem_disable_fds(ivdev);
		return NULL;
	}

	/* Resuming. */
	if (cur == VFIO_DEVICE_STATE_STOP &&
	    next == VFIO_DEVICE_STATE_RESUMING) {
		/* last_error is about the stream that comes now, or none. */
		ivshmem_clear_last_error(ivdev);
		filp = ivshmem_resume_open(ivdev);
		if (IS_ERR(filp))
			return filp;
		get_file(filp);
		return filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING &&
	    next == VFIO_DEVICE_STATE_STOP) {
		ret = ivshmem_resume_finish(ivdev->resuming, &lost);
		if (ret && lost) {
			/*
			 * The device is neither what it was nor what the
			 * stream says: the uAPI's ERROR, until a reset.
			 */
			dev_err(ivdev_dev(ivdev),
				"RESUMING -> STOP failed after the device was written: ERROR state until VFIO_DEVICE_RESET\n");
			ivshmem_disable_fds(ivdev);
			ivdev->mig_state = VFIO_DEVICE_STATE_ERROR;
		}
		if (ret)
			return ERR_PTR(ret);
		ivshmem_disable_fds(ivdev);
		return NULL;
	}

	/* vfio_mig_get_next_state() uses no other arc. */
	WARN_ON_ONCE(1);
	return ERR_PTR(-EINVAL);
}

static struct file *
ivshmem_set_device_state(struct vfio_device *core_vdev,
			 enum vfio_device_mig_state new_state)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	ivshmem_state_mutex_lock(ivdev);
	/* vfio_mig_get_next_state() takes no arc from ERROR. */
	if (ivdev->mig_state == VFIO_DEVICE_STATE_ERROR) {
		dev_err_ratelimited(ivdev_dev(ivdev),
				    "migration state ERROR: VFIO_DEVICE_RESET first\n");
		res = ERR_PTR(-EINVAL);
	}
	while (!res && ivdev->mig_state != new_state) {
		ret = vfio_mig_get_next_state(core_vdev, ivdev->mig_state,
					      new_state, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = ivshmem_step_state(ivdev, next);
		if (IS_ERR(res))
			break;
		ivdev->mig_state = next;
		/* Only the last arc of a path may return a data file. */
		if (WARN_ON_ONCE(res && next != new_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	ivshmem_state_mutex_unlock(ivdev);
	return res;
}

static int ivshmem_get_device_state(struct vfio_device *core_vdev,
				    enum vfio_device_mig_state *state)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);

	ivshmem_state_mutex_lock(ivdev);
	*state = ivdev->mig_state;
	ivshmem_state_mutex_unlock(ivdev);
	return 0;
}

/*
 * The exact number of bytes still to be read to complete a STOP_COPY
 * stream: all of it before saving starts, what is left of it after.
 */
static int ivshmem_get_data_size(struct vfio_device *core_vdev,
				 unsigned long *stop_copy_length)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);

	ivshmem_state_mutex_lock(ivdev);
	if (ivdev->saving)
		*stop_copy_length = ivshmem_save_remaining(ivdev->saving);
	else
		*stop_copy_length = ivshmem_stream_len(ivdev,
						       ivdev->emit_minor);
	ivshmem_state_mutex_unlock(ivdev);
	return 0;
}

const struct vfio_migration_ops ivshmem_migration_ops = {
	.migration_set_state = ivshmem_set_device_state,
	.migration_get_state = ivshmem_get_device_state,
	.migration_get_data_size = ivshmem_get_data_size,
};

void ivshmem_mig_init(struct ivshmem_vfio_pci_device *ivdev)
{
	mutex_init(&ivdev->state_mutex);
	spin_lock_init(&ivdev->reset_lock);
	spin_lock_init(&ivdev->err_lock);
	spin_lock_init(&ivdev->stats_lock);
	init_rwsem(&ivdev->access_rwsem);
	ivdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
	ivdev->emit_minor = VFIO_DEVSTATE_MINOR;
}

void ivshmem_mig_destroy(struct ivshmem_vfio_pci_device *ivdev)
{
	mutex_destroy(&ivdev->state_mutex);
}

/* The device was opened: a fresh start in RUNNING, user access allowed. */
void ivshmem_mig_open(struct ivshmem_vfio_pci_device *ivdev)
{
	ivshmem_state_mutex_lock(ivdev);
	ivdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
	ivshmem_access_unblock(ivdev);
	ivshmem_state_mutex_unlock(ivdev);
}

/*
 * The device is being closed: drop the data files before the BARs go, and
 * end DMA logging, which belongs to this open.
 */
void ivshmem_mig_close(struct ivshmem_vfio_pci_device *ivdev)
{
	ivshmem_state_mutex_lock(ivdev);
	ivshmem_disable_fds(ivdev);
	ivshmem_log_stop(ivdev);
	ivdev->mig_state = VFIO_DEVICE_STATE_RUNNING;
	ivshmem_access_unblock(ivdev);
	ivshmem_state_mutex_unlock(ivdev);
}
