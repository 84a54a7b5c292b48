/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-devstate codec: in-kernel API.
 *
 * Wire format: include/uapi/linux/vfio_devstate.h and
 * Documentation/userspace-api/vfio-devstate.rst.
 */
#ifndef _LINUX_VFIO_DEVSTATE_H
#define _LINUX_VFIO_DEVSTATE_H

#include <linux/bits.h>
#include <linux/types.h>
#include <uapi/linux/vfio_devstate.h>

/* Longest reason text, NUL included. */
#define VFIO_DEVSTATE_MSG_LEN		192

/**
 * struct vfio_devstate_pval - a compatibility parameter in host byte order
 * @name: NUL-terminated name, [a-z0-9_.-]
 * @value: value the device uses
 * @absent: value equivalent to the parameter not being named
 */
struct vfio_devstate_pval {
	char name[VFIO_DEVSTATE_PARAM_NAME_LEN];
	u64 value;
	u64 absent;
};

/**
 * struct vfio_devstate_desc - compatibility descriptor of a device
 * @model: NUL-terminated model id, e.g. "qemu.org/pci/1af4/1110"
 * @model_version: model version of the state this device produces
 * @accept_min: lowest source model version this device can load
 * @accept_max: highest source model version this device can load
 * @vendor: PCI vendor id
 * @device: PCI device id
 * @subsys_vendor: PCI subsystem vendor id
 * @subsys_device: PCI subsystem device id
 * @class_code: 24-bit PCI class code
 * @revision: PCI revision id
 * @major: format major version of the stream the decoder read
 * @minor: format minor version of the stream the decoder read
 * @flags: VFIO_DEVSTATE_HF_* (header flags; not part of compatibility)
 * @caps: capability bits
 * @nr_params: entries used in @params
 * @params: exact-match parameters
 *
 * The encoder ignores @major and @minor.
 */
struct vfio_devstate_desc {
	char model[VFIO_DEVSTATE_MODEL_LEN];
	u32 model_version;
	u32 accept_min;
	u32 accept_max;
	u16 vendor;
	u16 device;
	u16 subsys_vendor;
	u16 subsys_device;
	u32 class_code;
	u8 revision;
	u16 major;
	u16 minor;
	u32 flags;
	u64 caps;
	unsigned int nr_params;
	struct vfio_devstate_pval params[VFIO_DEVSTATE_MAX_PARAMS];
};

/**
 * struct vfio_devstate_reason - why a stream or descriptor was refused
 * @code: VFIO_DEVSTATE_R_*
 * @err: negative errno for @code
 * @offset: stream offset of the offending byte (decoder only)
 * @msg: human-readable text naming the field and both values
 */
struct vfio_devstate_reason {
	int code;
	int err;
	u64 offset;
	char msg[VFIO_DEVSTATE_MSG_LEN];
};

/* CRC32C (Castagnoli), as used for every CRC field of the stream. */
#define VFIO_DEVSTATE_CRC_SEED		0xffffffffU

/* ---- encoder ---- */

/**
 * struct vfio_devstate_enc - state of one stream being written
 * @stream_len: bytes produced so far (header, sections)
 * @nr_sections: sections begun so far
 * @sec_left: payload bytes still owed to the open section
 * @sec_crc: running CRC32C of the open section
 * @sec_open: a section is between begin and end
 *
 * Zero it, or call vfio_devstate_enc_init(), before use.
 */
struct vfio_devstate_enc {
	u64 stream_len;
	u32 nr_sections;
	u64 sec_left;
	u32 sec_crc;
	bool sec_open;
};

/* Bytes of the end record: section header, payload and CRC. */
#define VFIO_DEVSTATE_END_RECORD_LEN \
	(VFIO_DEVSTATE_SECTION_LEN + VFIO_DEVSTATE_END_LEN + VFIO_DEVSTATE_CRC_LEN)

void vfio_devstate_enc_init(struct vfio_devstate_enc *enc);
ssize_t vfio_devstate_header_len(const struct vfio_devstate_desc *desc,
				 unsigned int minor);
ssize_t vfio_devstate_enc_header(struct vfio_devstate_enc *enc,
				 const struct vfio_devstate_desc *desc,
				 unsigned int minor, void *buf, size_t size);
int vfio_devstate_enc_section_begin(struct vfio_devstate_enc *enc, u32 type,
				    u32 flags, u64 length, u32 index,
				    u64 offset,
				    u8 hdr[VFIO_DEVSTATE_SECTION_LEN]);
int vfio_devstate_enc_section_data(struct vfio_devstate_enc *enc,
				   const void *data, size_t len);
int vfio_devstate_enc_section_end(struct vfio_devstate_enc *enc,
				  u8 trailer[VFIO_DEVSTATE_CRC_LEN]);
