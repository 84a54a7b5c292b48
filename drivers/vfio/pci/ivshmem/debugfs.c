// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs: /sys/kernel/debug/ivshmem-vfio-pci/<BDF>/save shows, for
 * whoever watches or tunes a migration, the saving stream in progress
 * (bytes read, passes over the memory, pages dirty now) and how the last
 * one read to its end was made up: how many bytes moved while the device
 * ran (pre-copy) and how many once it had stopped, which the downtime
 * had to carry; and whether user space opted in to PRECOPY_INFO v2
 * (7.x: real flags from VFIO_MIG_GET_PRECOPY_INFO).  Not an ABI, nor is
 * the fault injection point below.
 */

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include "common.h"
#include "compat.h"

static struct dentry *ivshmem_debugfs_root;

/*
 * Fault injection, on a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS:
 * ivshmem-vfio-pci/fail_resume_apply/ (probability, times, ...) makes the
 * register write that ends RESUMING -> STOP fail, the one failure that
 * leaves the device in the ERROR state.
 */
static DECLARE_FAULT_ATTR(ivshmem_fail_resume_apply);

bool ivshmem_should_fail_resume_apply(void)
{
	return should_fail(&ivshmem_fail_resume_apply, 1);
}

static int save_show(struct seq_file *m, void *unused)
{
	struct ivshmem_vfio_pci_device *ivdev = m->private;
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	struct ivshmem_save_stats st;
	unsigned long dirty = 0;
	bool tracking;

	spin_lock(&ivdev->stats_lock);
	st = ivdev->stats;
	spin_unlock(&ivdev->stats_lock);
	down_read(&vdev->memory_lock);
	tracking = ivdev->tracking;
	if (tracking)
		dirty = bitmap_weight(ivdev->dirty, ivdev->nr_pages);
	up_read(&vdev->memory_lock);

#ifdef IVSHMEM_HAVE_PRECOPY_INFO_V2
	seq_printf(m, "precopy_info_v2 %d\n",
		   READ_ONCE(vdev->vdev.precopy_info_v2));
#else
	seq_puts(m, "precopy_info_v2 0\n");
#endif
	seq_printf(m, "tracking %d\n", tracking);
	seq_printf(m, "dirty_pages %lu\n", dirty);
	seq_printf(m, "current_bytes %llu\n", st.cur_bytes);
	seq_printf(m, "current_passes %u\n", st.cur_passes);
	seq_printf(m, "streams %llu\n", st.streams);
	seq_printf(m, "last_precopy_bytes %llu\n", st.precopy_bytes);
	seq_printf(m, "last_stopcopy_bytes %llu\n", st.stopcopy_bytes);
	seq_printf(m, "last_precopy_passes %u\n", st.passes);
	seq_printf(m, "last_stopcopy_dirty_pages %lu\n", st.stop_pages);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(save);

void ivshmem_debugfs_init(void)
{
	ivshmem_debugfs_root = debugfs_create_dir("ivshmem-vfio-pci", NULL);
	/* Without fault injection there is nothing to create. */
	fault_create_debugfs_attr("fail_resume_apply", ivshmem_debugfs_root,
				  &ivshmem_fail_resume_apply);
}

void ivshmem_debugfs_exit(void)
{
	debugfs_remove_recursive(ivshmem_debugfs_root);
}

void ivshmem_debugfs_add(struct ivshmem_vfio_pci_device *ivdev)
{
	if (!ivdev->core_device.vdev.mig_ops)
		return;
	ivdev->debugfs = debugfs_create_dir(pci_name(ivdev->core_device.pdev),
					    ivshmem_debugfs_root);
	debugfs_create_file("save", 0400, ivdev->debugfs, ivdev, &save_fops);
}

void ivshmem_debugfs_remove(struct ivshmem_vfio_pci_device *ivdev)
{
	debugfs_remove_recursive(ivdev->debugfs);
	ivdev->debugfs = NULL;
}
