// SPDX-License-Identifier: GPL-2.0-only
/*
 * What is ivshmem's in the migration of an ivshmem-plain function: its
 * compatibility descriptor, the registers that make up its state, and the
 * BAR that holds its memory (common.h).
 *
 * ivshmem-plain registers (BAR0, 32-bit): INTRMASK (read/write),
 * INTRSTATUS (a write sets it, a read returns it and clears it),
 * IVPOSITION (read-only, always 0 without a server) and DOORBELL
 * (write-only, no effect without a server).  Only INTRMASK and INTRSTATUS
 * hold state.  BAR2 is the shared memory.
 */

#include <linux/io.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "common.h"

#define IVSHMEM_REG_INTRMASK		0x00
#define IVSHMEM_REG_INTRSTATUS		0x04

/* The stable model id: never renamed as the device evolves. */
#define IVSHMEM_MODEL			"qemu.org/pci/1af4/1110"
/* Version 1: device section = struct ivshmem_state, BAR2 as chunks. */
#define IVSHMEM_MODEL_VERSION		1

/**
 * struct ivshmem_state - payload of the device section (model version 1)
 * @intrmask: INTRMASK register
 * @intrstatus: INTRSTATUS register
 */
struct ivshmem_state {
	__le32 intrmask;
	__le32 intrstatus;
};

static_assert(sizeof(struct ivshmem_state) == IVSHMEM_STATE_LEN);

/**
 * ivshmem_describe - fill the compatibility descriptor of the device
 * @ivdev: the device
 * @desc: the descriptor
 */
void ivshmem_describe(struct ivshmem_vfio_pci_device *ivdev,
		      struct vfio_devstate_desc *desc)
{
	struct pci_dev *pdev = ivdev->core_device.pdev;

	memset(desc, 0, sizeof(*desc));
	strscpy(desc->model, IVSHMEM_MODEL, sizeof(desc->model));
	desc->model_version = IVSHMEM_MODEL_VERSION;
	desc->accept_min = IVSHMEM_MODEL_VERSION;
	desc->accept_max = IVSHMEM_MODEL_VERSION;
	desc->vendor = pdev->vendor;
	desc->device = pdev->device;
	desc->subsys_vendor = pdev->subsystem_vendor;
	desc->subsys_device = pdev->subsystem_device;
	desc->class_code = pdev->class;
	desc->revision = pdev->revision;
	/*
	 * The memory size must match exactly: the guest sized its use of
	 * BAR2 by it.  No ivshmem ever had a BAR2 of size 0, so 0 stands for
	 * "not named" and never matches a real size.
	 */
	strscpy(desc->params[0].name, "bar2_size",
		sizeof(desc->params[0].name));
	desc->params[0].value = pci_resource_len(pdev, IVSHMEM_MEM_BAR);
	desc->params[0].absent = 0;
	desc->nr_params = 1;
}

/**
 * ivshmem_regs_save - capture the register state
 * @ivdev: the device, stopped, its BARs accessible
 *	   (ivshmem_mem_access_begin())
 * @buf: IVSHMEM_STATE_LEN bytes
 *
 * Leaves the device as it found it.
 *
 * Return: 0 (register reads cannot fail).
 */
int ivshmem_regs_save(struct ivshmem_vfio_pci_device *ivdev, void *buf)
{
	void __iomem *regs = ivdev_bar(ivdev, IVSHMEM_REG_BAR);
	struct ivshmem_state *st = buf;
	u32 status;

	st->intrmask = cpu_to_le32(ioread32(regs + IVSHMEM_REG_INTRMASK));
	/* Reading INTRSTATUS clears it: put the value straight back. */
	status = ioread32(regs + IVSHMEM_REG_INTRSTATUS);
	if (status)
		iowrite32(status, regs + IVSHMEM_REG_INTRSTATUS);
	st->intrstatus = cpu_to_le32(status);
	return 0;
}

/**
 * ivshmem_regs_load - apply a register state ivshmem_regs_save() captured
 * @ivdev: the device, its BARs accessible
 * @buf: IVSHMEM_STATE_LEN bytes
 *
 * Return: 0 (register writes cannot fail).
 */
int ivshmem_regs_load(struct ivshmem_vfio_pci_device *ivdev, const void *buf)
{
	void __iomem *regs = ivdev_bar(ivdev, IVSHMEM_REG_BAR);
	const struct ivshmem_state *st = buf;

	iowrite32(le32_to_cpu(st->intrmask), regs + IVSHMEM_REG_INTRMASK);
	/* A write sets INTRSTATUS; clear what was there by reading it. */
	ioread32(regs + IVSHMEM_REG_INTRSTATUS);
	iowrite32(le32_to_cpu(st->intrstatus), regs + IVSHMEM_REG_INTRSTATUS);
	return 0;
}
