/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-devstate codec: what the codec sources share with each other and
 * with its tests, but not with drivers.
 */
#ifndef _VFIO_DEVSTATE_INTERNAL_H
#define _VFIO_DEVSTATE_INTERNAL_H

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

/* Offsets of the minor-0 header fields (see struct vfio_devstate_header). */
#define DS_H_MAGIC		0
#define DS_H_MAJOR		8
#define DS_H_MINOR		10
#define DS_H_LEN		12
#define DS_H_FLAGS		16
#define DS_H_NR_PARAMS		20
#define DS_H_PARAM_LEN		22
#define DS_H_MODEL		24
#define DS_H_MODEL_VERSION	88
#define DS_H_ACCEPT_MIN		92
#define DS_H_ACCEPT_MAX		96
#define DS_H_VENDOR		100
#define DS_H_DEVICE		102
#define DS_H_SUBSYS_VENDOR	104
#define DS_H_SUBSYS_DEVICE	106
#define DS_H_CLASS		108
#define DS_H_REVISION		112
#define DS_H_CAPS		120
/* Bytes of the header that tell how long it is. */
#define DS_H_PREAMBLE		16

/* Parameter entry offsets. */
#define DS_P_NAME		0
#define DS_P_VALUE		32
#define DS_P_ABSENT		40

/* Section header offsets. */
#define DS_S_TYPE		0
#define DS_S_FLAGS		4
#define DS_S_LENGTH		8
#define DS_S_OFFSET		16
#define DS_S_INDEX		24
#define DS_S_HDR_CRC		28

/* End record payload offsets. */
#define DS_E_NR_SECTIONS	0
#define DS_E_STREAM_LEN		8

/* Fixed-part size of each minor version this codec can write. */
unsigned int vfio_devstate_fixed_len(unsigned int minor);

bool vfio_devstate_model_ok(const char *s, size_t size);
bool vfio_devstate_name_ok(const char *s, size_t size);

__printf(4, 5)
void vfio_devstate_set_reason(struct vfio_devstate_reason *r, int code,
			      u64 offset, const char *fmt, ...);

#endif /* _VFIO_DEVSTATE_INTERNAL_H */
