// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: incremental decoder.
 *
 * vfio_devstate_dec_feed() accepts the stream cut into pieces of any size.
 * The decoder keeps at most one header in its state struct; section
 * payload is handed to the consumer straight from the caller's buffer and
 * never copied.  The first error is latched with its reason; every later
 * call returns it again.
 */
#include "internal.h"

enum {
	DS_PREAMBLE,	/* first 16 header bytes */
	DS_HEADER,	/* rest of the header */
	DS_SEC_HDR,	/* 32-byte section header */
	DS_PAYLOAD,	/* section payload */
	DS_TRAILER,	/* 4-byte section CRC */
	DS_DONE,	/* end record read */
	DS_ERROR,	/* latched error */
};

/*
 * Where dec->buf keeps the end record's payload while it streams by: after
 * room for the trailer, which is gathered into dec->buf once it arrives.
 */
#define DS_END_KEPT		VFIO_DEVSTATE_CRC_LEN

/* dec->buf holds VFIO_DEVSTATE_HDR_MAX bytes. */
static_assert(DS_END_KEPT + VFIO_DEVSTATE_END_LEN <= VFIO_DEVSTATE_HDR_MAX,
	      "room for the end record");

/**
 * vfio_devstate_dec_init() - prepare a decoder for a new stream
 * @dec: decoder state
 * @ops: callbacks (may be NULL)
 * @priv: first argument of every callback
 */
void vfio_devstate_dec_init(struct vfio_devstate_dec *dec,
			    const struct vfio_devstate_dec_ops *ops,
			    void *priv)
{
	memset(dec, 0, sizeof(*dec));
	dec->ops = ops;
	dec->priv = priv;
	dec->state = DS_PREAMBLE;
	dec->need = DS_H_PREAMBLE;
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_init);

/**
 * vfio_devstate_dec_set_local() - check the stream against a device
 * @dec: decoder state, before the first byte is fed
 * @local: the destination device's own descriptor; must stay valid
 *
 * When the header is complete the decoder runs vfio_devstate_compat() with
 * the stream as source and @local as destination and fails with the first
 * mismatch before the header callback runs.
 */
void vfio_devstate_dec_set_local(struct vfio_devstate_dec *dec,
				 const struct vfio_devstate_desc *local)
{
	dec->local = local;
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_set_local);

/**
 * vfio_devstate_dec_set_regions() - bound memory chunks
 * @dec: decoder state, before the first byte is fed
 * @region_size: size in bytes of each memory region; must stay valid
 * @nr_regions: entries in @region_size
 *
 * A SEC_CHUNK section whose index or byte range falls outside is then
 * rejected (R_RANGE) before any of its payload is delivered.
 */
void vfio_devstate_dec_set_regions(struct vfio_devstate_dec *dec,
				   const u64 *region_size,
				   unsigned int nr_regions)
{
	dec->region_size = region_size;
	dec->nr_regions = nr_regions;
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_set_regions);

__printf(4, 5)
static int ds_fail(struct vfio_devstate_dec *dec, int code, u64 offset,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfio_devstate_vset_reason(&dec->err, code, offset, fmt, ap);
	va_end(ap);
	dec->state = DS_ERROR;
	return dec->err.err;
}

/* A consumer callback refused: keep its errno. */
static int ds_refused(struct vfio_devstate_dec *dec, int ret, const char *what)
{
	if (ret >= 0)
		ret = -EIO;
	ds_fail(dec, VFIO_DEVSTATE_R_CALLBACK, dec->part_start,
		"%s refused by the consumer (error %d)", what, ret);
	dec->err.err = ret;
	return ret;
}

static int ds_check_preamble(struct vfio_devstate_dec *dec)
{
	const u8 *h = dec->buf;
	u16 major = ds_get16(h + DS_H_MAJOR);
	u32 len = ds_get32(h + DS_H_LEN);

	if (memcmp(h, VFIO_DEVSTATE_MAGIC, VFIO_DEVSTATE_MAGIC_LEN))
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, 0,
			       "magic: stream 0x%016llx, expected \"%s\"",
			       (unsigned long long)ds_get64(h),
			       VFIO_DEVSTATE_MAGIC);
	if (major != VFIO_DEVSTATE_MAJOR)
		return ds_fail(dec, VFIO_DEVSTATE_R_VERSION, DS_H_MAJOR,
			       "format version: stream %u.%u, decoder reads %u.x",
			       major, ds_get16(h + DS_H_MINOR),
			       VFIO_DEVSTATE_MAJOR);
	if (len < VFIO_DEVSTATE_HDR_MIN + VFIO_DEVSTATE_CRC_LEN ||
	    len > VFIO_DEVSTATE_HDR_MAX || (len - VFIO_DEVSTATE_CRC_LEN) % 8)
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_LEN,
			       "header length: stream %u, must be 8n+4 in %u-%u",
			       len, VFIO_DEVSTATE_HDR_MIN + VFIO_DEVSTATE_CRC_LEN,
			       VFIO_DEVSTATE_HDR_MAX);
	dec->need = len;
	dec->state = DS_HEADER;
	return 0;
}

