/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: stand-ins for what Linux 7.x has and 6.12 lacks.
 *
 * The driver is written against 7.x.  For an out-of-tree build on an older
 * kernel, each block here supplies one 7.x interface by the older one; the
 * Makefile finds which the kernel being built against has, in its
 * headers, and defines IVSHMEM_HAVE_<NAME> for each.  In a 7.x tree every
 * block is empty: `make series` leaves this header and the Makefile's
 * probes out, and resolves the few IVSHMEM_HAVE_ tests of the .c files
 * (struct members 6.12 does not have) with unifdef.
 */
#ifndef IVSHMEM_VFIO_PCI_COMPAT_H
#define IVSHMEM_VFIO_PCI_COMPAT_H

#include <linux/err.h>
#include <linux/huge_mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

/* Typed allocators, which 7.x's checkpatch asks for. */
#ifndef kzalloc_obj
#define kzalloc_obj(p, gfp)		kzalloc(sizeof(p), gfp)
#define kvzalloc_obj(p, gfp)		kvzalloc(sizeof(p), gfp)
#define kzalloc_objs(p, n, gfp)		kcalloc(n, sizeof(p), gfp)
#endif

/*
 * BAR iomaps: up to 6.x a variant driver maps the BARs it needs with
 * vfio_pci_core_setup_barmap(), and one not mapped is NULL in barmap[].
 */
#ifndef IVSHMEM_HAVE_CORE_GET_IOMAP
static inline void __iomem *
vfio_pci_core_get_iomap(struct vfio_pci_core_device *vdev, unsigned int bar)
{
	int ret = vfio_pci_core_setup_barmap(vdev, bar);

	return ret ? IOMEM_ERR_PTR(ret) : vdev->barmap[bar];
}
#endif

/*
 * VFIO_MIG_GET_PRECOPY_INFO's input.  Before 7.x, flags is reserved and
 * is handed back as user space passed it.
 */
#ifndef IVSHMEM_HAVE_PRECOPY_INFO_V2
static inline int vfio_check_precopy_ioctl(struct vfio_device *vdev,
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

/* Up to 6.16 vmf_insert_pfn_pmd() takes a pfn_t. */
#if defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) && defined(IVSHMEM_HAVE_PFN_T)
#include <linux/pfn_t.h>
#define vmf_insert_pfn_pmd(vmf, pfn, write) \
	vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), write)
#endif

#endif /* IVSHMEM_VFIO_PCI_COMPAT_H */
