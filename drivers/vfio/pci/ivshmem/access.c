// SPDX-License-Identifier: GPL-2.0-only
/*
 * Keeping user space off the device while its state is frozen.
 *
 * In STOP, STOP_COPY and RESUMING (and until a reset from ERROR) the
 * register and memory BARs must not change underneath the data stream.
 * User space reaches them two ways, and both are closed:
 *
 *  - region read()/write() on the device fd: refused with -EBUSY;
 *  - mmap: every user mapping of the two BARs is zapped when the device
 *    freezes, and our fault handler (wrapped around vfio_pci_core's)
 *    answers SIGBUS instead of mapping a page while frozen.  Mappings come
 *    back on the next fault once the device runs again.
 *
 * access_rwsem is held for read across each user access slice and each
 * fault, for write only to flip access_blocked, so a freeze waits for
 * accesses in flight and none starts after it.  The fault handler only
 * trylocks: a region read whose user buffer is itself a mapping of our BAR
 * faults while holding the lock for read, and must not queue behind a
 * waiting writer; a fault that races with a freeze gets SIGBUS, as it
 * would a moment later.
 */

#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/vfio.h>

#include "common.h"

/* Largest region access done under one hold of access_rwsem. */
#define IVSHMEM_ACCESS_SLICE	SZ_64K

static bool ivshmem_gated_index(struct ivshmem_vfio_pci_device *ivdev,
				unsigned int index)
{
	return index == ivdev->dev_ops->reg_bar ||
	       index == ivdev->dev_ops->mem_bar;
}

static void ivshmem_zap_bar(struct ivshmem_vfio_pci_device *ivdev, int bar)
{
	struct vfio_device *core_vdev = &ivdev->core_device.vdev;
	struct pci_dev *pdev = ivdev->core_device.pdev;

	if (!pci_resource_len(pdev, bar))
		return;
	unmap_mapping_range(core_vdev->inode->i_mapping,
			    VFIO_PCI_INDEX_TO_OFFSET(bar),
			    PAGE_ALIGN(pci_resource_len(pdev, bar)), true);
}

/**
 * ivshmem_access_block - freeze user access to the register and memory BARs
 * @ivdev: the device
 *
 * Waits for accesses in flight, then zaps every user mapping of the BARs.
 */
void ivshmem_access_block(struct ivshmem_vfio_pci_device *ivdev)
{
	down_write(&ivdev->access_rwsem);
	ivdev->access_blocked = true;
	ivshmem_zap_bar(ivdev, ivdev->dev_ops->reg_bar);
	ivshmem_zap_bar(ivdev, ivdev->dev_ops->mem_bar);
	up_write(&ivdev->access_rwsem);
}

/**
 * ivshmem_access_unblock - let user space at the BARs again
 * @ivdev: the device
 */
void ivshmem_access_unblock(struct ivshmem_vfio_pci_device *ivdev)
{
	down_write(&ivdev->access_rwsem);
	ivdev->access_blocked = false;
	up_write(&ivdev->access_rwsem);
}

static void ivshmem_access_refused(struct ivshmem_vfio_pci_device *ivdev,
				   unsigned int index)
{
	dev_warn_ratelimited(ivdev_dev(ivdev),
			     "BAR%u access refused: device state is frozen for migration (state %d)\n",
			     index, READ_ONCE(ivdev->mig_state));
}

/*
 * Region read or write of the register or memory BAR, in slices, each
 * under access_rwsem and refused while the device is frozen.
 */
static ssize_t ivshmem_gated_rw(struct vfio_device *core_vdev,
				char __user *buf, size_t count, loff_t *ppos,
				bool iswrite)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	ssize_t ret = 0, done = 0;

	while (count) {
		size_t n = min_t(size_t, count, IVSHMEM_ACCESS_SLICE);

		down_read(&ivdev->access_rwsem);
		if (ivdev->access_blocked) {
			up_read(&ivdev->access_rwsem);
			ivshmem_access_refused(ivdev, index);
			ret = -EBUSY;
			break;
		}
		if (iswrite)
			ret = vfio_pci_core_write(core_vdev, buf + done, n,
						  ppos);
		else
			ret = vfio_pci_core_read(core_vdev, buf + done, n,
						 ppos);
		up_read(&ivdev->access_rwsem);
		if (ret <= 0)
			break;
		done += ret;
		count -= ret;
		if (ret < n)
			break;
	}
	return done ? done : ret;
}