/* A string field: at least one NUL, and only NULs after the first. */
static bool ds_zero_padded(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return false;
	while (n < size)
		if (s[n++])
			return false;
	return true;
}

static int ds_parse_header(struct vfio_devstate_dec *dec)
{
	struct vfio_devstate_desc *d = &dec->desc;
	const u8 *h = dec->buf;
	u32 len = dec->need;
	u32 stored = ds_get32(h + len - VFIO_DEVSTATE_CRC_LEN);
	u32 crc = vfio_devstate_crc32c(h, len - VFIO_DEVSTATE_CRC_LEN);
	u16 nr = ds_get16(h + DS_H_NR_PARAMS);
	u16 plen = ds_get16(h + DS_H_PARAM_LEN);
	unsigned int want, i;
	u32 fixed;
	int ret;

	if (stored != crc)
		return ds_fail(dec, VFIO_DEVSTATE_R_CRC,
			       len - VFIO_DEVSTATE_CRC_LEN,
			       "header CRC: stream 0x%08x, computed 0x%08x",
			       stored, crc);
	if (nr > VFIO_DEVSTATE_MAX_PARAMS)
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_NR_PARAMS,
			       "parameter count: stream %u, at most %u",
			       nr, VFIO_DEVSTATE_MAX_PARAMS);
	if (plen < VFIO_DEVSTATE_PARAM_MIN || plen % 8)
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_PARAM_LEN,
			       "parameter entry length: stream %u, must be 8n >= %u",
			       plen, VFIO_DEVSTATE_PARAM_MIN);
	if ((u32)nr * plen > len - VFIO_DEVSTATE_CRC_LEN - VFIO_DEVSTATE_HDR_MIN)
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_LEN,
			       "header length: stream %u, too short for %u parameters of %u bytes",
			       len, nr, plen);
	fixed = len - VFIO_DEVSTATE_CRC_LEN - nr * plen;
	memset(d, 0, sizeof(*d));
	d->major = ds_get16(h + DS_H_MAJOR);
	d->minor = ds_get16(h + DS_H_MINOR);
	/* A minor we know has exactly the fixed part we would write. */
	want = vfio_devstate_fixed_len(d->minor);
	if (want && fixed != want)
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_LEN,
			       "header length: stream %u, version %u.%u with %u parameters needs %u",
			       len, d->major, d->minor, nr,
			       want + nr * plen + VFIO_DEVSTATE_CRC_LEN);
	d->flags = ds_get32(h + DS_H_FLAGS);
	memcpy(d->model, h + DS_H_MODEL, VFIO_DEVSTATE_MODEL_LEN);
	d->model_version = ds_get32(h + DS_H_MODEL_VERSION);
	d->accept_min = ds_get32(h + DS_H_ACCEPT_MIN);
	d->accept_max = ds_get32(h + DS_H_ACCEPT_MAX);
	d->vendor = ds_get16(h + DS_H_VENDOR);
	d->device = ds_get16(h + DS_H_DEVICE);
	d->subsys_vendor = ds_get16(h + DS_H_SUBSYS_VENDOR);
	d->subsys_device = ds_get16(h + DS_H_SUBSYS_DEVICE);
	d->class_code = ds_get32(h + DS_H_CLASS);
	d->revision = h[DS_H_REVISION];
	d->caps = ds_get64(h + DS_H_CAPS);
	d->nr_params = nr;
	for (i = 0; i < nr; i++) {
		const u8 *p = h + fixed + i * plen;

		memcpy(d->params[i].name, p + DS_P_NAME,
		       VFIO_DEVSTATE_PARAM_NAME_LEN);
		d->params[i].value = ds_get64(p + DS_P_VALUE);
		d->params[i].absent = ds_get64(p + DS_P_ABSENT);
	}
	if (!ds_zero_padded(d->model, VFIO_DEVSTATE_MODEL_LEN))
		return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED, DS_H_MODEL,
			       "model id: not NUL padded");
	for (i = 0; i < nr; i++)
		if (!ds_zero_padded(d->params[i].name,
				    VFIO_DEVSTATE_PARAM_NAME_LEN))
			return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED,
				       fixed + i * plen,
				       "parameter %u name: not NUL padded", i);
	if (vfio_devstate_desc_validate(d, &dec->err)) {
		dec->state = DS_ERROR;
		return dec->err.err;
	}
	if (dec->local && vfio_devstate_compat(d, dec->local, &dec->err, 1,
					       VFIO_DEVSTATE_COMPAT_STREAM)) {
		dec->state = DS_ERROR;
		return dec->err.err;
	}
	if (dec->ops && dec->ops->header) {
		ret = dec->ops->header(dec->priv, d);
		if (ret)
			return ds_refused(dec, ret, "header");
	}
	dec->state = DS_SEC_HDR;
	dec->need = VFIO_DEVSTATE_SECTION_LEN;
	return 0;
}

