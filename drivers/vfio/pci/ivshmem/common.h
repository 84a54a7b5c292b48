/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ivshmem-vfio-pci: VFIO variant driver for QEMU's ivshmem-plain device.
 *
 * One concern per file: ivshmem.c knows the device (its registers, its
 * compatibility descriptor); migrate.c is the migration state machine;
 * save.c and resume.c are the two directions of the data file (save.c
 * owns the stream's layout and length); access.c keeps user space off the
 * BARs while the state is frozen; dirty.c tracks writes to the memory BAR
 * for pre-copy, log.c is DMA logging, sysfs.c and debugfs.c the
 * attributes.
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

/* BAR0 holds the registers, BAR2 the memory streamed as chunks. */
#define IVSHMEM_REG_BAR			0
#define IVSHMEM_MEM_BAR			2
/* Bytes of the device section: the register state (ivshmem.c). */
#define IVSHMEM_STATE_LEN		8

/*
 * Payload bytes of one memory chunk section in a saving stream at most; a
 * chunk never crosses a multiple of it, so that the bytes a set of dirty
 * pages takes to send depend on the set alone.
 */
#define IVSHMEM_CHUNK_LEN	SZ_128K
#define IVSHMEM_CHUNK_PAGES	(IVSHMEM_CHUNK_LEN >> PAGE_SHIFT)
/*
 * Payload bytes of a chunk that resuming stages until its CRC matched, at
 * most: the 1 MiB chunks earlier versions of this driver wrote, too.
 */
#define IVSHMEM_STAGE_LEN	SZ_1M

struct ivshmem_vfio_pci_device;

enum ivshmem_save_step {
	IVSHMEM_SAVE_CHUNK,	/* next: a chunk, the device section or the end */
	IVSHMEM_SAVE_PAYLOAD,	/* streaming a chunk's payload from the BAR */
	IVSHMEM_SAVE_DONE,	/* nothing after the staged bytes */
};

/* Bytes between the BAR or the decoder and user space per copy. */
#define IVSHMEM_BOUNCE_LEN	SZ_128K
/* Regions a chunk may address, by BAR index. */
#define IVSHMEM_NR_REGIONS	PCI_STD_NUM_BARS

/**
 * struct ivshmem_migration_file - one data file, saving or resuming
 * @filp: the file; ivdev->saving or ivdev->resuming holds a reference
 *	  while it is current
 * @ivdev: the device; not touched once @disabled
 * @lock: serialises readers or writers, and the calls below
 * @disabled: the file is no longer current: every call fails
 * @bounce: IVSHMEM_BOUNCE_LEN bytes between the BAR or the decoder and
 *	    user space
 * @state: the device section's payload
 * @wq: poll() waits here (saving: for pre-copy data); woken when the
 *	file is disabled
 * @stop_copy: saving: the device is stopped and its state captured
 * @ended: saving: the end record was handed out
 * @state_sent: saving: the device section is staged or read
 * @step: saving: what comes once @stage is drained
 * @enc: saving: encoder state
 * @hdr_len: saving: bytes of the header, the first bytes of the stream
 * @pos: saving: bytes handed out so far
 * @cursor: saving: page of the memory BAR where the search for dirty
 *	    pages goes on
 * @mem_off: saving: offset in the memory BAR of the next payload byte
 * @chunk_left: saving: payload bytes of the open chunk not yet handed out
 * @precopy_bytes: saving: bytes handed out before the device stopped
 * @passes: saving: times the search for dirty pages started over from 0
 * @stop_pages: saving: pages still dirty when the device stopped
 * @stage_len: saving: bytes in @stage
 * @stage_off: saving: bytes of @stage already handed out
 * @stage: saving: framing bytes waiting to be read (header, section
 *	   headers, trailers, end record)
 * @error: resuming: negative errno once the stream was refused (sticky)
 * @state_seen: resuming: the device section arrived with a good CRC
 * @nr_granules: resuming: bits in @covered
 * @covered: resuming: memory granules written by chunks whose CRC was good
 * @dec: resuming: decoder state
 * @region_size: resuming: size of each region a chunk may address
 * @chunk: resuming: IVSHMEM_CHUNK_LEN bytes, the open chunk's payload
 *	   until its CRC is checked
 * @staged: resuming: the open chunk is staged in @chunk (else written
 *	    through)
 * @msg: resuming: our own reason when a callback refuses a section
 *
 * One struct for both directions, as the in-tree drivers have it; the
 * fields of the other direction are left zero.
 */
struct ivshmem_migration_file {
	struct file *filp;
	struct ivshmem_vfio_pci_device *ivdev;
	struct mutex lock;	/* everything below, and disabled */
	bool disabled;
	void *bounce;
	u8 state[IVSHMEM_STATE_LEN];

	wait_queue_head_t wq;
	bool stop_copy;
	bool ended;
	bool state_sent;
	enum ivshmem_save_step step;
	struct vfio_devstate_enc enc;
	size_t hdr_len;
	u64 pos;
	unsigned long cursor;
	u64 mem_off;
	u64 chunk_left;
	u64 precopy_bytes;
	unsigned int passes;
	unsigned long stop_pages;
	size_t stage_len;
	size_t stage_off;
	u8 stage[VFIO_DEVSTATE_HDR_MAX];

	int error;
	bool state_seen;
	u64 nr_granules;
	unsigned long *covered;
	struct vfio_devstate_dec *dec;
	u64 region_size[IVSHMEM_NR_REGIONS];
	u8 *chunk;
	bool staged;
	char msg[VFIO_DEVSTATE_MSG_LEN];
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
	struct vfio_devstate_desc desc;
	resource_size_t mem_size;

	struct mutex state_mutex;	/* migration state and data files */
	enum vfio_device_mig_state mig_state;
	struct ivshmem_migration_file *saving;
	struct ivshmem_migration_file *resuming;
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
void ivshmem_describe(struct ivshmem_vfio_pci_device *ivdev,
		      struct vfio_devstate_desc *desc);
int ivshmem_regs_save(struct ivshmem_vfio_pci_device *ivdev, void *buf);
int ivshmem_regs_load(struct ivshmem_vfio_pci_device *ivdev,
		      const void *buf);

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

/* migf.c */
struct ivshmem_migration_file *
ivshmem_migf_alloc(struct ivshmem_vfio_pci_device *ivdev);
void ivshmem_migf_free(struct ivshmem_migration_file *migf);
int ivshmem_migf_release(struct inode *inode, struct file *filp);

/* save.c */
u64 ivshmem_stream_len(struct ivshmem_vfio_pci_device *ivdev,
		       unsigned int minor);
struct file *ivshmem_save_open(struct ivshmem_vfio_pci_device *ivdev,
			       bool precopy);
int ivshmem_save_stop_copy(struct ivshmem_migration_file *migf);
u64 ivshmem_save_remaining(struct ivshmem_migration_file *migf);

/* resume.c */
struct file *ivshmem_resume_open(struct ivshmem_vfio_pci_device *ivdev);
int ivshmem_resume_finish(struct ivshmem_migration_file *migf,
			  bool *state_lost);
void ivshmem_clear_last_error(struct ivshmem_vfio_pci_device *ivdev);

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
