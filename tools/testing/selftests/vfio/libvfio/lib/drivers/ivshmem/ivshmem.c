// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's ivshmem-plain (1af4:1110), as the migration tests see it: its
 * state is the interrupt mask and status registers in BAR0 and the whole
 * of the shared memory in BAR2.
 */
#include <stdio.h>
#include <unistd.h>

#include <linux/io.h>
#include <linux/pci_regs.h>

#include <libvfio.h>

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110

#define IVSHMEM_REG_BAR		0
#define IVSHMEM_MEM_BAR		2
#define IVSHMEM_INTRMASK	0x0
#define IVSHMEM_INTRSTATUS	0x4	/* reading clears it */

static u64 mix(u64 x)
{
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static u64 pattern(u64 seed, size_t i)
{
	return mix(seed * 0x9e3779b97f4a7c15ULL + i);
}

/* No bit in both, so that no INTx is raised. */
static u32 seed_mask(u64 seed)
{
	return (u32)mix(seed) & 0xffff0000U;
}

static u32 seed_status(u64 seed)
{
	return (u32)mix(seed) & 0x0000ffffU;
}

static void reg_write(struct vfio_pci_device *device, u32 reg, u32 val)
{
	off_t off = device->bars[IVSHMEM_REG_BAR].info.offset + reg;

	VFIO_ASSERT_EQ(pwrite(device->fd, &val, sizeof(val), off), 4);
}

static u32 reg_read(struct vfio_pci_device *device, u32 reg)
{
	off_t off = device->bars[IVSHMEM_REG_BAR].info.offset + reg;
	u32 val;

	VFIO_ASSERT_EQ(pread(device->fd, &val, sizeof(val), off), 4);
	return val;
}

static int ivshmem_probe(struct vfio_pci_device *device)
{
	if (!vfio_pci_device_match(device, IVSHMEM_VENDOR_ID,
				   IVSHMEM_DEVICE_ID))
		return -EINVAL;
	if (!device->bars[IVSHMEM_MEM_BAR].vaddr)
		return -EINVAL;
	return 0;
}

static void ivshmem_fill(struct vfio_pci_device *device, u64 seed)
{
	struct vfio_pci_bar *bar = &device->bars[IVSHMEM_MEM_BAR];
	u64 *mem = bar->vaddr;
	size_t i;

	for (i = 0; i < bar->info.size / sizeof(u64); i++)
		writeq(pattern(seed, i), mem + i);
	reg_write(device, IVSHMEM_INTRMASK, seed_mask(seed));
	reg_write(device, IVSHMEM_INTRSTATUS, seed_status(seed));
}

static int ivshmem_verify(struct vfio_pci_device *device, u64 seed)
{
	struct vfio_pci_bar *bar = &device->bars[IVSHMEM_MEM_BAR];
	u64 *mem = bar->vaddr;
	u32 mask, status;
	size_t i;
	u64 v;

	mask = reg_read(device, IVSHMEM_INTRMASK);
	status = reg_read(device, IVSHMEM_INTRSTATUS);
	if (mask != seed_mask(seed) || status != seed_status(seed)) {
		dev_err(device, "INTRMASK %#x INTRSTATUS %#x, expected %#x %#x\n",
			mask, status, seed_mask(seed), seed_status(seed));
		return -1;
	}
	for (i = 0; i < bar->info.size / sizeof(u64); i++) {
		v = readq(mem + i);
		if (v != pattern(seed, i)) {
			dev_err(device, "BAR2 offset %#zx: %#llx, expected %#llx\n",
				i * sizeof(u64), (unsigned long long)v,
				(unsigned long long)pattern(seed, i));
			return -1;
		}
	}
	/* The status read cleared it: put it back, so verify can repeat. */
	reg_write(device, IVSHMEM_INTRSTATUS, status);
	return 0;
}

struct vfio_pci_mig_driver_ops ivshmem_mig_ops = {
	.name = "ivshmem",
	.probe = ivshmem_probe,
	.fill = ivshmem_fill,
	.verify = ivshmem_verify,
};
