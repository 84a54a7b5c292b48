/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the VFIO migration selftests: the migration uAPI
 * (VFIO_DEVICE_FEATURE_MIGRATION, _MIG_DEVICE_STATE, _MIG_DATA_SIZE,
 * VFIO_MIG_GET_PRECOPY_INFO), whole-stream save and resume with chosen
 * read/write sizes, the ivshmem state the tests compare, and the pieces
 * needed to craft vfio-devstate streams (the layout, CRC32C, section
 * framing).
 *
 * Like vfio_util.h, every function that can fail returns 0 (or a count)
 * on success and a negative errno on failure.
 */
#ifndef VFIO_MIG_H
#define VFIO_MIG_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>
#include <linux/vfio_devstate.h>

#include "vfio_util.h"

#define MIG_NR_STATES		(VFIO_DEVICE_STATE_PRE_COPY_P2P + 1)

const char *mig_state_name(uint32_t state);

/* VFIO_DEVICE_FEATURE_MIGRATION: the migration_flags of the device. */
int mig_flags(struct vfio_dev *dev, uint64_t *flags);
int mig_get_state(struct vfio_dev *dev, uint32_t *state);
/*
 * Request @state. *@data_fd (if not NULL) gets the new data fd or -1.
 * Returns 0 or -errno of the ioctl.
 */
int mig_set_state(struct vfio_dev *dev, uint32_t state, int *data_fd);
int mig_data_size(struct vfio_dev *dev, uint64_t *size);
int mig_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty);
/* Back to RUNNING: by request, else by VFIO_DEVICE_RESET; checks it. */
int mig_to_running(struct vfio_dev *dev);

/* A growing byte buffer. */
struct mig_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

int mig_buf_reserve(struct mig_buf *b, size_t cap);
int mig_buf_put(struct mig_buf *b, const void *data, size_t len);
void mig_buf_free(struct mig_buf *b);

/*
 * How a stream is cut into read() or write() calls: @small bytes per call
 * for the first @small_until bytes, then @big per call.
 */
struct mig_io {
	size_t small;
	size_t small_until;
	size_t big;
};

/*
 * Read @fd until read() returns 0 (end of stream) or fails with ENOMSG
 * (pre-copy data drained): appended to @b. Returns the bytes read, or
 * -errno of a failing read.
 */
ssize_t mig_read_stream(int fd, struct mig_buf *b, const struct mig_io *io,
			bool *enomsg);
/*
 * Read exactly the initial_bytes that VFIO_MIG_GET_PRECOPY_INFO reports
 * on the PRE_COPY saving fd @fd (the stream header): appended to @b.
 * Returns the bytes read or -errno.
 */
ssize_t mig_read_initial(int fd, struct mig_buf *b);
/*
 * Write @len bytes to @fd as @io says. *@done gets the bytes accepted.
 * Returns 0, or -errno of the first failing write.
 */
int mig_write_stream(int fd, const void *data, size_t len,
		     const struct mig_io *io, size_t *done);

/* What one save recorded, for the tests to check. */
struct mig_save_info {
	uint64_t size_before;	/* MIG_DATA_SIZE before saving */
	uint64_t initial_bytes;	/* PRECOPY_INFO at PRE_COPY entry */
	uint64_t dirty_bytes;	/* likewise */
	uint64_t precopy_read;	/* bytes read in PRE_COPY before ENOMSG */
	uint64_t size_stop_copy; /* MIG_DATA_SIZE on entering STOP_COPY */
	uint64_t initial_after;	/* PRECOPY_INFO after pre-copy was read */
	uint64_t dirty_after;	/* likewise */
	bool enomsg;		/* the pre-copy read ended with ENOMSG */
};

/*
 * Save @dev (RUNNING) into @b: with @precopy through PRE_COPY (read until
 * ENOMSG),
 * PRE_COPY_P2P, then STOP_COPY; without, straight to STOP_COPY. Ends in
 * STOP. Returns 0 or -errno, with @info filled as far as it got.
 */
int mig_save(struct vfio_dev *dev, struct mig_buf *b, bool precopy,
	     const struct mig_io *io, struct mig_save_info *info);
/*
 * Load @data into @dev (RUNNING): RESUMING, write, STOP, RUNNING.
 * *@stage (if not NULL) says where a failure happened: 0 set RESUMING,
 * 1 write, 2 RESUMING->STOP, 3 STOP->RUNNING.
 */
int mig_resume(struct vfio_dev *dev, const void *data, size_t len,
	       const struct mig_io *io, int *stage);

/* ivshmem state as the tests set and compare it. */
#define MIG_INTRMASK_VAL	0xa5a50000u	/* no bit shared with ... */
#define MIG_INTRSTATUS_VAL	0x00005a5au	/* ... so no INTx fires */

/* Fill the mmap of BAR2 with a pattern derived from @seed. */
void mig_fill_pattern(void *mem, size_t len, uint64_t seed);
/* Offset of the first byte differing from the pattern, or -1. */
ssize_t mig_check_pattern(const void *mem, size_t len, uint64_t seed,
			  size_t step);