static int ds_check_range(struct vfio_devstate_dec *dec)
{
	const struct vfio_devstate_sec *s = &dec->sec;
	u64 size;

	if (!dec->region_size)
		return 0;
	if (s->index >= dec->nr_regions)
		return ds_fail(dec, VFIO_DEVSTATE_R_RANGE, s->stream_off,
			       "chunk region: stream %u, device has %u regions",
			       s->index, dec->nr_regions);
	size = dec->region_size[s->index];
	if (s->length > size || s->offset > size - s->length)
		return ds_fail(dec, VFIO_DEVSTATE_R_RANGE, s->stream_off,
			       "chunk range: stream 0x%llx+0x%llx, device region %u size 0x%llx",
			       s->offset, s->length, s->index, size);
	return 0;
}

static int ds_parse_section(struct vfio_devstate_dec *dec)
{
	struct vfio_devstate_sec *s = &dec->sec;
	const u8 *b = dec->buf;
	u32 stored = ds_get32(b + DS_S_HDR_CRC);
	u32 crc = vfio_devstate_crc32c(b, DS_S_HDR_CRC);
	int ret;

	if (stored != crc)
		return ds_fail(dec, VFIO_DEVSTATE_R_CRC, dec->part_start,
			       "section %u header CRC: stream 0x%08x, computed 0x%08x",
			       dec->nr_sections, stored, crc);
	s->type = ds_get32(b + DS_S_TYPE);
	s->flags = ds_get32(b + DS_S_FLAGS);
	s->length = ds_get64(b + DS_S_LENGTH);
	s->offset = ds_get64(b + DS_S_OFFSET);
	s->index = ds_get32(b + DS_S_INDEX);
	s->stream_off = dec->part_start;
	s->seq = dec->nr_sections;
	dec->crc = vfio_devstate_crc_update(VFIO_DEVSTATE_CRC_SEED, b,
					    VFIO_DEVSTATE_SECTION_LEN);
	dec->left = s->length;
	dec->deliver = false;

	switch (s->type) {
	case VFIO_DEVSTATE_SEC_END:
		if (s->length < VFIO_DEVSTATE_END_LEN ||
		    s->length > VFIO_DEVSTATE_HDR_MAX)
			return ds_fail(dec, VFIO_DEVSTATE_R_MALFORMED,
				       s->stream_off,
				       "end record length: stream %llu, must be %u-%u",
				       s->length, VFIO_DEVSTATE_END_LEN,
				       VFIO_DEVSTATE_HDR_MAX);
		memset(dec->buf + DS_END_KEPT, 0, VFIO_DEVSTATE_END_LEN);
		break;
	case VFIO_DEVSTATE_SEC_CHUNK:
		ret = ds_check_range(dec);
		if (ret)
			return ret;
		fallthrough;
	default:
		ret = VFIO_DEVSTATE_SKIP;
		if (dec->ops && dec->ops->section_start)
			ret = dec->ops->section_start(dec->priv, s);
		/* Padding is known to every reader, so never "unknown". */
		if (ret == VFIO_DEVSTATE_SKIP &&
		    s->type != VFIO_DEVSTATE_SEC_PAD &&
		    (s->flags & VFIO_DEVSTATE_SF_MANDATORY))
			return ds_fail(dec, VFIO_DEVSTATE_R_MANDATORY,
				       s->stream_off,
				       "section %u: mandatory type 0x%x unknown to the device",
				       s->seq, s->type);
		if (ret < 0 || ret > VFIO_DEVSTATE_SKIP)
			return ds_refused(dec, ret, "section start");
		dec->deliver = !ret;
		break;
	}
	dec->state = s->length ? DS_PAYLOAD : DS_TRAILER;
	dec->need = VFIO_DEVSTATE_CRC_LEN;
	return 0;
}

