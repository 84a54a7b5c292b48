/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: VFIO variant driver for QEMU's ivshmem-plain device.
 *
 * The driver is split in two: what belongs to ivshmem (ivshmem.c: which
 * registers make up the device state, which BAR holds the memory, the
 * compatibility descriptor) and what any vfio_pci_core device migrating in
 * the vfio-devstate format needs (migrate.c: the state machine; save.c and
 * resume.c: the data files; access.c: keeping user space off the BARs
 * while the state is frozen; sysfs.c: the devstate attributes).  The
 * generic part reaches the device only through struct ivshmem_mig_dev_ops.
 */
#ifndef IVSHMEM_VFIO_PCI_COMMON_H
#define IVSHMEM_VFIO_PCI_COMMON_H

#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/vfio_devstate.h>
#include <linux/vfio_pci_core.h>

#define IVSHMEM_PCI_DEVICE_ID		0x1110

struct ivshmem_vfio_pci_device;
struct ivshmem_save_file;
struct ivshmem_resume_file;

/**
 * struct ivshmem_mig_dev_ops - what the generic migration code needs from
 *                              the device
 * @describe: fill the compatibility descriptor of the device
 * @state_len: bytes of the device section (register state)
 * @save_state: capture the register state into @buf (@state_len bytes)
 *              without changing the device; called with the device stopped
 *              and the BARs made accessible (ivshmem_mem_access_begin())
 * @load_state: apply a register state captured by @save_state, likewise
 * @reg_bar: BAR holding the registers
 * @mem_bar: BAR holding the device memory streamed as chunks
 */
struct ivshmem_mig_dev_ops {
	void (*describe)(struct ivshmem_vfio_pci_device *ivdev,
			 struct vfio_devstate_desc *desc);
	size_t state_len;
	int (*save_state)(struct ivshmem_vfio_pci_device *ivdev, void *buf);
	int (*load_state)(struct ivshmem_vfio_pci_device *ivdev,
			  const void *buf);
	int reg_bar;
	int mem_bar;
};

/**
 * struct ivshmem_dma_log - what DMA logging was started for
 * @active: VFIO_DEVICE_FEATURE_DMA_LOGGING_START succeeded, no STOP since
 * @page_size: granule reported back to user space
 * @nr_ranges: entries in @ranges
 * @ranges: the IOVA ranges being logged, ascending, [start, last]
 */
struct ivshmem_dma_log {
	bool active;
	u64 page_size;
	u32 nr_ranges;
	struct ivshmem_dma_range {
		unsigned long start;
		unsigned long last;
	} *ranges;
};

/**
 * struct ivshmem_save_stats - the saving stream in progress, and the last
 *                             one read to its end
 * @cur_bytes: bytes of the saving stream in progress read so far
 * @cur_passes: passes over the memory BAR it began so far
 * @streams: saving streams read to their end since the device was bound
 * @precopy_bytes: bytes of the last one read while the device ran
 * @stopcopy_bytes: bytes of it read once the device had stopped
 * @passes: passes over the memory BAR in its pre-copy (0 without)
 * @stop_pages: pages still dirty when the device stopped
 */
struct ivshmem_save_stats {
	u64 cur_bytes;
	unsigned int cur_passes;
	u64 streams;
	u64 precopy_bytes;
	u64 stopcopy_bytes;
	unsigned int passes;
	unsigned long stop_pages;
};

/**
 * struct ivshmem_vfio_pci_device - one ivshmem function bound to us
 * @core_device: vfio_pci_core state; must stay first-class embedded
 * @dev_ops: device-specific half of migration
 * @desc: compatibility descriptor, built at probe (immutable afterwards)
 * @mem_size: size of the memory BAR
 * @state_mutex: serialises migration state changes and the data files
 * @mig_state: current VFIO migration state (state_mutex)
 * @saving: open saving data file, if any (state_mutex)
 * @resuming: open resuming data file, if any (state_mutex)
 * @emit_minor: format minor that saving streams are written as (state_mutex)
 * @err_lock: protects @last_error
 * @last_error: why the stream of the last RESUMING was refused, empty if
 *	it was not (cleared when RESUMING begins)
 * @reset_lock: protects @deferred_reset
 * @deferred_reset: a reset happened while @state_mutex was held elsewhere
 * @access_rwsem: taken for write (with memory_lock) to change
 *                @access_blocked, for read by region accesses to the
 *                register and memory BARs
 * @access_blocked: user access to those BARs is refused (device stopped);
 *                  changed under @access_rwsem and memory_lock, both for
 *                  write
 * @nr_pages: pages of the memory BAR, bits in @dirty
 * @dirty: pages of the memory BAR written since they were last sent
 *         (memory_lock: set under read with atomic bitops, cleared under
 *         write)
 * @tracking: writes to the memory BAR are being tracked in @dirty: user
 *            mappings are read-only until written (memory_lock)
 * @dirty_wq: while tracking, the saving file's poll waitqueue, woken when
 *            a page turns dirty (memory_lock)
 * @log: DMA logging state (state_mutex)
 * @stats_lock: protects @stats
 * @stats: the last saving stream, for debugfs
 * @debugfs: this device's debugfs directory
 */
struct ivshmem_vfio_pci_device {
	struct vfio_pci_core_device core_device;
	const struct ivshmem_mig_dev_ops *dev_ops;
	struct vfio_devstate_desc desc;
	resource_size_t mem_size;

