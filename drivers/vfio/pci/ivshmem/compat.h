/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: the kernel interfaces that differ between the kernel
 * versions this driver builds on, in one place.
 */
#ifndef IVSHMEM_VFIO_PCI_COMPAT_H
#define IVSHMEM_VFIO_PCI_COMPAT_H

#include <linux/mm.h>
#include <linux/pgtable.h>

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define IVSHMEM_HAVE_HUGE_PFNMAP
/*
 * pfn_t went away in 6.17: vmf_insert_pfn_pmd() takes a plain pfn.  The
 * Makefile defines IVSHMEM_HAVE_PFN_T where the kernel has the header.
 */
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
