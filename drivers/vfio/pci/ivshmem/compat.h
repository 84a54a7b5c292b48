/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: the kernel interfaces that differ between the kernel
 * versions this driver builds on, in one place.
 */
#ifndef IVSHMEM_VFIO_PCI_COMPAT_H
#define IVSHMEM_VFIO_PCI_COMPAT_H

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

/*
 * The Makefile finds which interfaces the kernel being built against has,
 * in its headers, and defines IVSHMEM_HAVE_<NAME> for each: the driver
 * builds on Linux 6.12 and 7.3 from one tree.  Nothing outside this
 * header tests those names.
 */

/*
 * Typed allocators: 7.x has kzalloc_obj() and friends, which its
 * checkpatch asks for; before, the same by sizeof.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(p, gfp)		kzalloc(sizeof(p), gfp)
#define kvzalloc_obj(p, gfp)		kvzalloc(sizeof(p), gfp)
#define kzalloc_objs(p, n, gfp)		kcalloc(n, sizeof(p), gfp)
#endif

/*
 * BAR iomaps.  Up to 6.x a variant driver asks vfio-pci-core for the maps
 * it needs with vfio_pci_core_setup_barmap(), and a BAR not mapped is
 * NULL in barmap[].  From 7.x vfio_pci_core_enable() maps every BAR, and
 * one it could not map holds an error pointer.
 */
#ifdef IVSHMEM_HAVE_CORE_GET_IOMAP
static inline int ivshmem_setup_barmap(struct vfio_pci_core_device *vdev,
				       int bar)
{
	return PTR_ERR_OR_ZERO(vfio_pci_core_get_iomap(vdev, bar));
}

static inline bool ivshmem_bar_mapped(struct vfio_pci_core_device *vdev,
				      int bar)
{
	return !IS_ERR_OR_NULL(vdev->barmap[bar]);
}
#else
static inline int ivshmem_setup_barmap(struct vfio_pci_core_device *vdev,
				       int bar)
{
	return vfio_pci_core_setup_barmap(vdev, bar);
}

static inline bool ivshmem_bar_mapped(struct vfio_pci_core_device *vdev,
				      int bar)
{
	return vdev->barmap[bar];
}
#endif

/*
 * Device ops that 7.x added and calls without checking for NULL: the VF
 * token match (from vfio_pci_core_match()) and VFIO_DEVICE_GET_REGION_INFO,
 * which the vfio core now answers itself through .get_region_info_caps
 * (-EINVAL without it).  vfio-pci-core implements both.
 */
#ifdef IVSHMEM_HAVE_MATCH_TOKEN_UUID
#define IVSHMEM_OPS_MATCH_TOKEN \
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define IVSHMEM_OPS_MATCH_TOKEN
#endif
#ifdef IVSHMEM_HAVE_REGION_INFO_CAPS
#define IVSHMEM_OPS_REGION_INFO \
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
#define IVSHMEM_OPS_REGION_INFO
#endif

/*
 * VFIO_MIG_GET_PRECOPY_INFO's input.  7.x has a helper that checks it and,
 * once user space opted in to VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
 * clears flags so that the driver reports real ones (REINIT).  Before,
 * flags is reserved and is handed back as user space passed it.
 */
#ifdef IVSHMEM_HAVE_PRECOPY_INFO_V2
static inline int ivshmem_precopy_info_in(struct vfio_device *vdev,
					  unsigned int cmd, unsigned long arg,
					  struct vfio_precopy_info *info)
{
	return vfio_check_precopy_ioctl(vdev, cmd, arg, info);
}

static inline bool ivshmem_precopy_info_v2(struct vfio_device *vdev)
{
	return READ_ONCE(vdev->precopy_info_v2);
}
#else
static inline bool ivshmem_precopy_info_v2(struct vfio_device *vdev)
{
	return false;
}

static inline int ivshmem_precopy_info_in(struct vfio_device *vdev,
					  unsigned int cmd, unsigned long arg,
					  struct vfio_precopy_info *info)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info,
					  dirty_bytes);

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	return 0;
}
#endif

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define IVSHMEM_HAVE_HUGE_PFNMAP
/* pfn_t went away in 6.17: vmf_insert_pfn_pmd() takes a plain pfn. */
#ifdef IVSHMEM_HAVE_PFN_T
#include <linux/pfn_t.h>
#define IVSHMEM_PMD_PFN(pfn)	__pfn_to_pfn_t(pfn, PFN_DEV)
#else
#define IVSHMEM_PMD_PFN(pfn)	(pfn)
#endif

/* Map @pfn writable or not with one PMD, or fall back to smaller pages. */
static inline vm_fault_t ivshmem_insert_pfn_huge(struct vm_fault *vmf,
						 unsigned long pfn,
						 unsigned int order, bool write)
{
	if (order != PMD_ORDER)
		return VM_FAULT_FALLBACK;
	return vmf_insert_pfn_pmd(vmf, IVSHMEM_PMD_PFN(pfn), write);
}
#else
static inline vm_fault_t ivshmem_insert_pfn_huge(struct vm_fault *vmf,
						 unsigned long pfn,
						 unsigned int order, bool write)
{
	return VM_FAULT_FALLBACK;
}
#endif

/*
 * The vfio core hands DMA_LOGGING_REPORT to a driver through iova_bitmap,
 * which only kernels with CONFIG_IOMMUFD_DRIVER build (IOMMUFD, or a
 * driver that selects it, brings it).  Elsewhere the core fails every
 * report with -EOPNOTSUPP before any driver sees it, and a VMM that was
 * offered DMA logging would fail the migration at its first dirty sync.
 */
#define IVSHMEM_HAVE_DMA_LOGGING	IS_ENABLED(CONFIG_IOMMUFD_DRIVER)

#endif /* IVSHMEM_VFIO_PCI_COMPAT_H */