	struct mutex state_mutex;	/* migration state and data files */
	enum vfio_device_mig_state mig_state;
	struct ivshmem_save_file *saving;
	struct ivshmem_resume_file *resuming;
	unsigned int emit_minor;
	spinlock_t err_lock;		/* last_error */
	char last_error[VFIO_DEVSTATE_MSG_LEN];

	spinlock_t reset_lock;		/* deferred_reset */
	bool deferred_reset;

	struct rw_semaphore access_rwsem;
	bool access_blocked;

	unsigned long nr_pages;
	unsigned long *dirty;
	bool tracking;
	wait_queue_head_t *dirty_wq;

	struct ivshmem_dma_log log;

	spinlock_t stats_lock;		/* stats */
	struct ivshmem_save_stats stats;
	struct dentry *debugfs;
};

static inline struct ivshmem_vfio_pci_device *
to_ivdev(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct ivshmem_vfio_pci_device,
			    core_device.vdev);
}

static inline struct device *ivdev_dev(struct ivshmem_vfio_pci_device *ivdev)
{
	return &ivdev->core_device.pdev->dev;
}

static inline void __iomem *ivdev_bar(struct ivshmem_vfio_pci_device *ivdev,
				      int bar)
{
	return ivdev->core_device.barmap[bar];
}

/* ivshmem.c */
extern const struct ivshmem_mig_dev_ops ivshmem_dev_ops;

/*
 * Payload bytes of one memory chunk section in a saving stream at most; a
 * chunk never crosses a multiple of it, so that the bytes a set of dirty
 * pages takes to send depend on the set alone.
 */
#define IVSHMEM_CHUNK_LEN	SZ_1M
#define IVSHMEM_CHUNK_PAGES	(IVSHMEM_CHUNK_LEN >> PAGE_SHIFT)

/* migrate.c */
extern const struct vfio_migration_ops ivshmem_migration_ops;
void ivshmem_mig_init(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_mig_destroy(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_mig_open(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_mig_close(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_mig_reset_done(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_mig_reset_sync(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_state_mutex_lock(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_state_mutex_unlock(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_set_last_error(struct ivshmem_vfio_pci_device *ivdev,
			    const char *msg);

/* save.c */
u64 ivshmem_stream_len(struct ivshmem_vfio_pci_device *ivdev,
		       unsigned int minor);
struct file *ivshmem_save_open(struct ivshmem_vfio_pci_device *ivdev,
			       bool precopy);
int ivshmem_save_stop_copy(struct ivshmem_save_file *sf);
u64 ivshmem_save_remaining(struct ivshmem_save_file *sf);
void ivshmem_save_disable(struct ivshmem_save_file *sf);
struct file *ivshmem_save_filp(struct ivshmem_save_file *sf);

/* resume.c */
struct file *ivshmem_resume_open(struct ivshmem_vfio_pci_device *ivdev);
int ivshmem_resume_finish(struct ivshmem_resume_file *rf, bool *state_lost);
void ivshmem_resume_disable(struct ivshmem_resume_file *rf);
struct file *ivshmem_resume_filp(struct ivshmem_resume_file *rf);

/* access.c */
ssize_t ivshmem_vfio_pci_read(struct vfio_device *core_vdev, char __user *buf,
			      size_t count, loff_t *ppos);
ssize_t ivshmem_vfio_pci_write(struct vfio_device *core_vdev,
			       const char __user *buf, size_t count,
			       loff_t *ppos);
int ivshmem_vfio_pci_mmap(struct vfio_device *core_vdev,
			  struct vm_area_struct *vma);
void ivshmem_access_block(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_access_unblock(struct ivshmem_vfio_pci_device *ivdev);
int ivshmem_mem_access_begin(struct ivshmem_vfio_pci_device *ivdev, u16 *cmd);
void ivshmem_mem_access_end(struct ivshmem_vfio_pci_device *ivdev, u16 cmd);
void ivshmem_zap_bar(struct ivshmem_vfio_pci_device *ivdev, int bar);
void ivshmem_zap_pages(struct ivshmem_vfio_pci_device *ivdev, int bar,
		       unsigned long first, unsigned long nr);

/* dirty.c */
int ivshmem_dirty_init(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_dirty_destroy(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_dirty_start(struct ivshmem_vfio_pci_device *ivdev, bool track,
			 wait_queue_head_t *wq);
void ivshmem_dirty_stop(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_dirty_mark(struct ivshmem_vfio_pci_device *ivdev,
			unsigned long first, unsigned long nr);
void ivshmem_dirty_note_write(struct ivshmem_vfio_pci_device *ivdev,
			      u64 off, size_t len);
bool ivshmem_dirty_take(struct ivshmem_vfio_pci_device *ivdev,
			unsigned long *cursor, u64 *off, u64 *len);
u64 ivshmem_dirty_stream_bytes(struct ivshmem_vfio_pci_device *ivdev);

/* log.c */
extern const struct vfio_log_ops ivshmem_log_ops;
void ivshmem_log_stop(struct ivshmem_vfio_pci_device *ivdev);

/* debugfs.c */
void ivshmem_debugfs_init(void);
void ivshmem_debugfs_exit(void);
void ivshmem_debugfs_add(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_debugfs_remove(struct ivshmem_vfio_pci_device *ivdev);
bool ivshmem_should_fail_resume_apply(void);

/* sysfs.c */
extern const struct attribute_group *ivshmem_vfio_pci_groups[];

#endif /* IVSHMEM_VFIO_PCI_COMMON_H */
