/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_MIGRATION_H
#define SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_MIGRATION_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/vfio.h>

struct vfio_pci_device;

/*
 * VFIO migration (v2) of any device that offers it: the device state
 * feature, the data fd, and whole-stream save and resume. The functions
 * whose name starts with "__" return 0 or a negative errno; the others
 * assert success.
 */

#define VFIO_MIG_NR_STATES	(VFIO_DEVICE_STATE_PRE_COPY_P2P + 1)

const char *vfio_mig_state_name(u32 state);

/* VFIO_DEVICE_FEATURE_MIGRATION flags; 0 when migration is not offered. */
u64 vfio_pci_mig_flags(struct vfio_pci_device *device);

/* Whether the device can be put in @state, by its migration flags. */
bool vfio_pci_mig_state_supported(struct vfio_pci_device *device, u32 state);

int __vfio_pci_mig_get_state(struct vfio_pci_device *device, u32 *state);
u32 vfio_pci_mig_get_state(struct vfio_pci_device *device);

/*
 * Request @state. *@data_fd (if not NULL) gets the data fd the request
 * opened, or -1.
 */
int __vfio_pci_mig_set_state(struct vfio_pci_device *device, u32 state,
			     int *data_fd);
/* As above; returns the data fd or -1. */
int vfio_pci_mig_set_state(struct vfio_pci_device *device, u32 state);

/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE. */
int __vfio_pci_mig_data_size(struct vfio_pci_device *device, u64 *size);

/* VFIO_MIG_GET_PRECOPY_INFO on a PRE_COPY data fd. */
int __vfio_mig_precopy_info(int data_fd, struct vfio_precopy_info *info);

/* Back in RUNNING: by request, or else by VFIO_DEVICE_RESET. */
void vfio_pci_mig_to_running(struct vfio_pci_device *device);

/* A migration stream in memory. */
struct vfio_mig_stream {
	u8 *data;
	size_t len;
	size_t cap;
};

void vfio_mig_stream_put(struct vfio_mig_stream *s, const void *data,
			 size_t len);
void vfio_mig_stream_free(struct vfio_mig_stream *s);

/*
 * read() @fd in calls of @chunk bytes into @s until end of stream, or in
 * PRE_COPY until ENOMSG (*@enomsg set, if not NULL). Returns the bytes
 * read, or -errno of the failing read().
 */
ssize_t __vfio_mig_read(int fd, struct vfio_mig_stream *s, size_t chunk,
			bool *enomsg);

/*
 * write() @len bytes of @data to @fd in calls of @chunk bytes. Returns 0,
 * or -errno of the first failing write().
 */
int __vfio_mig_write(int fd, const void *data, size_t len, size_t chunk);

/*
 * Save the device (RUNNING) into @s, read in calls of @chunk bytes: with
 * @precopy through PRE_COPY until ENOMSG, then STOP_COPY; without,
 * straight to STOP_COPY. Ends in STOP.
 */
void vfio_pci_mig_save(struct vfio_pci_device *device,
		       struct vfio_mig_stream *s, bool precopy, size_t chunk);

/* Where __vfio_pci_mig_resume() failed. */
enum vfio_mig_resume_stage {
	VFIO_MIG_RESUME_ENTER,		/* RUNNING -> RESUMING */
	VFIO_MIG_RESUME_WRITE,		/* write() of the stream */
	VFIO_MIG_RESUME_LOAD,		/* RESUMING -> STOP */
	VFIO_MIG_RESUME_RUN,		/* STOP -> RUNNING */
};

/*
 * Load @len bytes of @data into the device (RUNNING): RESUMING, write()
 * in calls of @chunk bytes, STOP, RUNNING. Returns 0, or -errno with
 * *@stage (if not NULL) saying where. A failed resume is left as it is.
 */
int __vfio_pci_mig_resume(struct vfio_pci_device *device, const void *data,
			  size_t len, size_t chunk,
			  enum vfio_mig_resume_stage *stage);
void vfio_pci_mig_resume(struct vfio_pci_device *device, const void *data,
			 size_t len, size_t chunk);

/*
 * What a test needs to know of a device's state to check that a migration
 * carried it: an entry per device, in lib/drivers/, like the DMA drivers
 * of vfio_pci_driver.h. Tests run without one where they can.
 */
struct vfio_pci_mig_driver_ops {
	const char *name;

	/* 0 if the entry knows @device. */
	int (*probe)(struct vfio_pci_device *device);

	/* Put the device (RUNNING) in a state derived from @seed. */
	void (*fill)(struct vfio_pci_device *device, u64 seed);

	/*
	 * Whether the device (RUNNING) holds the state fill() gave it for
	 * @seed: 0, or -1 with what differs printed on stderr.
	 */
	int (*verify)(struct vfio_pci_device *device, u64 seed);
};

/* The entry that knows @device, or NULL. */
const struct vfio_pci_mig_driver_ops *
vfio_pci_mig_driver_probe(struct vfio_pci_device *device);

/*
 * Migrate @src (RUNNING) into @dst (RUNNING; @src itself is allowed) as
 * vfio_pci_mig_save() and vfio_pci_mig_resume() do, and where an entry
 * knows the device: fill @src from @seed first, check that saving left
 * it alone and that @dst did not hold the state before but does after.
 * Both end in RUNNING. Returns whether the state was checked.
 */
bool vfio_pci_mig_roundtrip(struct vfio_pci_device *src,
			    struct vfio_pci_device *dst, bool precopy,
			    size_t rd_chunk, size_t wr_chunk, u64 seed);

/*
 * Streams in the vfio-devstate format (include/uapi/linux/vfio_devstate.h):
 * whether @data starts one, and the CRC32C of its header recomputed after
 * a test edited a field.
 */
bool vfio_devstate_is_stream(const void *data, size_t len);
u32 vfio_devstate_header_len(const void *data);
void vfio_devstate_fix_header_crc(void *data);

#endif /* SELFTESTS_VFIO_LIB_INCLUDE_LIBVFIO_VFIO_PCI_MIGRATION_H */
