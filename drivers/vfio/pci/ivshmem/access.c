// SPDX-License-Identifier: GPL-2.0-only
/*
 * User access to the register and memory BARs: region read()/write() and
 * mmap, which this driver serves itself for those two BARs.
 *
 * In STOP, STOP_COPY and RESUMING (and until a reset from ERROR) the two
 * BARs must not change underneath the data stream, whatever user space
 * does:
 *
 *  - region read()/write() on the device fd are refused with -EBUSY;
 *  - every user mapping of the two BARs is zapped when the device
 *    freezes, and the fault handler answers SIGBUS instead of mapping a
 *    page while frozen.  Mappings come back on the next fault once the
 *    device runs again.
 *
 * access_blocked changes with access_rwsem and memory_lock both held for
 * write.  Region accesses check it under access_rwsem (held for read
 * across each slice, so a freeze waits for accesses in flight); faults
 * check it under memory_lock, which they hold for read as vfio_pci_core's
 * own fault handler does, waiting for a reset in progress rather than
 * failing.  A fault never takes access_rwsem, so a region read whose user
 * buffer is itself a mapping of one of our BARs cannot deadlock.
 *
 * While a saving stream is in pre-copy, the memory BAR's mappings also
 * track writes (dirty.c): 4 KiB only, read-only until the first write,
 * which marks the page dirty.  Otherwise writable mappings are inserted
 * straight away, huge where the BAR allows it.
 */

#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/vfio.h>

#include "common.h"
#include "compat.h"

/* Largest region access done under one hold of access_rwsem. */
#define IVSHMEM_ACCESS_SLICE	SZ_64K

static bool ivshmem_gated_index(struct ivshmem_vfio_pci_device *ivdev,
				unsigned int index)
{
	return index == IVSHMEM_REG_BAR || index == IVSHMEM_MEM_BAR;
}

/**
 * ivshmem_zap_pages - drop the user mappings of pages of a BAR
 * @ivdev: the device
 * @bar: the BAR
 * @first: first page, from the start of the BAR
 * @nr: number of pages
 *
 * The next access faults.  Called with memory_lock held for write, as
 * vfio_pci_core zaps its own mappings.
 */
void ivshmem_zap_pages(struct ivshmem_vfio_pci_device *ivdev, int bar,
		       unsigned long first, unsigned long nr)
{
	struct vfio_device *core_vdev = &ivdev->core_device.vdev;

	lockdep_assert_held_write(&ivdev->core_device.memory_lock);
	unmap_mapping_range(core_vdev->inode->i_mapping,
			    VFIO_PCI_INDEX_TO_OFFSET(bar) +
			    ((u64)first << PAGE_SHIFT),
			    (u64)nr << PAGE_SHIFT, true);
}

/**
 * ivshmem_zap_bar - drop every user mapping of a BAR
 * @ivdev: the device, memory_lock held for write
 * @bar: the BAR
 */
void ivshmem_zap_bar(struct ivshmem_vfio_pci_device *ivdev, int bar)
{
	ivshmem_zap_pages(ivdev, bar, 0,
			  PAGE_ALIGN(pci_resource_len(ivdev->core_device.pdev,
						      bar)) >> PAGE_SHIFT);
}

static void ivshmem_set_blocked(struct ivshmem_vfio_pci_device *ivdev,
				bool blocked)
{
	struct vfio_pci_core_device *vdev = &ivdev->core_device;

	down_write(&ivdev->access_rwsem);
	down_write(&vdev->memory_lock);
	ivdev->access_blocked = blocked;
	if (blocked) {
		/* Stopped: nothing more to track, the dirty set is final. */
		ivdev->tracking = false;
		ivdev->dirty_wq = NULL;
		ivshmem_zap_bar(ivdev, IVSHMEM_REG_BAR);
		ivshmem_zap_bar(ivdev, IVSHMEM_MEM_BAR);
	}
	up_write(&vdev->memory_lock);
	up_write(&ivdev->access_rwsem);
}

/**
 * ivshmem_access_block - freeze user access to the register and memory BARs
 * @ivdev: the device, state_mutex held
 *
 * Waits for accesses in flight, then zaps every user mapping of the BARs.
 * Tracking of writes to the memory BAR ends: nothing can write it now.
 */
void ivshmem_access_block(struct ivshmem_vfio_pci_device *ivdev)
{
	lockdep_assert_held(&ivdev->state_mutex);
	ivshmem_set_blocked(ivdev, true);
}

/**
 * ivshmem_access_unblock - let user space at the BARs again
 * @ivdev: the device, state_mutex held
 */
void ivshmem_access_unblock(struct ivshmem_vfio_pci_device *ivdev)
{
	lockdep_assert_held(&ivdev->state_mutex);
	ivshmem_set_blocked(ivdev, false);
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
		if (iswrite && index == IVSHMEM_MEM_BAR)
			ivshmem_dirty_note_write(ivdev, (*ppos - ret) &
						 VFIO_PCI_OFFSET_MASK, ret);
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

static unsigned int ivshmem_vma_bar(struct vm_area_struct *vma)
{
	return vma->vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);
}