static int ds_trailer(struct vfio_devstate_dec *dec)
{
	const struct vfio_devstate_sec *s = &dec->sec;
	u32 stored = ds_get32(dec->buf);
	u32 crc = ~dec->crc;
	u32 nr;
	u64 len;
	int ret;

	if (stored != crc)
		return ds_fail(dec, VFIO_DEVSTATE_R_CRC, dec->part_start,
			       "section %u (type 0x%x at offset %llu) CRC: stream 0x%08x, computed 0x%08x",
			       s->seq, s->type, s->stream_off, stored, crc);
	if (s->type != VFIO_DEVSTATE_SEC_END) {
		if (dec->deliver && dec->ops->section_end) {
			ret = dec->ops->section_end(dec->priv, s);
			if (ret)
				return ds_refused(dec, ret, "section end");
		}
		dec->nr_sections++;
		dec->state = DS_SEC_HDR;
		dec->need = VFIO_DEVSTATE_SECTION_LEN;
		return 0;
	}
	nr = ds_get32(dec->buf + DS_END_KEPT + DS_E_NR_SECTIONS);
	len = ds_get64(dec->buf + DS_END_KEPT + DS_E_STREAM_LEN);
	if (nr != dec->nr_sections || len != s->stream_off)
		return ds_fail(dec, VFIO_DEVSTATE_R_INCOMPLETE, s->stream_off,
			       "end record: stream says %u sections in %llu bytes, decoder saw %u in %llu",
			       nr, len, dec->nr_sections, s->stream_off);
	if (dec->ops && dec->ops->end) {
		ret = dec->ops->end(dec->priv, nr, len);
		if (ret)
			return ds_refused(dec, ret, "end record");
	}
	dec->state = DS_DONE;
	return 0;
}

/* Gather bytes into dec->buf until dec->need are present. */
static size_t ds_gather(struct vfio_devstate_dec *dec, const u8 *p, size_t len)
{
	size_t n = ds_min(len, dec->need - dec->have);

	if (!dec->have)
		dec->part_start = dec->pos;
	memcpy(dec->buf + dec->have, p, n);
	dec->have += n;
	dec->pos += n;
	return n;
}

static int ds_payload(struct vfio_devstate_dec *dec, const u8 *p, size_t n)
{
	const struct vfio_devstate_sec *s = &dec->sec;
	u64 off = s->length - dec->left;
	int ret;

	dec->crc = vfio_devstate_crc_update(dec->crc, p, n);
	if (s->type == VFIO_DEVSTATE_SEC_END) {
		/* Keep the known end fields, after room for the trailer. */
		if (off < VFIO_DEVSTATE_END_LEN)
			memcpy(dec->buf + DS_END_KEPT + off, p,
			       ds_min(n, VFIO_DEVSTATE_END_LEN - off));
	} else if (dec->deliver && dec->ops->payload) {
		ret = dec->ops->payload(dec->priv, s, off, p, n);
		if (ret)
			return ds_refused(dec, ret, "payload");
	}
	dec->left -= n;
	dec->pos += n;
	return 0;
}

/**
 * vfio_devstate_dec_feed() - decode the next piece of a stream
 * @dec: decoder state
 * @data: bytes, continuing where the previous call stopped
 * @len: number of bytes (may be 0)
 *
 * Callbacks run from inside this call.  All of @data is consumed unless an
 * error occurs.
 *
 * Return: 0, or the negative errno of the rejection class; details from
 * vfio_devstate_dec_error().  After an error every call returns it again.
 */
