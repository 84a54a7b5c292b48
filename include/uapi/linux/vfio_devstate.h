/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vfio-devstate: a versioned, self-describing wire format for the data a
 * VFIO variant driver produces on its migration file descriptor.
 *
 * The byte-level specification is Documentation/userspace-api/vfio-devstate.rst;
 * this header gives the same layout as C structures.  Every multi-byte field
 * is little-endian.  The structures are packed by construction (every field
 * sits at a multiple of its own size) so no compiler padding is involved.
 *
 * A stream is:
 *
 *	header            struct vfio_devstate_header, then any fields a later
 *	                  minor version appends, then nr_params parameter
 *	                  entries, then a __le32 CRC32C of all preceding header
 *	                  bytes.  Its total size is header_len.
 *	section *         struct vfio_devstate_section (32 bytes), length bytes
 *	                  of payload, then a __le32 CRC32C trailer that covers
 *	                  the 32 section-header bytes and the payload.
 *	end record        a section of type VFIO_DEVSTATE_SEC_END whose payload
 *	                  is struct vfio_devstate_end.
 *
 * Nothing may follow the end record.
 */
#ifndef _UAPI_LINUX_VFIO_DEVSTATE_H
#define _UAPI_LINUX_VFIO_DEVSTATE_H

#include <linux/types.h>

/* The eight magic bytes that open every stream: ASCII "VFIODEVS". */
#define VFIO_DEVSTATE_MAGIC		"VFIODEVS"
#define VFIO_DEVSTATE_MAGIC_LEN		8

/* Format version.  Readers reject another major; they accept any minor. */
#define VFIO_DEVSTATE_MAJOR		1
/* The newest minor this header describes. */
#define VFIO_DEVSTATE_MINOR		0

/* Sizes fixed by major version 1. */
#define VFIO_DEVSTATE_MODEL_LEN		64	/* model id, NUL padded */
#define VFIO_DEVSTATE_PARAM_NAME_LEN	32	/* parameter name, NUL padded */
#define VFIO_DEVSTATE_MAX_PARAMS	32	/* parameters per header */
#define VFIO_DEVSTATE_HDR_MIN		128	/* fixed part of minor 0 */
#define VFIO_DEVSTATE_HDR_MAX		4096	/* whole header, upper bound */
#define VFIO_DEVSTATE_PARAM_MIN		48	/* parameter entry of minor 0 */
#define VFIO_DEVSTATE_CRC_LEN		4	/* every CRC32C field */

/* Header flags (bit numbers).  Unknown bits are ignored by readers. */
#define VFIO_DEVSTATE_HF_PRECOPY	(1U << 0) /* chunks may be resent */

/**
 * struct vfio_devstate_header - fixed part of the stream header (minor 0)
 * @magic: VFIO_DEVSTATE_MAGIC, not NUL terminated
 * @major: format major version, VFIO_DEVSTATE_MAJOR
 * @minor: format minor version the stream was written as
 * @header_len: bytes from the first magic byte to the end of the header CRC
 * @flags: VFIO_DEVSTATE_HF_* bits
 * @nr_params: number of parameter entries (at most VFIO_DEVSTATE_MAX_PARAMS)
 * @param_len: bytes per parameter entry (48 in minor 0, a multiple of 8)
 * @model: device model id, printable ASCII without blanks, NUL padded,
 *         e.g. "qemu.org/pci/1af4/1110"
 * @model_version: version of the device model's state the stream holds
 * @accept_min: lowest model version the writer's device could load
 * @accept_max: highest model version the writer's device could load
 * @vendor: PCI vendor id
 * @device: PCI device id
 * @subsys_vendor: PCI subsystem vendor id
 * @subsys_device: PCI subsystem device id
 * @class_code: PCI class code (base, sub, prog-if) in bits 23:0; 31:24 zero
 * @revision: PCI revision id
 * @reserved: written as zero, ignored by readers
 * @caps: capability bits the state depends on
 *
 * Fields appended by a later minor follow @caps.  The parameter table sits
 * at offset header_len - 4 - nr_params * param_len, the header CRC32C in
 * the last four bytes.  Readers skip appended fields they do not know.
 */
struct vfio_devstate_header {
	__u8	magic[VFIO_DEVSTATE_MAGIC_LEN];
	__le16	major;
	__le16	minor;
	__le32	header_len;
	__le32	flags;
	__le16	nr_params;
	__le16	param_len;
	char	model[VFIO_DEVSTATE_MODEL_LEN];
	__le32	model_version;
	__le32	accept_min;
	__le32	accept_max;
	__le16	vendor;
	__le16	device;
	__le16	subsys_vendor;
	__le16	subsys_device;
	__le32	class_code;
	__u8	revision;
	__u8	reserved[7];
	__le64	caps;
};

/**
 * struct vfio_devstate_param - one exact-match compatibility parameter
 * @name: lower-case name ([a-z0-9_.-]), NUL padded, at least one NUL
 * @value: the value the device uses
 * @absent: the value that means the same as a peer not naming @name at all
 *          (the behaviour from before the parameter existed)
 *
 * A later minor may append fields; param_len in the header says how long an
 * entry is.
 */
