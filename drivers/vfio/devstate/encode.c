// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: writing a stream (header, sections, end record).
 *
 * The encoder never holds payload: a section is begun with its final
 * length, the caller emits the 32 header bytes, then the payload from
 * wherever it lives (feeding the same bytes to the encoder for the CRC),
 * then the 4-byte trailer.  Each device memory byte is thus read once.
 */
#include "internal.h"

/* Size of the header's fixed part as written for each known minor. */
static const unsigned int ds_fixed_len[VFIO_DEVSTATE_MINOR + 1] = {
	VFIO_DEVSTATE_HDR_MIN,		/* 1.0 */
};

unsigned int vfio_devstate_fixed_len(unsigned int minor)
{
	if (minor >= ARRAY_SIZE(ds_fixed_len))
		return 0;
	return ds_fixed_len[minor];
}

/**
 * vfio_devstate_enc_init() - start a new stream
 * @enc: encoder state
 */
void vfio_devstate_enc_init(struct vfio_devstate_enc *enc)
{
	memset(enc, 0, sizeof(*enc));
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_init);

/**
 * vfio_devstate_header_len() - bytes of the header for a descriptor
 * @desc: compatibility descriptor
 * @minor: format minor version to write (0 .. VFIO_DEVSTATE_MINOR)
 *
 * Return: the header length, or -EOPNOTSUPP for a minor this codec cannot
 * write, -EINVAL for too many parameters.
 */
ssize_t vfio_devstate_header_len(const struct vfio_devstate_desc *desc,
				 unsigned int minor)
{
	unsigned int fixed = vfio_devstate_fixed_len(minor);

	if (!fixed)
		return -EOPNOTSUPP;
	if (desc->nr_params > VFIO_DEVSTATE_MAX_PARAMS)
		return -EINVAL;
	return fixed + desc->nr_params * VFIO_DEVSTATE_PARAM_MIN +
	       VFIO_DEVSTATE_CRC_LEN;
}
EXPORT_SYMBOL_GPL(vfio_devstate_header_len);

/**
 * vfio_devstate_enc_header() - write the stream header
 * @enc: encoder state, freshly initialised
 * @desc: the device's compatibility descriptor (validated here)
 * @minor: format minor version to write; a source pins an older minor so
 *         that an older destination can read every field it needs
 * @buf: output
 * @size: room in @buf
 *
 * Return: bytes written, -EOPNOTSUPP for an unknown @minor, -EINVAL for an
 * invalid descriptor or a header already written, -ENOSPC if @buf is short.
 */
ssize_t vfio_devstate_enc_header(struct vfio_devstate_enc *enc,
				 const struct vfio_devstate_desc *desc,
				 unsigned int minor, void *buf, size_t size)
{
	ssize_t len = vfio_devstate_header_len(desc, minor);
	unsigned int fixed = vfio_devstate_fixed_len(minor);
	u8 *h = buf;
	unsigned int i;

	if (len < 0)
		return len;
	if (enc->stream_len || vfio_devstate_desc_validate(desc, NULL))
		return -EINVAL;
	if (size < (size_t)len)
		return -ENOSPC;

	memset(h, 0, len);
	memcpy(h + DS_H_MAGIC, VFIO_DEVSTATE_MAGIC, VFIO_DEVSTATE_MAGIC_LEN);
	ds_put16(h + DS_H_MAJOR, VFIO_DEVSTATE_MAJOR);
	ds_put16(h + DS_H_MINOR, minor);
	ds_put32(h + DS_H_LEN, len);
	ds_put32(h + DS_H_FLAGS, desc->flags);
	ds_put16(h + DS_H_NR_PARAMS, desc->nr_params);
	ds_put16(h + DS_H_PARAM_LEN, VFIO_DEVSTATE_PARAM_MIN);
	memcpy(h + DS_H_MODEL, desc->model,
	       strnlen(desc->model, VFIO_DEVSTATE_MODEL_LEN - 1));
	ds_put32(h + DS_H_MODEL_VERSION, desc->model_version);
	ds_put32(h + DS_H_ACCEPT_MIN, desc->accept_min);
	ds_put32(h + DS_H_ACCEPT_MAX, desc->accept_max);
	ds_put16(h + DS_H_VENDOR, desc->vendor);
	ds_put16(h + DS_H_DEVICE, desc->device);
	ds_put16(h + DS_H_SUBSYS_VENDOR, desc->subsys_vendor);
	ds_put16(h + DS_H_SUBSYS_DEVICE, desc->subsys_device);
	ds_put32(h + DS_H_CLASS, desc->class_code);
	h[DS_H_REVISION] = desc->revision;
	ds_put64(h + DS_H_CAPS, desc->caps);
	/* Fields of later minors would be written here, up to @fixed. */

	for (i = 0; i < desc->nr_params; i++) {
		u8 *p = h + fixed + i * VFIO_DEVSTATE_PARAM_MIN;
		const struct vfio_devstate_pval *pv = &desc->params[i];

		memcpy(p + DS_P_NAME, pv->name,
		       strnlen(pv->name, VFIO_DEVSTATE_PARAM_NAME_LEN - 1));
		ds_put64(p + DS_P_VALUE, pv->value);
		ds_put64(p + DS_P_ABSENT, pv->absent);
	}
	ds_put32(h + len - VFIO_DEVSTATE_CRC_LEN,
		 vfio_devstate_crc32c(h, len - VFIO_DEVSTATE_CRC_LEN));
	enc->stream_len = len;
	return len;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_header);

