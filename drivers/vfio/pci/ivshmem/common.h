/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: VFIO variant driver for QEMU's ivshmem-plain device.
 */
#ifndef IVSHMEM_VFIO_PCI_COMMON_H
#define IVSHMEM_VFIO_PCI_COMMON_H

#include <linux/vfio_pci_core.h>

#define IVSHMEM_PCI_DEVICE_ID		0x1110

/* BAR0 register block of ivshmem-plain (32-bit registers). */
#define IVSHMEM_REG_BAR			0
#define IVSHMEM_REG_INTRMASK		0x00
#define IVSHMEM_REG_INTRSTATUS		0x04	/* a read returns and clears */
#define IVSHMEM_REG_IVPOSITION		0x08	/* read-only */
#define IVSHMEM_REG_DOORBELL		0x0c	/* write-only */
/* BAR2 is the shared memory region. */
#define IVSHMEM_MEM_BAR			2

struct ivshmem_vfio_pci_device {
	struct vfio_pci_core_device core_device;
};

#endif /* IVSHMEM_VFIO_PCI_COMMON_H */
