/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-devstate codec: what the codec sources share with each other and
 * with its tests, but not with drivers.
 */
#ifndef _VFIO_DEVSTATE_INTERNAL_H
#define _VFIO_DEVSTATE_INTERNAL_H

#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vfio_devstate.h>

u32 vfio_devstate_crc_update(u32 crc, const void *buf, size_t len);
u32 vfio_devstate_crc32c(const void *buf, size_t len);
bool vfio_devstate_dec_done(const struct vfio_devstate_dec *dec);

/* Label the two sides "stream"/"device" instead of "source"/"destination". */
#define VFIO_DEVSTATE_COMPAT_STREAM	BIT(0)

int vfio_devstate_desc_validate(const struct vfio_devstate_desc *desc,
				struct vfio_devstate_reason *reason);
int vfio_devstate_compat(const struct vfio_devstate_desc *src,
			 const struct vfio_devstate_desc *dst,
			 struct vfio_devstate_reason *reasons,
			 unsigned int max, unsigned int flags);
int vfio_devstate_reason_errno(int code);

/* Byte-wise little-endian access: alignment and host order never matter. */
static inline void ds_put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void ds_put32(u8 *p, u32 v)
{
	ds_put16(p, v);
	ds_put16(p + 2, v >> 16);
}

static inline void ds_put64(u8 *p, u64 v)
{
	ds_put32(p, v);
	ds_put32(p + 4, v >> 32);
}

static inline u16 ds_get16(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static inline u32 ds_get32(const u8 *p)
{
	return ds_get16(p) | (u32)ds_get16(p + 2) << 16;
}

static inline u64 ds_get64(const u8 *p)
{
	return ds_get32(p) | (u64)ds_get32(p + 4) << 32;
}

static inline u64 ds_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

/*
 * Offsets in a stream, from the uapi structs: header fields (minor 0),
 * parameter entry fields, section header fields and end record payload
 * fields.
 */
#define DS_H(field)		offsetof(struct vfio_devstate_header, field)
#define DS_H_MAGIC		DS_H(magic)
#define DS_H_MAJOR		DS_H(major)
#define DS_H_MINOR		DS_H(minor)
#define DS_H_LEN		DS_H(header_len)
#define DS_H_FLAGS		DS_H(flags)
#define DS_H_NR_PARAMS		DS_H(nr_params)
#define DS_H_PARAM_LEN		DS_H(param_len)
#define DS_H_MODEL		DS_H(model)
#define DS_H_MODEL_VERSION	DS_H(model_version)
#define DS_H_ACCEPT_MIN		DS_H(accept_min)
#define DS_H_ACCEPT_MAX		DS_H(accept_max)
#define DS_H_VENDOR		DS_H(vendor)
#define DS_H_DEVICE		DS_H(device)
#define DS_H_SUBSYS_VENDOR	DS_H(subsys_vendor)
#define DS_H_SUBSYS_DEVICE	DS_H(subsys_device)
#define DS_H_CLASS		DS_H(class_code)
#define DS_H_REVISION		DS_H(revision)
#define DS_H_CAPS		DS_H(caps)
/* Bytes of the header that tell how long it is: those before flags. */
#define DS_H_PREAMBLE		DS_H(flags)

#define DS_P_NAME		offsetof(struct vfio_devstate_param, name)
#define DS_P_VALUE		offsetof(struct vfio_devstate_param, value)
#define DS_P_ABSENT		offsetof(struct vfio_devstate_param, absent)

#define DS_S_TYPE		offsetof(struct vfio_devstate_section, type)
#define DS_S_FLAGS		offsetof(struct vfio_devstate_section, flags)
#define DS_S_LENGTH		offsetof(struct vfio_devstate_section, length)
#define DS_S_OFFSET		offsetof(struct vfio_devstate_section, offset)
#define DS_S_INDEX		offsetof(struct vfio_devstate_section, index)
#define DS_S_HDR_CRC		offsetof(struct vfio_devstate_section, hdr_crc)

#define DS_E_NR_SECTIONS	offsetof(struct vfio_devstate_end, nr_sections)
#define DS_E_STREAM_LEN		offsetof(struct vfio_devstate_end, stream_len)

/* The structs have the lengths the format fixes. */
static_assert(sizeof(struct vfio_devstate_header) == VFIO_DEVSTATE_HDR_MIN,
	      "header");
static_assert(sizeof(struct vfio_devstate_param) == VFIO_DEVSTATE_PARAM_MIN,
	      "parameter entry");
static_assert(sizeof(struct vfio_devstate_section) ==
	      VFIO_DEVSTATE_SECTION_LEN, "section header");
static_assert(sizeof(struct vfio_devstate_end) == VFIO_DEVSTATE_END_LEN,
	      "end record");
static_assert(DS_S_HDR_CRC + VFIO_DEVSTATE_CRC_LEN ==
	      VFIO_DEVSTATE_SECTION_LEN, "the section header ends in its CRC");
static_assert(DS_H_LEN + sizeof(__le32) == DS_H_PREAMBLE,
	      "the preamble ends with header_len");

/* Fixed-part size of each minor version this codec can write. */
unsigned int vfio_devstate_fixed_len(unsigned int minor);

bool vfio_devstate_model_ok(const char *s, size_t size);
bool vfio_devstate_name_ok(const char *s, size_t size);

__printf(4, 0)
void vfio_devstate_vset_reason(struct vfio_devstate_reason *r, int code,
			       u64 offset, const char *fmt, va_list ap);
__printf(4, 5)
void vfio_devstate_set_reason(struct vfio_devstate_reason *r, int code,
			      u64 offset, const char *fmt, ...);

#endif /* _VFIO_DEVSTATE_INTERNAL_H */