/* Page of the BAR that @addr of @vma maps. */
static unsigned long ivshmem_vma_page(struct vm_area_struct *vma,
				      unsigned long addr)
{
	unsigned long pgoff = vma->vm_pgoff &
		((1UL << (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1);

	return pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * The function decodes memory accesses: what vfio_pci_core checks before
 * it maps a BAR page, from its virtualised command register, except that
 * D1 and D2 (which ivshmem-plain does not have) count as off too.
 * memory_lock held.
 */
static bool ivshmem_mem_enabled(struct vfio_pci_core_device *vdev)
{
	u16 cmd = le16_to_cpu(*(__le16 *)&vdev->vconfig[PCI_COMMAND]);

	return !vdev->pm_runtime_engaged &&
	       vdev->pdev->current_state == PCI_D0 &&
	       (vdev->pdev->no_command_memory || (cmd & PCI_COMMAND_MEMORY));
}

/* May a page of @vma be mapped at all now?  memory_lock held. */
static bool ivshmem_may_map(struct ivshmem_vfio_pci_device *ivdev,
			    struct vm_area_struct *vma)
{
	if (ivdev->access_blocked) {
		ivshmem_access_refused(ivdev, ivshmem_vma_bar(vma));
		return false;
	}
	return ivshmem_mem_enabled(&ivdev->core_device);
}

/* Protection of a writable mapping of @vma: vm_page_prot is read-only. */
static pgprot_t ivshmem_prot_rw(struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_WRITE))
		return vma->vm_page_prot;
	return pgprot_decrypted(pgprot_noncached(vm_get_page_prot(vma->vm_flags)));
}

/* Map @pfn with one PMD, or fall back to smaller pages. */
static vm_fault_t ivshmem_insert_pfn_huge(struct vm_fault *vmf,
					  unsigned long pfn, unsigned int order)
{
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (order == PMD_ORDER)
		return vmf_insert_pfn_pmd(vmf, pfn,
					  vmf->vma->vm_flags & VM_WRITE);
#endif
	return VM_FAULT_FALLBACK;
}

static vm_fault_t ivshmem_mmap_huge_fault(struct vm_fault *vmf,
					  unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ivshmem_vfio_pci_device *ivdev = vma->vm_private_data;
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	unsigned int bar = ivshmem_vma_bar(vma);
	unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);
	unsigned long page = ivshmem_vma_page(vma, addr);
	unsigned long pfn = (pci_resource_start(vdev->pdev, bar) >> PAGE_SHIFT) +
			    page;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	bool tracked;

	if (order && (addr < vma->vm_start ||
		      addr + (PAGE_SIZE << order) > vma->vm_end ||
		      !IS_ALIGNED(pfn, 1UL << order)))
		return VM_FAULT_FALLBACK;

	down_read(&vdev->memory_lock);
	if (!ivshmem_may_map(ivdev, vma))
		goto out;
	tracked = ivdev->tracking && bar == IVSHMEM_MEM_BAR;
	if (order) {
		/* Tracking is per 4 KiB page. */
		ret = tracked ? VM_FAULT_FALLBACK :
		      ivshmem_insert_pfn_huge(vmf, pfn, order);
		goto out;
	}
	if (tracked && write)
		ivshmem_dirty_mark(ivdev, page, 1);
	ret = vmf_insert_pfn_prot(vma, vmf->address, pfn,
				  write || !tracked ? ivshmem_prot_rw(vma) :
						      vma->vm_page_prot);
out:
	up_read(&vdev->memory_lock);
	return ret;
}

static vm_fault_t ivshmem_mmap_fault(struct vm_fault *vmf)
{
	return ivshmem_mmap_huge_fault(vmf, 0);
}

/*
 * First write to a page mapped read-only: mark it dirty if tracking; the
 * core mm then makes the mapping writable, unless the page was zapped
 * meanwhile, in which case the write faults again.
 */
static vm_fault_t ivshmem_mmap_pfn_mkwrite(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ivshmem_vfio_pci_device *ivdev = vma->vm_private_data;
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	vm_fault_t ret = 0;

	down_read(&vdev->memory_lock);
	if (!ivshmem_may_map(ivdev, vma))
		ret = VM_FAULT_SIGBUS;
	else if (ivshmem_vma_bar(vma) == IVSHMEM_MEM_BAR)
		ivshmem_dirty_mark(ivdev, ivshmem_vma_page(vma, vmf->address),
				   1);
	up_read(&vdev->memory_lock);
	return ret;
}

/*
 * pfn_mkwrite makes the core mm keep vm_page_prot read-only (write
 * notification): every mapping this driver inserts says itself whether it
 * is writable.
 */
static const struct vm_operations_struct ivshmem_mmap_ops = {
	.fault = ivshmem_mmap_fault,
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	.huge_fault = ivshmem_mmap_huge_fault,
#endif
	.pfn_mkwrite = ivshmem_mmap_pfn_mkwrite,
};

int ivshmem_vfio_pci_mmap(struct vfio_device *core_vdev,
			  struct vm_area_struct *vma)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	unsigned int bar = ivshmem_vma_bar(vma);
	u64 req_start, req_len;

	if (!ivshmem_gated_index(ivdev, bar))
		return vfio_pci_core_mmap(core_vdev, vma);

	/* The checks vfio_pci_core_mmap() makes for a BAR. */
	if (!(vma->vm_flags & VM_SHARED) || !vdev->bar_mmap_supported[bar] ||
	    IS_ERR_OR_NULL(vdev->barmap[bar]))
		return -EINVAL;
	req_start = (u64)ivshmem_vma_page(vma, vma->vm_start) << PAGE_SHIFT;
	req_len = vma->vm_end - vma->vm_start;
	if (req_start + req_len >
	    PAGE_ALIGN(pci_resource_len(vdev->pdev, bar)))
		return -EINVAL;

	vma->vm_private_data = ivdev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);
	vm_flags_set(vma, VM_ALLOW_ANY_UNCACHED | VM_IO | VM_PFNMAP |
		     VM_DONTEXPAND | VM_DONTDUMP);
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
 * be in D0.
 *
 * Return: 0 with the lock held, or -EIO without it.
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