/**
 * vfio_devstate_enc_section_begin() - open a section of known length
 * @enc: encoder state, header written, no section open
 * @type: VFIO_DEVSTATE_SEC_* (not SEC_END; use vfio_devstate_enc_end())
 * @flags: VFIO_DEVSTATE_SF_*
 * @length: payload bytes that will follow
 * @index: SEC_CHUNK: region index; SEC_DEVICE: model-defined; else 0
 * @offset: SEC_CHUNK: region offset of the first payload byte; else 0
 * @hdr: receives the 32 section-header bytes to emit before the payload
 *
 * Pass every payload byte to vfio_devstate_enc_section_data(), then call
 * vfio_devstate_enc_section_end() for the trailer.
 *
 * Return: 0, or -EINVAL if no header was written, a section is open or
 * @type is SEC_END.
 */
int vfio_devstate_enc_section_begin(struct vfio_devstate_enc *enc, u32 type,
				    u32 flags, u64 length, u32 index,
				    u64 offset,
				    u8 hdr[VFIO_DEVSTATE_SECTION_LEN])
{
	if (!enc->stream_len || enc->sec_open || type == VFIO_DEVSTATE_SEC_END)
		return -EINVAL;
	ds_put32(hdr + DS_S_TYPE, type);
	ds_put32(hdr + DS_S_FLAGS, flags);
	ds_put64(hdr + DS_S_LENGTH, length);
	ds_put64(hdr + DS_S_OFFSET, offset);
	ds_put32(hdr + DS_S_INDEX, index);
	ds_put32(hdr + DS_S_HDR_CRC, vfio_devstate_crc32c(hdr, DS_S_HDR_CRC));
	enc->sec_crc = vfio_devstate_crc_update(VFIO_DEVSTATE_CRC_SEED, hdr,
						VFIO_DEVSTATE_SECTION_LEN);
	enc->sec_left = length;
	enc->sec_open = true;
	enc->nr_sections++;
	enc->stream_len += VFIO_DEVSTATE_SECTION_LEN;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_section_begin);

/**
 * vfio_devstate_enc_section_data() - account payload bytes of the section
 * @enc: encoder state with a section open
 * @data: payload bytes, exactly as emitted
 * @len: number of bytes
 *
 * Return: 0, or -EINVAL if no section is open or @len exceeds what the
 * section header announced.
 */
int vfio_devstate_enc_section_data(struct vfio_devstate_enc *enc,
				   const void *data, size_t len)
{
	if (!enc->sec_open || len > enc->sec_left)
		return -EINVAL;
	enc->sec_crc = vfio_devstate_crc_update(enc->sec_crc, data, len);
	enc->sec_left -= len;
	enc->stream_len += len;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_section_data);

