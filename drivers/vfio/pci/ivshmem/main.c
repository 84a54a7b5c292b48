// SPDX-License-Identifier: GPL-2.0-only
/*
 * ivshmem-vfio-pci: VFIO PCI variant driver for QEMU's ivshmem-plain device
 * (PCI 1af4:1110), with live migration of its state in the vfio-devstate
 * format.
 *
 * User space sees the device exactly as through vfio-pci (config space,
 * BAR0 registers, BAR2 shared memory, reset), plus the VFIO migration v2
 * interface.  The driver binds only when asked to through driver_override.
 */

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "common.h"
#include "compat.h"

static int ivshmem_vfio_pci_init_dev(struct vfio_device *core_vdev)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	struct pci_dev *pdev;
	int ret;

	ret = vfio_pci_core_init_dev(core_vdev);
	if (ret)
		return ret;

	pdev = ivdev->core_device.pdev;
	ivdev->mem_size = pci_resource_len(pdev, IVSHMEM_MEM_BAR);
	ivshmem_describe(ivdev, &ivdev->desc);
	ivshmem_mig_init(ivdev);
	if (!ivdev->mem_size || !PAGE_ALIGNED(ivdev->mem_size)) {
		dev_warn(&pdev->dev,
			 "BAR%d of %llu bytes is not a whole number of pages: migration not offered\n",
			 IVSHMEM_MEM_BAR, (u64)ivdev->mem_size);
		return 0;
	}
	ret = ivshmem_dirty_init(ivdev);
	if (ret) {
		/* The core's init allocated nothing to undo. */
		ivshmem_mig_destroy(ivdev);
		return ret;
	}
	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P |
				     VFIO_MIGRATION_PRE_COPY;
	core_vdev->mig_ops = &ivshmem_migration_ops;
	/*
	 * The vfio core hands DMA_LOGGING_REPORT to a driver through
	 * iova_bitmap, which only CONFIG_IOMMUFD_DRIVER builds (Kconfig
	 * selects it; an out-of-tree build may lack it).  Without it the
	 * core fails every report, and a VMM offered DMA logging would fail
	 * the migration at its first dirty sync.
	 */
	if (IS_ENABLED(CONFIG_IOMMUFD_DRIVER))
		core_vdev->log_ops = &ivshmem_log_ops;
	else
		dev_info(&pdev->dev,
			 "DMA logging not offered: this kernel's VFIO core cannot report dirty pages (CONFIG_IOMMUFD_DRIVER is not set)\n");
	return 0;
}

static void ivshmem_vfio_pci_release_dev(struct vfio_device *core_vdev)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);

	ivshmem_dirty_destroy(ivdev);
	ivshmem_mig_destroy(ivdev);
	vfio_pci_core_release_dev(core_vdev);
}

/* The kernel's own mappings of the BARs, for the streams. */
static int ivshmem_map_bars(struct vfio_pci_core_device *vdev)
{
	void __iomem *io = vfio_pci_core_get_iomap(vdev, IVSHMEM_REG_BAR);

	if (!IS_ERR(io))
		io = vfio_pci_core_get_iomap(vdev, IVSHMEM_MEM_BAR);
	return PTR_ERR_OR_ZERO(io);
}

static int ivshmem_vfio_pci_open_device(struct vfio_device *core_vdev)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);
	struct vfio_pci_core_device *vdev = &ivdev->core_device;
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;

	if (core_vdev->mig_ops) {
		ret = ivshmem_map_bars(vdev);
		if (ret) {
			dev_err(ivdev_dev(ivdev), "cannot map BARs: %d\n", ret);
			vfio_pci_core_disable(vdev);
			return ret;
		}
		ivshmem_mig_open(ivdev);
	}

	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static void ivshmem_vfio_pci_close_device(struct vfio_device *core_vdev)
{
	struct ivshmem_vfio_pci_device *ivdev = to_ivdev(core_vdev);

	if (core_vdev->mig_ops)
		ivshmem_mig_close(ivdev);
	vfio_pci_core_close_device(core_vdev);
}