ssize_t vfio_devstate_enc_section(struct vfio_devstate_enc *enc, u32 type,
				  u32 flags, u32 index, u64 offset,
				  const void *payload, size_t len,
				  void *buf, size_t size);
int vfio_devstate_enc_end(struct vfio_devstate_enc *enc,
			  u8 buf[VFIO_DEVSTATE_END_RECORD_LEN]);

/* ---- decoder ---- */

/**
 * struct vfio_devstate_sec - a section as the decoder reports it
 * @type: VFIO_DEVSTATE_SEC_*
 * @flags: VFIO_DEVSTATE_SF_*
 * @length: payload bytes
 * @offset: SEC_CHUNK: region offset of the first payload byte
 * @index: SEC_CHUNK: region index
 * @stream_off: stream offset of the section header
 * @seq: 0 for the first section, then counting up
 */
struct vfio_devstate_sec {
	u32 type;
	u32 flags;
	u64 length;
	u64 offset;
	u32 index;
	u64 stream_off;
	u32 seq;
};

/* Returned by the section_start callback for a section it does not use. */
#define VFIO_DEVSTATE_SKIP		1

/**
 * struct vfio_devstate_dec_ops - decoder callbacks, all optional
 * @header: the header is complete, CRC-checked and, if the decoder has a
 *          local descriptor, found compatible.  Return 0 or -errno.
 * @section_start: a section header has passed its CRC and range checks.
 *          Return 0 to receive the payload, VFIO_DEVSTATE_SKIP if the type
 *          is unknown to the consumer (an optional section is then skipped
 *          and a mandatory one rejected), or -errno to fail.
 *          When NULL every section except the end record counts as unknown.
 *          Padding (SEC_PAD) is reported too but is never rejected.
 * @payload: @len payload bytes at payload offset @off (0 = first payload
 *          byte; a chunk's region offset is sec->offset + @off).  Called
 *          as bytes arrive, before the section CRC is known: a consumer
 *          must be able to discard the effects if the stream fails later.
 * @section_end: the section's trailer CRC matched.
 * @end: the end record was read and its counts matched.
 */
struct vfio_devstate_dec_ops {
	int (*header)(void *priv, const struct vfio_devstate_desc *desc);
	int (*section_start)(void *priv, const struct vfio_devstate_sec *sec);
	int (*payload)(void *priv, const struct vfio_devstate_sec *sec,
		       u64 off, const void *data, size_t len);
	int (*section_end)(void *priv, const struct vfio_devstate_sec *sec);
	int (*end)(void *priv, u32 nr_sections, u64 stream_len);
};

/**
 * struct vfio_devstate_dec - incremental decoder state (private fields)
 *
 * Holds every byte the decoder must keep (at most one header), so feeding
 * never allocates.  Set up with vfio_devstate_dec_init(); it is about
 * 6 KiB, so allocate it rather than put it on a kernel stack.
 */
struct vfio_devstate_dec {
	/* private: configuration */
	const struct vfio_devstate_dec_ops *ops;
	void *priv;
	const struct vfio_devstate_desc *local;
	const u64 *region_size;
	unsigned int nr_regions;
	/* private: progress */
	int state;
	u64 pos;
	u64 part_start;
	u32 have;
	u32 need;
	u32 crc;
	u64 left;
	bool deliver;
	u32 nr_sections;
	struct vfio_devstate_sec sec;
	struct vfio_devstate_desc desc;
	struct vfio_devstate_reason err;
	u8 buf[VFIO_DEVSTATE_HDR_MAX];
};

void vfio_devstate_dec_init(struct vfio_devstate_dec *dec,
			    const struct vfio_devstate_dec_ops *ops,
			    void *priv);
void vfio_devstate_dec_set_local(struct vfio_devstate_dec *dec,
				 const struct vfio_devstate_desc *local);
void vfio_devstate_dec_set_regions(struct vfio_devstate_dec *dec,
				   const u64 *region_size,
				   unsigned int nr_regions);
int vfio_devstate_dec_feed(struct vfio_devstate_dec *dec, const void *data,
			   size_t len);
u64 vfio_devstate_dec_next(const struct vfio_devstate_dec *dec,
			   const struct vfio_devstate_sec **sec);
int vfio_devstate_dec_finish(struct vfio_devstate_dec *dec);
const struct vfio_devstate_reason *
vfio_devstate_dec_error(const struct vfio_devstate_dec *dec);

/* ---- reasons, text ---- */

const char *vfio_devstate_reason_name(int code);
ssize_t vfio_devstate_desc_format(const struct vfio_devstate_desc *desc,
				  char *buf, size_t size);

#endif /* _LINUX_VFIO_DEVSTATE_H */