struct vfio_devstate_param {
	char	name[VFIO_DEVSTATE_PARAM_NAME_LEN];
	__le64	value;
	__le64	absent;
};

/* Section types.  0x00000000-0x0000ffff: this specification. */
#define VFIO_DEVSTATE_SEC_END		0x0000	/* end record */
#define VFIO_DEVSTATE_SEC_DEVICE	0x0001	/* model-defined device state */
#define VFIO_DEVSTATE_SEC_CHUNK		0x0002	/* a range of a memory region */
#define VFIO_DEVSTATE_SEC_PAD		0x0003	/* ignored filler */
/* 0x00010000-0xffffffff: defined by the device model. */
#define VFIO_DEVSTATE_SEC_MODEL_BASE	0x00010000

/* Section flags.  Unknown bits are ignored by readers. */
#define VFIO_DEVSTATE_SF_MANDATORY	(1U << 0) /* reject if type unknown */

#define VFIO_DEVSTATE_SECTION_LEN	32

/**
 * struct vfio_devstate_section - header in front of every section payload
 * @type: VFIO_DEVSTATE_SEC_*
 * @flags: VFIO_DEVSTATE_SF_* bits
 * @length: payload bytes (excluding this header and the CRC trailer)
 * @offset: SEC_CHUNK: byte offset of the payload in the region; else zero
 * @index: SEC_CHUNK: memory region index; SEC_DEVICE: model-defined; else 0
 * @hdr_crc: CRC32C of the 28 bytes before it, checked before any payload
 *           byte is delivered, so a corrupt length or range is never used
 *
 * The payload follows, then a __le32 CRC32C over these 32 bytes plus the
 * payload.  For SEC_CHUNK a later chunk that overlaps an earlier one
 * supersedes it for the overlapping bytes.
 */
struct vfio_devstate_section {
	__le32	type;
	__le32	flags;
	__le64	length;
	__le64	offset;
	__le32	index;
	__le32	hdr_crc;
};

/**
 * struct vfio_devstate_end - payload of the end record
 * @nr_sections: sections in the stream before the end record
 * @reserved: written as zero, ignored by readers
 * @stream_len: bytes in the stream before the end record (header included)
 *
 * A later minor may append fields; the end record's length says how many.
 */
struct vfio_devstate_end {
	__le32	nr_sections;
	__le32	reserved;
	__le64	stream_len;
};

#define VFIO_DEVSTATE_END_LEN		16

/*
 * Rejection classes.  Each has a numeric reason code (VFIO_DEVSTATE_R_*)
 * and the errno a kernel driver returns for it (VFIO_DEVSTATE_ERRNO_*,
 * which expand to <errno.h> names; include that header to use them).
 */
#define VFIO_DEVSTATE_R_OK		0	/* no error */
#define VFIO_DEVSTATE_R_MALFORMED	1	/* bad magic, length, name... */
#define VFIO_DEVSTATE_R_CRC		2	/* a CRC32C does not match */
#define VFIO_DEVSTATE_R_VERSION		3	/* unsupported format major */
#define VFIO_DEVSTATE_R_MANDATORY	4	/* unknown mandatory section */
#define VFIO_DEVSTATE_R_IDENTITY	5	/* model id or PCI id differs */
#define VFIO_DEVSTATE_R_PARAM		6	/* a parameter differs */
#define VFIO_DEVSTATE_R_CAPS		7	/* capability not supported */
#define VFIO_DEVSTATE_R_MODEL_VERSION	8	/* model version not accepted */
#define VFIO_DEVSTATE_R_INCOMPLETE	9	/* stream ended early */
#define VFIO_DEVSTATE_R_TRAILING	10	/* bytes after the end record */
#define VFIO_DEVSTATE_R_RANGE		11	/* chunk outside its region */
#define VFIO_DEVSTATE_R_CALLBACK	12	/* the consumer refused */
#define VFIO_DEVSTATE_R_COUNT		13

#define VFIO_DEVSTATE_ERRNO_MALFORMED		EINVAL
#define VFIO_DEVSTATE_ERRNO_CRC			EBADMSG
#define VFIO_DEVSTATE_ERRNO_VERSION		EPROTONOSUPPORT
#define VFIO_DEVSTATE_ERRNO_MANDATORY		EOPNOTSUPP
#define VFIO_DEVSTATE_ERRNO_IDENTITY		ENODEV
#define VFIO_DEVSTATE_ERRNO_PARAM		EMEDIUMTYPE
#define VFIO_DEVSTATE_ERRNO_CAPS		ENOPROTOOPT
#define VFIO_DEVSTATE_ERRNO_MODEL_VERSION	ERANGE
#define VFIO_DEVSTATE_ERRNO_INCOMPLETE		ENODATA
#define VFIO_DEVSTATE_ERRNO_TRAILING		EMSGSIZE
#define VFIO_DEVSTATE_ERRNO_RANGE		ENXIO
/* R_CALLBACK: the errno the consumer returned. */

#endif /* _UAPI_LINUX_VFIO_DEVSTATE_H */