/**
 * vfio_devstate_enc_section_end() - close the section
 * @enc: encoder state with a section open and all payload accounted
 * @trailer: receives the 4 CRC bytes to emit after the payload
 *
 * Return: 0, or -EINVAL if no section is open or payload is missing.
 */
int vfio_devstate_enc_section_end(struct vfio_devstate_enc *enc,
				  u8 trailer[VFIO_DEVSTATE_CRC_LEN])
{
	if (!enc->sec_open || enc->sec_left)
		return -EINVAL;
	ds_put32(trailer, ~enc->sec_crc);
	enc->sec_open = false;
	enc->stream_len += VFIO_DEVSTATE_CRC_LEN;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_section_end);

/**
 * vfio_devstate_enc_section() - write a whole small section into a buffer
 * @enc: encoder state, header written, no section open
 * @type: VFIO_DEVSTATE_SEC_*
 * @flags: VFIO_DEVSTATE_SF_*
 * @index: see vfio_devstate_enc_section_begin()
 * @offset: see vfio_devstate_enc_section_begin()
 * @payload: the payload
 * @len: payload bytes
 * @buf: output
 * @size: room in @buf
 *
 * Return: bytes written (32 + @len + 4), -ENOSPC or -EINVAL.
 */
ssize_t vfio_devstate_enc_section(struct vfio_devstate_enc *enc, u32 type,
				  u32 flags, u32 index, u64 offset,
				  const void *payload, size_t len,
				  void *buf, size_t size)
{
	size_t total = VFIO_DEVSTATE_SECTION_LEN + len + VFIO_DEVSTATE_CRC_LEN;
	u8 *out = buf;
	int ret;

	if (len > size || size < total)
		return -ENOSPC;
	ret = vfio_devstate_enc_section_begin(enc, type, flags, len, index,
					      offset, out);
	if (ret)
		return ret;
	if (len)
		memcpy(out + VFIO_DEVSTATE_SECTION_LEN, payload, len);
	vfio_devstate_enc_section_data(enc, out + VFIO_DEVSTATE_SECTION_LEN,
				       len);
	vfio_devstate_enc_section_end(enc, out + VFIO_DEVSTATE_SECTION_LEN + len);
	return total;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_section);

/**
 * vfio_devstate_enc_end() - write the end record
 * @enc: encoder state, header written, no section open
 * @buf: receives VFIO_DEVSTATE_END_RECORD_LEN bytes
 *
 * The record carries the number of sections and of bytes before it, so a
 * reader notices a section that went missing as a whole.
 *
 * Return: 0, or -EINVAL if no header was written or a section is open.
 */
int vfio_devstate_enc_end(struct vfio_devstate_enc *enc,
			  u8 buf[VFIO_DEVSTATE_END_RECORD_LEN])
{
	u8 *p = buf + VFIO_DEVSTATE_SECTION_LEN;
	u32 crc;

	if (!enc->stream_len || enc->sec_open)
		return -EINVAL;
	memset(buf, 0, VFIO_DEVSTATE_END_RECORD_LEN);
	ds_put32(buf + DS_S_TYPE, VFIO_DEVSTATE_SEC_END);
	ds_put32(buf + DS_S_FLAGS, VFIO_DEVSTATE_SF_MANDATORY);
	ds_put64(buf + DS_S_LENGTH, VFIO_DEVSTATE_END_LEN);
	ds_put32(buf + DS_S_HDR_CRC, vfio_devstate_crc32c(buf, DS_S_HDR_CRC));
	ds_put32(p + DS_E_NR_SECTIONS, enc->nr_sections);
	ds_put64(p + DS_E_STREAM_LEN, enc->stream_len);
	crc = vfio_devstate_crc32c(buf, VFIO_DEVSTATE_SECTION_LEN +
				   VFIO_DEVSTATE_END_LEN);
	ds_put32(p + VFIO_DEVSTATE_END_LEN, crc);
	enc->stream_len += VFIO_DEVSTATE_END_RECORD_LEN;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_devstate_enc_end);