static long ivshmem_vfio_pci_ioctl(struct vfio_device *core_vdev,
				   unsigned int cmd, unsigned long arg)
{
	long ret = vfio_pci_core_ioctl(core_vdev, cmd, arg);

	/* reset_done only recorded the reset: apply it before returning. */
	if (core_vdev->mig_ops &&
	    (cmd == VFIO_DEVICE_RESET || cmd == VFIO_DEVICE_PCI_HOT_RESET))
		ivshmem_mig_reset_sync(to_ivdev(core_vdev));
	return ret;
}

static const struct vfio_device_ops ivshmem_vfio_pci_ops = {
	.name = "ivshmem-vfio-pci",
	.init = ivshmem_vfio_pci_init_dev,
	.release = ivshmem_vfio_pci_release_dev,
	.open_device = ivshmem_vfio_pci_open_device,
	.close_device = ivshmem_vfio_pci_close_device,
	.ioctl = ivshmem_vfio_pci_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = ivshmem_vfio_pci_read,
	.write = ivshmem_vfio_pci_write,
	.mmap = ivshmem_vfio_pci_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
#ifdef IVSHMEM_HAVE_MATCH_TOKEN_UUID
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#endif
#ifdef IVSHMEM_HAVE_REGION_INFO_CAPS
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#endif
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

static int ivshmem_vfio_pci_probe(struct pci_dev *pdev,
				  const struct pci_device_id *id)
{
	struct ivshmem_vfio_pci_device *ivdev;
	int ret;

	ivdev = vfio_alloc_device(ivshmem_vfio_pci_device, core_device.vdev,
				  &pdev->dev, &ivshmem_vfio_pci_ops);
	if (IS_ERR(ivdev))
		return PTR_ERR(ivdev);

	dev_set_drvdata(&pdev->dev, &ivdev->core_device);
	ret = vfio_pci_core_register_device(&ivdev->core_device);
	if (ret)
		goto out_put;
	ivshmem_debugfs_add(ivdev);
	return 0;

out_put:
	vfio_put_device(&ivdev->core_device.vdev);
	return ret;
}

static void ivshmem_vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	ivshmem_debugfs_remove(to_ivdev(&vdev->vdev));
	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static void ivshmem_vfio_pci_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	if (vdev->vdev.mig_ops)
		ivshmem_mig_reset_done(to_ivdev(&vdev->vdev));
}

static const struct pci_error_handlers ivshmem_vfio_pci_err_handlers = {
	.reset_done = ivshmem_vfio_pci_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

static const struct pci_device_id ivshmem_vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_VENDOR_ID_REDHAT_QUMRANET,
					  IVSHMEM_PCI_DEVICE_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, ivshmem_vfio_pci_table);

static struct pci_driver ivshmem_vfio_pci_driver = {
	.name = "ivshmem-vfio-pci",
	.id_table = ivshmem_vfio_pci_table,
	.probe = ivshmem_vfio_pci_probe,
	.remove = ivshmem_vfio_pci_remove,
	.err_handler = &ivshmem_vfio_pci_err_handlers,
	.dev_groups = ivshmem_vfio_pci_groups,
	.driver_managed_dma = true,
};

static int __init ivshmem_vfio_pci_init(void)
{
	int ret;

	ivshmem_debugfs_init();
	ret = pci_register_driver(&ivshmem_vfio_pci_driver);
	if (ret)
		ivshmem_debugfs_exit();
	return ret;
}
module_init(ivshmem_vfio_pci_init);

static void __exit ivshmem_vfio_pci_exit(void)
{
	pci_unregister_driver(&ivshmem_vfio_pci_driver);
	ivshmem_debugfs_exit();
}
module_exit(ivshmem_vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO PCI variant driver with live migration for QEMU ivshmem-plain");