ssize_t ivshmem_vfio_pci_read(struct vfio_device *core_vdev, char __user *buf,
			      size_t count, loff_t *ppos)
{
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);

	if (!ivshmem_gated_index(to_ivdev(core_vdev), index))
		return vfio_pci_core_read(core_vdev, buf, count, ppos);
	return ivshmem_gated_rw(core_vdev, buf, count, ppos, false);
}

ssize_t ivshmem_vfio_pci_write(struct vfio_device *core_vdev,
			       const char __user *buf, size_t count,
			       loff_t *ppos)
{
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);

	if (!ivshmem_gated_index(to_ivdev(core_vdev), index))
		return vfio_pci_core_write(core_vdev, buf, count, ppos);
	/* As vfio_pci_core itself does, one path for both directions. */
	return ivshmem_gated_rw(core_vdev, (char __user *)buf, count, ppos,
				true);
}

static vm_fault_t ivshmem_mmap_huge_fault(struct vm_fault *vmf,
					  unsigned int order)
{
	struct vfio_pci_core_device *vdev = vmf->vma->vm_private_data;
	struct ivshmem_vfio_pci_device *ivdev =
		container_of(vdev, struct ivshmem_vfio_pci_device, core_device);
	const struct vm_operations_struct *core_ops = ivdev->core_vm_ops;
	vm_fault_t ret;

	if (!down_read_trylock(&ivdev->access_rwsem))
		return VM_FAULT_SIGBUS;
	if (ivdev->access_blocked)
		ret = VM_FAULT_SIGBUS;
	else if (!order)
		ret = core_ops->fault(vmf);
	else if (core_ops->huge_fault)
		ret = core_ops->huge_fault(vmf, order);
	else
		ret = VM_FAULT_FALLBACK;
	up_read(&ivdev->access_rwsem);
	return ret;
}

static vm_fault_t ivshmem_mmap_fault(struct vm_fault *vmf)
{
	return ivshmem_mmap_huge_fault(vmf, 0);
}

static const struct vm_operations_struct ivshmem_mmap_ops = {
	.fault = ivshmem_mmap_fault,
	.huge_fault = ivshmem_mmap_huge_fault,
};

int ivshmem_vfio_pci_mmap(struct vfio_device *core_vdev,
			  struct vm_area_struct *vma)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	unsigned int index = vma->vm_pgoff >>
			     (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);
	int ret;

	ret = vfio_pci_core_mmap(core_vdev, vma);
	if (ret || !ivshmem_gated_index(ivdev, index))
		return ret;

	/* Interpose on the core's fault handler; the core validated all. */
	if (WARN_ON_ONCE(!vma->vm_ops || !vma->vm_ops->fault))
		return -EINVAL;
	WRITE_ONCE(ivdev->core_vm_ops, vma->vm_ops);
	vma->vm_ops = &ivshmem_mmap_ops;
	return 0;
}

/**
 * ivshmem_mem_access_begin - let the kernel at the BARs, whatever the guest
 *                            did to the command register
 * @ivdev: the device
 * @cmd: where to keep the command register to put back
 *
 * Migration must not depend on the guest's memory-enable bit: a resuming
 * destination has not run its guest yet (QEMU restores config space after
 * the device state), and a guest may stop with decoding off.  As
 * vfio_pci_core does for its own accesses that need the BARs, hold
 * memory_lock for write, so that neither user space nor a reset sees the
 * change, and turn memory decoding on for the duration.  The function must
 * be in D0.  Returns 0 with the lock held, or -EIO without it.
 */
int ivshmem_mem_access_begin(struct ivshmem_vfio_pci_device *ivdev, u16 *cmd)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	struct pci_dev *pdev = vdev->pdev;

	down_write(&vdev->memory_lock);
	if (pdev->current_state != PCI_D0) {
		up_write(&vdev->memory_lock);
		dev_err_ratelimited(ivdev_dev(ivdev),
				    "device memory not accessible: the function is not in D0\n");
		return -EIO;
	}
	pci_read_config_word(pdev, PCI_COMMAND, cmd);
	if (!(*cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(pdev, PCI_COMMAND,
				      *cmd | PCI_COMMAND_MEMORY);
	return 0;
}

/**
 * ivshmem_mem_access_end - undo ivshmem_mem_access_begin()
 * @ivdev: the device
 * @cmd: the command register ivshmem_mem_access_begin() found
 */
void ivshmem_mem_access_end(struct ivshmem_vfio_pci_device *ivdev, u16 cmd)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;

	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND, cmd);
	up_write(&vdev->memory_lock);
}
