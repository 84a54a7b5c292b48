// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the two data files of a migration share: their state is one
 * struct ivshmem_migration_file, allocated with its bounce buffer and
 * freed, whatever else the direction added to it, in one place.
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "common.h"
#include "compat.h"

/**
 * ivshmem_migf_alloc - the state of a new data file of @ivdev
 * @ivdev: the device
 *
 * Return: the state, with its bounce buffer, lock and waitqueue, or NULL.
 */
struct ivshmem_migration_file *
ivshmem_migf_alloc(struct ivshmem_vfio_pci_device *ivdev)
{
	struct ivshmem_migration_file *migf;

	migf = kzalloc_obj(*migf, GFP_KERNEL_ACCOUNT);
	if (!migf)
		return NULL;
	migf->bounce = kvmalloc(IVSHMEM_BOUNCE_LEN, GFP_KERNEL_ACCOUNT);
	if (!migf->bounce) {
		kfree(migf);
		return NULL;
	}
	mutex_init(&migf->lock);
	init_waitqueue_head(&migf->wq);
	migf->ivdev = ivdev;
	return migf;
}

/**
 * ivshmem_migf_free - free a data file's state and all it holds
 * @migf: from ivshmem_migf_alloc()
 */
void ivshmem_migf_free(struct ivshmem_migration_file *migf)
{
	kvfree(migf->dec);
	bitmap_free(migf->covered);
	kvfree(migf->chunk);
	kvfree(migf->bounce);
	mutex_destroy(&migf->lock);
	kfree(migf);
}

/**
 * ivshmem_migf_release - the release() of both data files
 * @inode: unused
 * @filp: the data file
 *
 * Return: 0.
 */
int ivshmem_migf_release(struct inode *inode, struct file *filp)
{
	ivshmem_migf_free(filp->private_data);
	return 0;
}
