// SPDX-License-Identifier: GPL-2.0
/*
 * Sample descriptors and streams shared by the unit tests, the golden
 * stream generator and the fuzz seed corpus.
 */
#include "sample.h"

const char *const sample_names[SAMPLE_NR] = {
	[SAMPLE_BASIC] = "basic",
	[SAMPLE_EMPTY] = "empty",
	[SAMPLE_PRECOPY] = "precopy",
};

void sample_desc(struct vfio_devstate_desc *d)
{
	memset(d, 0, sizeof(*d));
	strscpy_pad(d->model, "qemu.org/pci/1af4/1110", sizeof(d->model));
	d->model_version = 1;
	d->accept_min = 1;
	d->accept_max = 1;
	d->vendor = 0x1af4;
	d->device = 0x1110;
	d->subsys_vendor = 0x1af4;
	d->subsys_device = 0x1100;
	d->class_code = 0x050000;
	d->revision = 1;
	d->nr_params = 2;
	strscpy_pad(d->params[0].name, "bar2_size", VFIO_DEVSTATE_PARAM_NAME_LEN);
	d->params[0].value = SAMPLE_REGION_SIZE;
	d->params[0].absent = 0;
	strscpy_pad(d->params[1].name, "bar0_layout", VFIO_DEVSTATE_PARAM_NAME_LEN);
	d->params[1].value = 1;
	d->params[1].absent = 1;
}

/* Deterministic region contents. */
static void fill(u8 *p, size_t len, u64 off)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)((off + i) * 7 + 3);
}

static ssize_t put_section(struct vfio_devstate_enc *enc, u32 type,
			   u32 flags, u32 index, u64 offset, const void *pl,
			   size_t len, u8 *buf, size_t size, size_t *pos)
{
	ssize_t n;

	if (*pos > size)
		return -ENOSPC;
	n = vfio_devstate_enc_section(enc, type, flags, index, offset, pl,
				      len, buf + *pos, size - *pos);
	if (n > 0)
		*pos += n;
	return n;
}

ssize_t sample_stream(enum sample_kind kind,
		      const struct vfio_devstate_desc *d, u8 *buf,
		      size_t size)
{
	static const u8 regs[8] = { 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0 };
	const u32 m = VFIO_DEVSTATE_SF_MANDATORY;
	struct vfio_devstate_enc enc;
	u8 data[256];
	size_t pos = 0;
	ssize_t n;

	vfio_devstate_enc_init(&enc);
	n = vfio_devstate_enc_header(&enc, d, 0, buf, size);
	if (n < 0)
		return n;
	pos = n;
	if (kind != SAMPLE_EMPTY) {
		n = put_section(&enc, VFIO_DEVSTATE_SEC_DEVICE, m, 0, 0, regs,
				sizeof(regs), buf, size, &pos);
		if (n < 0)
			return n;
		fill(data, 256, 0);
		n = put_section(&enc, VFIO_DEVSTATE_SEC_CHUNK, m, 0, 0, data,
				256, buf, size, &pos);
		if (n < 0)
			return n;
		fill(data, 100, 3996);
		n = put_section(&enc, VFIO_DEVSTATE_SEC_CHUNK, m, 0, 3996,
				data, 100, buf, size, &pos);
		if (n < 0)
			return n;
	}
	if (kind == SAMPLE_PRECOPY) {
		memset(data, 0, 16);
		n = put_section(&enc, VFIO_DEVSTATE_SEC_PAD, 0, 0, 0, data, 16,
				buf, size, &pos);
		if (n < 0)
			return n;
		n = put_section(&enc, VFIO_DEVSTATE_SEC_MODEL_BASE + 7, 0, 0, 0,
				"future", 6, buf, size, &pos);
		if (n < 0)
			return n;
		fill(data, 64, 128);
		data[0] ^= 0x5a;	/* the page changed: resend */
		n = put_section(&enc, VFIO_DEVSTATE_SEC_CHUNK, m, 0, 128, data,
				64, buf, size, &pos);
		if (n < 0)
			return n;
	}
	if (size - pos < VFIO_DEVSTATE_END_RECORD_LEN)
		return -ENOSPC;
	n = vfio_devstate_enc_end(&enc, buf + pos);
	if (n < 0)
		return n;
	return pos + VFIO_DEVSTATE_END_RECORD_LEN;
}