/* Map BAR2 of @dev. */
int mig_map_bar2(struct vfio_dev *dev, void **mem, size_t *len);
/* Set INTRMASK and INTRSTATUS. */
int mig_set_regs(struct vfio_dev *dev, uint32_t mask, uint32_t status);
/* Read INTRMASK and INTRSTATUS (which clears INTRSTATUS). */
int mig_get_regs(struct vfio_dev *dev, uint32_t *mask, uint32_t *status);

/*
 * CRC32C with the kernel's calling convention (the raw register in and
 * out, no inversion): tools/lib/vfio_devstate/crc32c.c, built into the
 * library.  The format's CRC is ~crc32c(~0, ...), which mig_crc32c() is.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

static inline uint32_t mig_crc32c(const void *data, size_t len)
{
	return ~crc32c(~0u, data, len);
}

/* Little-endian field access in a stream buffer. */
static inline void mig_put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void mig_put32(uint8_t *p, uint32_t v)
{
	mig_put16(p, v);
	mig_put16(p + 2, v >> 16);
}

static inline void mig_put64(uint8_t *p, uint64_t v)
{
	mig_put32(p, v);
	mig_put32(p + 4, v >> 32);
}

static inline uint32_t mig_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t mig_get64(const uint8_t *p)
{
	return mig_get32(p) | (uint64_t)mig_get32(p + 4) << 32;
}

/*
 * The stream layout, from the uapi structs alone: MIG_HDR(field) is the
 * offset of a field of struct vfio_devstate_header in a stream, and so on
 * for a parameter entry, a section header and the end record's payload.
 * The asserts tie the structs to the lengths the format fixes.
 */
#define MIG_HDR(field)		offsetof(struct vfio_devstate_header, field)
#define MIG_PARAM(field)	offsetof(struct vfio_devstate_param, field)
#define MIG_SEC(field)		offsetof(struct vfio_devstate_section, field)
#define MIG_END(field)		offsetof(struct vfio_devstate_end, field)

#define MIG_HDR_LEN		sizeof(struct vfio_devstate_header)
#define MIG_PARAM_LEN		sizeof(struct vfio_devstate_param)
#define MIG_SEC_LEN		sizeof(struct vfio_devstate_section)
#define MIG_END_LEN		sizeof(struct vfio_devstate_end)
#define MIG_CRC_LEN		VFIO_DEVSTATE_CRC_LEN
/* Stream bytes of a section with @len payload bytes: header, payload, CRC. */
#define MIG_SEC_SPAN(len)	(MIG_SEC_LEN + (len) + MIG_CRC_LEN)
/* Bytes a section header's CRC covers: those in front of it. */
#define MIG_SEC_HDR_CRC_LEN	MIG_SEC(hdr_crc)

static_assert(MIG_HDR_LEN == VFIO_DEVSTATE_HDR_MIN, "header");
static_assert(MIG_PARAM_LEN == VFIO_DEVSTATE_PARAM_MIN, "parameter entry");
static_assert(MIG_SEC_LEN == VFIO_DEVSTATE_SECTION_LEN, "section header");
static_assert(MIG_END_LEN == VFIO_DEVSTATE_END_LEN, "end record");
static_assert(sizeof(((struct vfio_devstate_header *)0)->magic) ==
	      VFIO_DEVSTATE_MAGIC_LEN, "magic");
static_assert(sizeof(((struct vfio_devstate_header *)0)->model) ==
	      VFIO_DEVSTATE_MODEL_LEN, "model");
static_assert(sizeof(((struct vfio_devstate_param *)0)->name) ==
	      VFIO_DEVSTATE_PARAM_NAME_LEN, "parameter name");
static_assert(MIG_SEC(hdr_crc) + MIG_CRC_LEN == MIG_SEC_LEN,
	      "the section header ends in its CRC");

/* Header length of a stream (its header_len field). */
static inline uint32_t mig_header_len(const uint8_t *stream)
{
	return mig_get32(stream + MIG_HDR(header_len));
}

/* Recompute the CRC at the end of the header of @stream. */
void mig_fix_header_crc(uint8_t *stream);
/* Recompute both CRCs of the section at @sec. */
void mig_fix_section_crcs(uint8_t *sec);
/* Fill the MIG_SEC_LEN bytes at @h as a section header, its CRC right. */
void mig_sec_hdr(uint8_t *h, uint32_t type, uint32_t flags, uint64_t length,
		 uint64_t offset, uint32_t index);

/*
 * Append a section to @b. @payload may be NULL for @len zero bytes.
 * Returns 0 or -ENOMEM.
 */
int mig_put_section(struct mig_buf *b, uint32_t type, uint32_t flags,
		    uint64_t length, uint64_t offset, uint32_t index,
		    const void *payload, size_t len);
/* Append an end record counting @nr_sections in @b->len bytes. */
int mig_put_end(struct mig_buf *b, uint32_t nr_sections);

/* /sys/bus/pci/devices/BDF/vfio_devstate/ATTR */
/* Write @val to the file at @path (debugfs, procfs): 0 or -errno. */
int mig_write_str(const char *path, const char *val);
ssize_t mig_sysfs_read(const char *bdf, const char *attr, char *buf,
		       size_t len);
int mig_sysfs_write(const char *bdf, const char *attr, const char *val);

/* Whether the kernel log (since boot) contains @needle. */
bool mig_klog_contains(const char *needle);

#endif /* VFIO_MIG_H */