int vfio_devstate_dec_feed(struct vfio_devstate_dec *dec, const void *data,
			   size_t len)
{
	const u8 *p = data;
	size_t n;
	int ret = 0;

	while (!ret && dec->state != DS_ERROR) {
		if (!len)
			return 0;
		switch (dec->state) {
		case DS_PREAMBLE:
		case DS_HEADER:
		case DS_SEC_HDR:
		case DS_TRAILER:
			n = ds_gather(dec, p, len);
			break;
		case DS_PAYLOAD:
			n = ds_min(len, dec->left);
			ret = ds_payload(dec, p, n);
			if (!ret && !dec->left) {
				dec->state = DS_TRAILER;
				dec->have = 0;
			}
			p += n;
			len -= n;
			continue;
		default: /* DS_DONE */
			return ds_fail(dec, VFIO_DEVSTATE_R_TRAILING, dec->pos,
				       "trailing data: byte at offset %llu follows the end record",
				       dec->pos);
		}
		p += n;
		len -= n;
		if (dec->have < dec->need)
			continue;
		dec->have = 0;
		switch (dec->state) {
		case DS_PREAMBLE:
			dec->have = DS_H_PREAMBLE;
			ret = ds_check_preamble(dec);
			break;
		case DS_HEADER:
			ret = ds_parse_header(dec);
			break;
		case DS_SEC_HDR:
			ret = ds_parse_section(dec);
			break;
		default: /* DS_TRAILER */
			ret = ds_trailer(dec);
			break;
		}
	}
	return dec->err.err;
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_feed);

/**
 * vfio_devstate_dec_next() - what the next bytes to feed are
 * @dec: decoder state
 * @sec: set to the section when they are payload the payload callback
 *       will receive, else to NULL
 *
 * Lets a consumer copy payload straight to where it is to be kept, and
 * feed it from there: the payload callback then gets a pointer into the
 * consumer's own buffer.  Feeding more bytes than returned is allowed.
 *
 * Return: how many of the next bytes are of that kind: the payload of
 * @sec still to come, or what the framing part being read still lacks;
 * 0 after the end record or an error.
 */
u64 vfio_devstate_dec_next(const struct vfio_devstate_dec *dec,
			   const struct vfio_devstate_sec **sec)
{
	*sec = NULL;
	switch (dec->state) {
	case DS_PAYLOAD:
		if (dec->deliver && dec->sec.type != VFIO_DEVSTATE_SEC_END)
			*sec = &dec->sec;
		return dec->left;
	case DS_PREAMBLE:
	case DS_HEADER:
	case DS_SEC_HDR:
	case DS_TRAILER:
		return dec->need - dec->have;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_next);

/**
 * vfio_devstate_dec_finish() - the stream has ended; was it complete?
 * @dec: decoder state
 *
 * Return: 0 if the end record was read, else the latched error or a new
 * R_INCOMPLETE error (-ENODATA) saying where the stream stopped.
 */
int vfio_devstate_dec_finish(struct vfio_devstate_dec *dec)
{
	static const char * const where[] = {
		[DS_PREAMBLE] = "header",
		[DS_HEADER] = "header",
		[DS_SEC_HDR] = "section header",
		[DS_PAYLOAD] = "section payload",
		[DS_TRAILER] = "section CRC",
	};

	if (dec->state == DS_DONE)
		return 0;
	if (dec->state == DS_ERROR)
		return dec->err.err;
	if (dec->state == DS_SEC_HDR && !dec->have)
		return ds_fail(dec, VFIO_DEVSTATE_R_INCOMPLETE, dec->pos,
			       "stream ends at offset %llu after %u sections without an end record",
			       dec->pos, dec->nr_sections);
	if (dec->state == DS_PAYLOAD)
		return ds_fail(dec, VFIO_DEVSTATE_R_INCOMPLETE, dec->pos,
			       "stream ends at offset %llu in section %u payload, %llu of %llu bytes missing",
			       dec->pos, dec->sec.seq, dec->left,
			       dec->sec.length);
	return ds_fail(dec, VFIO_DEVSTATE_R_INCOMPLETE, dec->pos,
		       "stream ends at offset %llu in the %s, %u of %u bytes missing",
		       dec->pos, where[dec->state], dec->need - dec->have,
		       dec->need);
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_finish);

/**
 * vfio_devstate_dec_done() - has the end record been read?
 * @dec: decoder state
 *
 * Return: true once the stream is complete and valid.
 */
bool vfio_devstate_dec_done(const struct vfio_devstate_dec *dec)
{
	return dec->state == DS_DONE;
}

/**
 * vfio_devstate_dec_error() - the latched error
 * @dec: decoder state
 *
 * Return: the reason of the first error, code R_OK if there was none.
 */
const struct vfio_devstate_reason *
vfio_devstate_dec_error(const struct vfio_devstate_dec *dec)
{
	return &dec->err;
}
EXPORT_SYMBOL_GPL(vfio_devstate_dec_error);
