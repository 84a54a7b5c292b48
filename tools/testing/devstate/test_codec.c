// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the vfio-devstate codec, built from the same sources as
 * the kernel module.  Prints TAP.
 */
#include <stdlib.h>
#include "sample.h"
#include "../../../drivers/vfio/devstate/internal.h"

/*
 * Lengths in the streams the tests build, from the uapi structs: a 1.0
 * header with n parameters, the offset of parameter entry i in it, and the
 * stream bytes of a section with len payload bytes.
 */
#define HDR_FIXED		sizeof(struct vfio_devstate_header)
#define PARAM_AT(i)		(HDR_FIXED + (i) * sizeof(struct vfio_devstate_param))
#define HDR_LEN(n)		(PARAM_AT(n) + VFIO_DEVSTATE_CRC_LEN)
#define SEC_LEN			sizeof(struct vfio_devstate_section)
#define SEC_SPAN(len)		(SEC_LEN + (len) + VFIO_DEVSTATE_CRC_LEN)
/* The sample's header (two parameters) and its device section payload. */
#define SAMPLE_HDR_LEN		HDR_LEN(2)
#define SAMPLE_DEV_LEN		8

static int test_nr, test_failed;

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		test_failed++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ---- a recording consumer ---- */

struct rec {
	char log[8192];
	size_t loglen;
	u8 data[16384];
	size_t datalen;
	u64 sec_got;
	bool bad_order;
	int fail_at;		/* make callback number N fail (1-based) */
	int calls;
	bool skip_all;
};

__printf(2, 3)
static void rlog(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->loglen += vsnprintf(r->log + r->loglen, sizeof(r->log) - r->loglen,
			       fmt, ap);
	va_end(ap);
	if (r->loglen >= sizeof(r->log))
		r->loglen = sizeof(r->log) - 1;
}

static int rfail(struct rec *r)
{
	return ++r->calls == r->fail_at ? -EIO : 0;
}

static int r_header(void *p, const struct vfio_devstate_desc *d)
{
	struct rec *r = p;

	rlog(r, "H %s %u.%u v%u p%u;", d->model, d->major, d->minor,
	     d->model_version, d->nr_params);
	return rfail(r);
}

static int r_start(void *p, const struct vfio_devstate_sec *s)
{
	struct rec *r = p;

	rlog(r, "S%u t%x f%x l%llu o%llu i%u @%llu;", s->seq, s->type,
	     s->flags, s->length, s->offset, s->index, s->stream_off);
	r->sec_got = 0;
	if (r->skip_all || s->type >= VFIO_DEVSTATE_SEC_MODEL_BASE)
		return VFIO_DEVSTATE_SKIP;
	return rfail(r);
}

static int r_payload(void *p, const struct vfio_devstate_sec *s, u64 off,
		     const void *data, size_t len)
{
	struct rec *r = p;

	if (off != r->sec_got || !len || off + len > s->length)
		r->bad_order = true;
	r->sec_got += len;
	if (r->datalen + len <= sizeof(r->data)) {
		memcpy(r->data + r->datalen, data, len);
		r->datalen += len;
	}
	return rfail(r);
}

static int r_end_sec(void *p, const struct vfio_devstate_sec *s)
{
	struct rec *r = p;

	rlog(r, "E%u;", s->seq);
	if (r->sec_got != s->length)
		r->bad_order = true;
	return rfail(r);
}

static int r_end(void *p, u32 nr, u64 len)
{
	struct rec *r = p;

	rlog(r, "END %u %llu;", nr, len);
	return rfail(r);
}

static const struct vfio_devstate_dec_ops rec_ops = {
	.header = r_header,
	.section_start = r_start,
	.payload = r_payload,
	.section_end = r_end_sec,
	.end = r_end,
};

static struct vfio_devstate_dec dec;

/* Decode @buf cut at the @nr offsets in @cuts; returns feed/finish result. */
static int decode_cuts(const u8 *buf, size_t len, const size_t *cuts,
		       unsigned int nr, struct rec *r,
		       const struct vfio_devstate_desc *local,
		       const u64 *regions, unsigned int nr_regions)
{
	size_t pos = 0;
	unsigned int i;
	int ret;
	int fail_at = r->fail_at;

	memset(r, 0, sizeof(*r));
	r->fail_at = fail_at;
	vfio_devstate_dec_init(&dec, &rec_ops, r);
	if (local)
		vfio_devstate_dec_set_local(&dec, local);
	if (regions)
		vfio_devstate_dec_set_regions(&dec, regions, nr_regions);
	for (i = 0; i <= nr; i++) {
		size_t end = i < nr ? cuts[i] : len;

		ret = vfio_devstate_dec_feed(&dec, buf + pos, end - pos);
		if (ret)
			return ret;
		pos = end;
	}
	return vfio_devstate_dec_finish(&dec);
}

static int decode(const u8 *buf, size_t len, struct rec *r)
{
	static const u64 regions[1] = { SAMPLE_REGION_SIZE };

	return decode_cuts(buf, len, NULL, 0, r, NULL, regions, 1);
}

static struct vfio_devstate_desc desc;
static u8 stream[8192];
static size_t stream_len;
static struct rec ref, got;

static bool same_as_ref(const struct rec *r)
{
	return r->loglen == ref.loglen && !memcmp(r->log, ref.log, r->loglen) &&
	       r->datalen == ref.datalen &&
	       !memcmp(r->data, ref.data, r->datalen) && !r->bad_order;
}

static void resign_header(u8 *h)
{
	u32 len = ds_get32(h + DS_H_LEN);

	ds_put32(h + len - VFIO_DEVSTATE_CRC_LEN,
		 vfio_devstate_crc32c(h, len - VFIO_DEVSTATE_CRC_LEN));
}

/* Decode a copy of the sample with one change; expects class @code. */
static const struct vfio_devstate_reason *
expect(const u8 *buf, size_t len, int code, int err, const char *what)
{
	int ret = decode(buf, len, &got);
	const struct vfio_devstate_reason *r = vfio_devstate_dec_error(&dec);

	ok(ret == err && r->code == code && r->msg[0], "%s: %s (%d)",
	   what, vfio_devstate_reason_name(code), err);
	if (ret != err || r->code != code)
		diag("got %d code %d: %s", ret, r->code, r->msg);
	else
		diag("reason: %s", r->msg);
	return r;
}

static void test_crc(void)
{
	static const struct {
		const char *name;
		u8 fill;
		int step;
		u32 crc;
	} rfc[] = {
		{ "32 bytes of zeros", 0x00, 0, 0x8a9136aa },
		{ "32 bytes of ones", 0xff, 0, 0x62a8ab43 },
		{ "32 incrementing bytes", 0x00, 1, 0x46dd794e },
		{ "32 decrementing bytes", 0x1f, -1, 0x113fdb5c },
	};
	u8 b[48];
	unsigned int i, j;
	u32 c;

	ok(vfio_devstate_crc32c("123456789", 9) == 0xe3069283,
	   "crc32c(\"123456789\") = 0xe3069283");
	for (i = 0; i < ARRAY_SIZE(rfc); i++) {
		for (j = 0; j < 32; j++)
			b[j] = rfc[i].fill + rfc[i].step * (int)j;
		ok(vfio_devstate_crc32c(b, 32) == rfc[i].crc,
		   "crc32c RFC 3720 B.4 %s = 0x%08x", rfc[i].name, rfc[i].crc);
	}
	/* iSCSI read command PDU of RFC 3720 B.4 */
	memset(b, 0, 48);
	b[0] = 0x01; b[1] = 0xc0; b[16] = 0x14; b[23] = 0x04;
	b[24] = 0x00; b[27] = 0x14; b[31] = 0x18; b[32] = 0x28;
	b[39] = 0x00; b[40] = 0x00;
	b[35] = 0x00;
	memset(b + 32, 0, 16);
	b[32] = 0x28; b[40] = 0x00; b[41] = 0x00; b[42] = 0x00;
	b[43] = 0x00; b[44] = 0x00;
	b[45] = 0x00; b[46] = 0x00;
	c = vfio_devstate_crc_update(VFIO_DEVSTATE_CRC_SEED, b, 20);
	c = vfio_devstate_crc_update(c, b + 20, 28);
	ok(~c == vfio_devstate_crc32c(b, 48), "crc32c in pieces equals whole");
}

static void test_roundtrip(void)
{
	struct vfio_devstate_desc d2;
	ssize_t n;
	int ret, k;

	ret = decode(stream, stream_len, &ref);
	ok(!ret && vfio_devstate_dec_done(&dec) && !ref.bad_order,
	   "basic sample decodes (%zu bytes)", stream_len);
	diag("events: %s", ref.log);
	d2 = dec.desc;
	ok(!vfio_devstate_compat(&desc, &d2, NULL, 0, 0) &&
	   !memcmp(d2.params, desc.params, sizeof(desc.params)) &&
	   d2.caps == desc.caps && d2.major == 1 && d2.minor == 0,
	   "decoded header equals the encoded descriptor");
	ok(ref.datalen == SAMPLE_DEV_LEN + 256 + 100,
	   "all payload delivered once");
	for (k = 0; k < SAMPLE_NR; k++) {
		u8 buf[4096];

		n = sample_stream(k, &desc, buf, sizeof(buf));
		ret = n > 0 ? decode(buf, n, &got) : (int)n;
		ok(!ret, "sample %s round trip", sample_names[k]);
	}
	n = vfio_devstate_header_len(&desc, 0);
	ok(n == SAMPLE_HDR_LEN && ds_get32(stream + DS_H_LEN) == n,
	   "header length of 1.0 with 2 params is %zu", SAMPLE_HDR_LEN);
}

static void test_encoder_misuse(void)
{
	struct vfio_devstate_enc enc;
	struct vfio_devstate_desc bad = desc;
	u8 h[512], s[VFIO_DEVSTATE_SECTION_LEN], t[VFIO_DEVSTATE_CRC_LEN];
	u8 e[VFIO_DEVSTATE_END_RECORD_LEN];

	vfio_devstate_enc_init(&enc);
	ok(vfio_devstate_enc_section_begin(&enc, 1, 0, 4, 0, 0, s) == -EINVAL,
	   "encoder: section before header refused");
	ok(vfio_devstate_enc_end(&enc, e) == -EINVAL,
	   "encoder: end before header refused");
	ok(vfio_devstate_enc_header(&enc, &desc, 0, h, 100) == -ENOSPC,
	   "encoder: short buffer refused");
	ok(vfio_devstate_enc_header(&enc, &desc, VFIO_DEVSTATE_MINOR + 1, h,
				    sizeof(h)) == -EOPNOTSUPP,
	   "encoder: unknown minor %u refused", VFIO_DEVSTATE_MINOR + 1);
	strscpy_pad(bad.params[1].name, "bar2_size", sizeof(bad.params[1].name));
	ok(vfio_devstate_enc_header(&enc, &bad, 0, h, sizeof(h)) == -EINVAL,
	   "encoder: duplicate parameter refused");
	ok(vfio_devstate_enc_header(&enc, &desc, 0, h, sizeof(h)) ==
	   SAMPLE_HDR_LEN, "encoder: header written");
	ok(vfio_devstate_enc_header(&enc, &desc, 0, h, sizeof(h)) == -EINVAL,
	   "encoder: second header refused");
	ok(!vfio_devstate_enc_section_begin(&enc, 1, 0, 4, 0, 0, s) &&
	   vfio_devstate_enc_section_data(&enc, "abcde", 5) == -EINVAL &&
	   vfio_devstate_enc_section_end(&enc, t) == -EINVAL &&
	   vfio_devstate_enc_end(&enc, e) == -EINVAL,
	   "encoder: overlong payload, short section and open end refused");
	ok(!vfio_devstate_enc_section_data(&enc, "ab", 2) &&
	   !vfio_devstate_enc_section_data(&enc, "cd", 2) &&
	   !vfio_devstate_enc_section_end(&enc, t) &&
	   !vfio_devstate_enc_end(&enc, e) &&
	   enc.stream_len == SAMPLE_HDR_LEN + SEC_SPAN(4) +
	   VFIO_DEVSTATE_END_RECORD_LEN,
	   "encoder: streamed section and end");
}

/* The fields of the sample's header; hs is only measured. */
static const struct vfio_devstate_header hs;
#define R_CRC	VFIO_DEVSTATE_R_CRC
static const struct {
	const char *name;
	unsigned int off, len;
	int code;		/* expected class, -1: CRC or malformed */
} fields[] = {
	{ "magic", DS_H_MAGIC, sizeof(hs.magic), VFIO_DEVSTATE_R_MALFORMED },
	{ "major", DS_H_MAJOR, sizeof(hs.major), VFIO_DEVSTATE_R_VERSION },
	{ "minor", DS_H_MINOR, sizeof(hs.minor), R_CRC },
	{ "header_len", DS_H_LEN, sizeof(hs.header_len), -1 },
	{ "flags", DS_H_FLAGS, sizeof(hs.flags), R_CRC },
	{ "nr_params", DS_H_NR_PARAMS, sizeof(hs.nr_params), R_CRC },
	{ "param_len", DS_H_PARAM_LEN, sizeof(hs.param_len), R_CRC },
	{ "model", DS_H_MODEL, sizeof(hs.model), R_CRC },
	{ "model_version", DS_H_MODEL_VERSION, sizeof(hs.model_version), R_CRC },
	{ "accept_min", DS_H_ACCEPT_MIN, sizeof(hs.accept_min), R_CRC },
	{ "accept_max", DS_H_ACCEPT_MAX, sizeof(hs.accept_max), R_CRC },
	{ "vendor", DS_H_VENDOR, sizeof(hs.vendor), R_CRC },
	{ "device", DS_H_DEVICE, sizeof(hs.device), R_CRC },
	{ "subsys_vendor", DS_H_SUBSYS_VENDOR, sizeof(hs.subsys_vendor), R_CRC },
	{ "subsys_device", DS_H_SUBSYS_DEVICE, sizeof(hs.subsys_device), R_CRC },
	{ "class_code", DS_H_CLASS, sizeof(hs.class_code), R_CRC },
	{ "revision", DS_H_REVISION, sizeof(hs.revision), R_CRC },
	{ "reserved", DS_H(reserved), sizeof(hs.reserved), R_CRC },
	{ "caps", DS_H_CAPS, sizeof(hs.caps), R_CRC },
	{ "param table", PARAM_AT(0), PARAM_AT(2) - PARAM_AT(0), R_CRC },
	{ "header crc", PARAM_AT(2), VFIO_DEVSTATE_CRC_LEN, R_CRC },
};

static void test_corrupt_header(void)
{
	unsigned int f, i, bit, at = 0;
	u8 buf[8192];

	for (f = 0; f < ARRAY_SIZE(fields) && fields[f].off == at; f++)
		at += fields[f].len;
	ok(f == ARRAY_SIZE(fields) && at == SAMPLE_HDR_LEN,
	   "the header fields cover its %zu bytes in order", SAMPLE_HDR_LEN);
	for (f = 0; f < ARRAY_SIZE(fields); f++) {
		bool all = true;

		for (i = fields[f].off; i < fields[f].off + fields[f].len; i++) {
			for (bit = 0; bit < 8; bit++) {
				const struct vfio_devstate_reason *r;
				int ret;

				memcpy(buf, stream, stream_len);
				buf[i] ^= 1 << bit;
				ret = decode(buf, stream_len, &got);
				r = vfio_devstate_dec_error(&dec);
				if (!ret || got.loglen || ret != r->err ||
				    (fields[f].code >= 0 &&
				     r->code != fields[f].code) ||
				    (fields[f].code < 0 &&
				     r->code != VFIO_DEVSTATE_R_CRC &&
				     r->code != VFIO_DEVSTATE_R_MALFORMED &&
				     r->code != VFIO_DEVSTATE_R_INCOMPLETE)) {
					if (all)
						diag("byte %u bit %u: %d %s", i,
						     bit, ret, r->msg);
					all = false;
				}
			}
		}
		ok(all, "corrupt header field %s: every bit flip rejected",
		   fields[f].name);
	}
}

static void test_semantic_header(void)
{
	u8 buf[8192];

	memcpy(buf, stream, stream_len);
	buf[DS_H_MODEL + 3] = ' ';
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "model id with a blank");
	memcpy(buf, stream, stream_len);
	ds_put32(buf + DS_H_ACCEPT_MIN, 5);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "accept range reversed");
	memcpy(buf, stream, stream_len);
	memset(buf + PARAM_AT(1) + DS_P_NAME, 0, VFIO_DEVSTATE_PARAM_NAME_LEN);
	memcpy(buf + PARAM_AT(1) + DS_P_NAME, "bar2_size", 9);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "duplicate parameter name");
	memcpy(buf, stream, stream_len);
	memset(buf + PARAM_AT(0) + DS_P_NAME, 'a', VFIO_DEVSTATE_PARAM_NAME_LEN);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "unterminated parameter name");
	memcpy(buf, stream, stream_len);
	ds_put16(buf + DS_H_PARAM_LEN, VFIO_DEVSTATE_PARAM_MIN - 8);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "parameter entry shorter than 48");
	memcpy(buf, stream, stream_len);
	ds_put16(buf + DS_H_NR_PARAMS, VFIO_DEVSTATE_MAX_PARAMS + 1);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "33 parameters");
	memcpy(buf, stream, stream_len);
	ds_put16(buf + DS_H_NR_PARAMS, 1);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "1.0 header with a longer fixed part");
	memcpy(buf, stream, stream_len);
	ds_put32(buf + DS_H_CLASS, 0x1000000);
	resign_header(buf);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "class code over 24 bits");
	memcpy(buf, stream, stream_len);
	ds_put32(buf + DS_H_LEN, VFIO_DEVSTATE_HDR_MAX + VFIO_DEVSTATE_CRC_LEN);
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL,
	       "header length over 4096");
}

static void test_truncation(void)
{
	const struct vfio_devstate_reason *r;
	size_t len;
	bool all = true;
	int ret;

	for (len = 0; len < stream_len; len++) {
		ret = decode(stream, len, &got);
		r = vfio_devstate_dec_error(&dec);
		if (ret != -ENODATA || r->code != VFIO_DEVSTATE_R_INCOMPLETE ||
		    got.bad_order) {
			diag("truncated at %zu: %d %s", len, ret, r->msg);
			all = false;
			break;
		}
	}
	ok(all, "truncation at each of %zu offsets: incomplete (-ENODATA)",
	   stream_len);
	decode(stream, 300, &got);
	diag("e.g. %s", vfio_devstate_dec_error(&dec)->msg);
}

static void test_splits(void)
{
	size_t cut, cuts[64];
	unsigned int i, k;
	bool all = true;

	for (cut = 0; cut <= stream_len; cut++) {
		if (decode_cuts(stream, stream_len, &cut, 1, &got, NULL, NULL,
				0) || !same_as_ref(&got)) {
			diag("split at %zu differs", cut);
			all = false;
			break;
		}
	}
	ok(all, "every split point into two writes gives the same events");

	for (i = 0; i < stream_len; i++)
		cuts[0] = i;
	all = true;
	{
		size_t one[8192];

		for (i = 0; i < stream_len - 1; i++)
			one[i] = i + 1;
		if (decode_cuts(stream, stream_len, one, stream_len - 1, &got,
				NULL, NULL, 0) || !same_as_ref(&got))
			all = false;
	}
	ok(all, "byte-at-a-time writes give the same events");

	srand(12345);
	all = true;
	for (k = 0; k < 2000 && all; k++) {
		unsigned int n = rand() % 64;
		size_t prev = 0;

		for (i = 0; i < n; i++) {
			prev += rand() % (2 * stream_len / (n + 1) + 1);
			if (prev > stream_len)
				prev = stream_len;
			cuts[i] = prev;
		}
		if (decode_cuts(stream, stream_len, cuts, n, &got, NULL, NULL,
				0) || !same_as_ref(&got)) {
			diag("random segmentation %u differs", k);
			all = false;
		}
	}
	ok(all, "2000 random segmentations give the same events");
}

/*
 * Fed in the pieces vfio_devstate_dec_next() announces, as a consumer
 * that stages payload feeds it: each delivered payload comes whole, and
 * the events are those of any other segmentation.
 */
static void test_next(void)
{
	static const u64 regions[1] = { SAMPLE_REGION_SIZE };
	const struct vfio_devstate_sec *sec;
	unsigned int payloads = 0;
	bool spans = true;
	size_t pos = 0;
	int ret = 0;
	u64 next;

	memset(&got, 0, sizeof(got));
	vfio_devstate_dec_init(&dec, &rec_ops, &got);
	vfio_devstate_dec_set_regions(&dec, regions, 1);
	while (!ret && pos < stream_len) {
		next = vfio_devstate_dec_next(&dec, &sec);
		if (!next || next > stream_len - pos) {
			spans = false;
			break;
		}
		if (sec && next != sec->length)
			spans = false;
		payloads += !!sec;
		ret = vfio_devstate_dec_feed(&dec, stream + pos, next);
		pos += next;
	}
	next = vfio_devstate_dec_next(&dec, &sec);
	ok(!ret && spans && payloads && !next && !sec &&
	   !vfio_devstate_dec_finish(&dec) && same_as_ref(&got),
	   "pieces told by vfio_devstate_dec_next() give the same events (%u payloads)",
	   payloads);
}

/* Builds header + given sections + end; returns length. */
static size_t build(u8 *buf, const u32 *types, const u32 *flags,
		    unsigned int nr)
{
	struct vfio_devstate_enc enc;
	size_t pos;
	unsigned int i;

	vfio_devstate_enc_init(&enc);
	pos = vfio_devstate_enc_header(&enc, &desc, 0, buf, 512);
	for (i = 0; i < nr; i++)
		pos += vfio_devstate_enc_section(&enc, types[i], flags[i], 0,
						 0, "payload!", 8, buf + pos,
						 64);
	vfio_devstate_enc_end(&enc, buf + pos);
	return pos + VFIO_DEVSTATE_END_RECORD_LEN;
}

static void test_sections(void)
{
	u32 types[3] = { VFIO_DEVSTATE_SEC_MODEL_BASE + 1,
			 VFIO_DEVSTATE_SEC_DEVICE, VFIO_DEVSTATE_SEC_PAD };
	u32 flags[3] = { 0, VFIO_DEVSTATE_SF_MANDATORY | 0x80000000, 0 };
	const struct vfio_devstate_reason *r;
	u8 buf[1024];
	size_t len;
	int ret;

	len = build(buf, types, flags, 3);
	ret = decode(buf, len, &got);
	ok(!ret && got.datalen == 16 && strstr(got.log, "END 3"),
	   "unknown optional section skipped, unknown flag bit ignored");
	flags[0] = VFIO_DEVSTATE_SF_MANDATORY;
	len = build(buf, types, flags, 3);
	r = expect(buf, len, VFIO_DEVSTATE_R_MANDATORY, -EOPNOTSUPP,
		   "unknown mandatory section");
	ok(strstr(r->msg, "0x10001"), "reason names the section type");
	got.skip_all = true;
	vfio_devstate_dec_init(&dec, NULL, NULL);
	ret = vfio_devstate_dec_feed(&dec, stream, stream_len);
	ok(ret == -EOPNOTSUPP, "decoder without callbacks rejects mandatory sections");
	flags[0] = 0;
	flags[1] = 0;
	len = build(buf, types, flags, 3);
	vfio_devstate_dec_init(&dec, NULL, NULL);
	ret = vfio_devstate_dec_feed(&dec, buf, len);
	ok(!ret && !vfio_devstate_dec_finish(&dec),
	   "decoder without callbacks skips optional sections");
}

static void test_versions(void)
{
	struct vfio_devstate_enc enc;
	u8 buf[8192], *h = buf;
	u32 hl = ds_get32(stream + DS_H_LEN);
	const size_t fixed = HDR_FIXED + 8, plen = VFIO_DEVSTATE_PARAM_MIN + 8;
	const size_t hl11 = fixed + 2 * plen + VFIO_DEVSTATE_CRC_LEN;
	struct rec *r = &got;
	unsigned int i;
	int ret;

	/* A 1.1 stream: 8 more fixed bytes and 56-byte parameter entries. */
	memset(buf, 0, sizeof(buf));
	memcpy(h, stream, HDR_FIXED);
	memset(h + HDR_FIXED, 0xee, 8);
	for (i = 0; i < 2; i++) {
		u8 *p = h + fixed + i * plen;

		memcpy(p, stream + PARAM_AT(i), VFIO_DEVSTATE_PARAM_MIN);
		memset(p + VFIO_DEVSTATE_PARAM_MIN, 0xdd, 8);
	}
	ds_put16(h + DS_H_MINOR, 1);
	ds_put16(h + DS_H_PARAM_LEN, plen);
	ds_put32(h + DS_H_LEN, hl11);
	resign_header(h);
	memcpy(h + hl11, stream + hl, stream_len - hl);
	/* the end record counts bytes: fix it for the longer header */
	{
		size_t end = hl11 + stream_len - hl - VFIO_DEVSTATE_END_RECORD_LEN;
		u8 *e = buf + end;

		ds_put64(e + SEC_LEN + DS_E_STREAM_LEN, end);
		ds_put32(e + SEC_LEN + VFIO_DEVSTATE_END_LEN,
			 vfio_devstate_crc32c(e, SEC_LEN + VFIO_DEVSTATE_END_LEN));
		ret = decode(buf, end + VFIO_DEVSTATE_END_RECORD_LEN, r);
	}
	if (ret)
		diag("%s", vfio_devstate_dec_error(&dec)->msg);
	ok(!ret && dec.desc.minor == 1 && dec.desc.params[1].value == 1 &&
	   dec.desc.caps == desc.caps &&
	   !vfio_devstate_compat(&dec.desc, &desc, NULL, 0, 0),
	   "newer minor 1.1 with appended fields read by a 1.0 decoder");

	memcpy(buf, stream, stream_len);
	ds_put16(buf + DS_H_MAJOR, 2);
	expect(buf, stream_len, VFIO_DEVSTATE_R_VERSION, -EPROTONOSUPPORT,
	       "newer major 2.0");
	ds_put16(buf + DS_H_MAJOR, 0);
	expect(buf, stream_len, VFIO_DEVSTATE_R_VERSION, -EPROTONOSUPPORT,
	       "older major 0.0");

	vfio_devstate_enc_init(&enc);
	ok(vfio_devstate_enc_header(&enc, &desc, 0, buf, sizeof(buf)) ==
	   SAMPLE_HDR_LEN &&
	   ds_get16(buf + DS_H_MINOR) == 0,
	   "encoder pinned to minor 0 writes a 1.0 header");
	ok(vfio_devstate_fixed_len(0) == HDR_FIXED &&
	   vfio_devstate_fixed_len(VFIO_DEVSTATE_MINOR + 1) == 0,
	   "fixed part length per minor: 1.0 = 128, unknown = refused");
}

static void test_classes(void)
{
	static const u64 small[1] = { 2048 };
	struct vfio_devstate_desc local = desc;
	const struct vfio_devstate_reason *r;
	u8 buf[8192];
	u32 hl = ds_get32(stream + DS_H_LEN);
	int ret;

	memcpy(buf, stream, stream_len);
	buf[DS_H_MAGIC + 2] = 'X';
	expect(buf, stream_len, VFIO_DEVSTATE_R_MALFORMED, -EINVAL, "bad magic");
	memcpy(buf, stream, stream_len);
	buf[hl - 1] ^= 1;
	r = expect(buf, stream_len, VFIO_DEVSTATE_R_CRC, -EBADMSG,
		   "header CRC");
	ok(strstr(r->msg, "header CRC: stream 0x"),
	   "CRC reason names both values");
	memcpy(buf, stream, stream_len);
	buf[hl + DS_S_LENGTH] ^= 1;
	expect(buf, stream_len, VFIO_DEVSTATE_R_CRC, -EBADMSG,
	       "section header CRC");
	memcpy(buf, stream, stream_len);
	buf[hl + SEC_LEN + 1] ^= 1;
	expect(buf, stream_len, VFIO_DEVSTATE_R_CRC, -EBADMSG,
	       "section payload CRC");
	memcpy(buf, stream, stream_len);
	buf[stream_len - 1] ^= 1;
	expect(buf, stream_len, VFIO_DEVSTATE_R_CRC, -EBADMSG,
	       "end record CRC");

	/* compatibility against the local device */
	strscpy_pad(local.model, "example.com/other", sizeof(local.model));
	ret = decode_cuts(stream, stream_len, NULL, 0, &got, &local, NULL, 0);
	r = vfio_devstate_dec_error(&dec);
	ok(ret == -ENODEV && r->code == VFIO_DEVSTATE_R_IDENTITY && !got.loglen,
	   "model mismatch: identity (-ENODEV) before the header callback");
	diag("reason: %s", r->msg);
	local = desc;
	local.device = 0x1111;
	decode_cuts(stream, stream_len, NULL, 0, &got, &local, NULL, 0);
	r = vfio_devstate_dec_error(&dec);
	ok(r->err == -ENODEV &&
	   !strcmp(r->msg, "pci device: stream 0x1110, device 0x1111"),
	   "pci id mismatch: identity (-ENODEV)");
	diag("reason: %s", r->msg);
	local = desc;
	local.params[0].value = 0x2000000;
	decode_cuts(stream, stream_len, NULL, 0, &got, &local, NULL, 0);
	r = vfio_devstate_dec_error(&dec);
	ok(r->err == -EMEDIUMTYPE && r->code == VFIO_DEVSTATE_R_PARAM &&
	   !strcmp(r->msg, "parameter bar2_size: stream 0x1000, device 0x2000000"),
	   "parameter mismatch (-EMEDIUMTYPE)");
	diag("reason: %s", r->msg);
	local = desc;
	local.accept_min = 2;
	local.accept_max = 3;
	decode_cuts(stream, stream_len, NULL, 0, &got, &local, NULL, 0);
	r = vfio_devstate_dec_error(&dec);
	ok(r->err == -ERANGE && r->code == VFIO_DEVSTATE_R_MODEL_VERSION &&
	   !strcmp(r->msg, "model version: stream 1, device accepts 2-3"),
	   "model version outside the accepted range (-ERANGE)");
	diag("reason: %s", r->msg);
	{
		struct vfio_devstate_desc src = desc;
		struct vfio_devstate_enc enc;
		size_t n;

		src.caps = 0x5;
		vfio_devstate_enc_init(&enc);
		n = vfio_devstate_enc_header(&enc, &src, 0, buf, sizeof(buf));
		vfio_devstate_enc_end(&enc, buf + n);
		local = desc;
		local.caps = 0x1;
		decode_cuts(buf, n + VFIO_DEVSTATE_END_RECORD_LEN, NULL, 0,
			    &got, &local, NULL, 0);
		r = vfio_devstate_dec_error(&dec);
		ok(r->err == -ENOPROTOOPT && r->code == VFIO_DEVSTATE_R_CAPS &&
		   strstr(r->msg, "missing 0x4"),
		   "capability not a subset (-ENOPROTOOPT)");
		diag("reason: %s", r->msg);
	}
	expect(stream, stream_len - 1, VFIO_DEVSTATE_R_INCOMPLETE, -ENODATA,
	       "stream cut short");
	memcpy(buf, stream, stream_len);
	buf[stream_len] = 0;
	expect(buf, stream_len + 1, VFIO_DEVSTATE_R_TRAILING, -EMSGSIZE,
	       "byte after the end record");
	ret = decode_cuts(stream, stream_len, NULL, 0, &got, NULL, small, 1);
	r = vfio_devstate_dec_error(&dec);
	ok(ret == -ENXIO && r->code == VFIO_DEVSTATE_R_RANGE &&
	   strstr(r->msg, "0xf9c+0x64") && strstr(r->msg, "size 0x800"),
	   "chunk beyond its region (-ENXIO) before its payload");
	diag("reason: %s", r->msg);
	ret = decode_cuts(stream, stream_len, NULL, 0, &got, NULL, small, 0);
	ok(ret == -ENXIO, "chunk for a region the device lacks (-ENXIO)");
	diag("reason: %s", vfio_devstate_dec_error(&dec)->msg);
	{
		int n;
		bool all = true;

		for (n = 1; n < 12 && all; n++) {
			got.fail_at = n;
			memset(&dec, 0, sizeof(dec));
			ret = decode_cuts(stream, stream_len, NULL, 0, &got,
					  NULL, NULL, 0);
			r = vfio_devstate_dec_error(&dec);
			if (ret != -EIO || r->code != VFIO_DEVSTATE_R_CALLBACK)
				all = false;
		}
		got.fail_at = 0;
		ok(all, "a refusing callback stops decoding with its errno");
	}
	/* drop the second chunk as a whole: the end record notices */
	{
		size_t c2 = hl + SEC_SPAN(SAMPLE_DEV_LEN) + SEC_SPAN(256);
		size_t l2 = SEC_SPAN(100);

		memcpy(buf, stream, c2);
		memcpy(buf + c2, stream + c2 + l2, stream_len - c2 - l2);
		expect(buf, stream_len - l2, VFIO_DEVSTATE_R_INCOMPLETE,
		       -ENODATA, "a whole section missing");
	}
	memcpy(buf, stream, stream_len);
	ret = decode(buf, stream_len, &got);
	ret = vfio_devstate_dec_feed(&dec, "x", 1);
	ok(ret == -EMSGSIZE && vfio_devstate_dec_feed(&dec, "", 0) == -EMSGSIZE,
	   "errors are latched");
}

static void test_errno_table(void)
{
	static const int want[VFIO_DEVSTATE_R_COUNT] = {
		0, EINVAL, EBADMSG, EPROTONOSUPPORT, EOPNOTSUPP, ENODEV,
		EMEDIUMTYPE, ENOPROTOOPT, ERANGE, ENODATA, EMSGSIZE, ENXIO, EIO,
	};
	bool all = true;
	int c;

	for (c = 0; c < VFIO_DEVSTATE_R_COUNT; c++)
		if (vfio_devstate_reason_errno(c) != -want[c] ||
		    !strcmp(vfio_devstate_reason_name(c), "unknown"))
			all = false;
	ok(all, "errno table matches the uapi header");
}

static void test_compat(void)
{
	struct vfio_devstate_desc a = desc, b = desc;
	struct vfio_devstate_reason r[4];
	const char *t;
	int n;

	ok(!vfio_devstate_compat(&a, &b, r, 4, 0), "compat: equal descriptors");
	b.accept_max = 3;
	a.model_version = 1;
	b.model_version = 3;
	ok(!vfio_devstate_compat(&a, &b, r, 4, 0) &&
	   vfio_devstate_compat(&b, &a, r, 4, 0) == 1,
	   "compat: version range is directional");
	b = desc;
	b.nr_params = 1;	/* b lacks bar0_layout, whose absent == value */
	ok(!vfio_devstate_compat(&a, &b, r, 4, 0) &&
	   !vfio_devstate_compat(&b, &a, r, 4, 0),
	   "compat: parameter absent on one side with its default value");
	a.params[1].value = 2;
	n = vfio_devstate_compat(&a, &b, r, 4, 0);
	t = "parameter bar0_layout: source 0x2, destination absent (means 0x1)";
	ok(n == 1 && !strcmp(r[0].msg, t),
	   "compat: parameter only at the source differs from its default");
	diag("reason: %s", r[0].msg);
	n = vfio_devstate_compat(&b, &a, r, 4, 0);
	t = "parameter bar0_layout: source absent (means 0x1), destination 0x2";
	ok(n == 1 && !strcmp(r[0].msg, t),
	   "compat: parameter only at the destination differs from its default");
	a = desc;
	b = desc;
	a.caps = 3;
	b.caps = 7;
	ok(!vfio_devstate_compat(&a, &b, r, 4, 0) &&
	   vfio_devstate_compat(&b, &a, r, 4, 0) == 1,
	   "compat: destination caps must be a superset");
	b = desc;
	strscpy_pad(b.model, "x/y", sizeof(b.model));
	b.vendor = 1;
	b.model_version = 9;
	b.accept_min = 7;
	b.accept_max = 9;
	b.params[0].value = 1;
	b.caps = 0;
	a.caps = 1;
	n = vfio_devstate_compat(&a, &b, r, 2, 0);
	ok(n == 5 && r[0].code == VFIO_DEVSTATE_R_IDENTITY &&
	   r[1].code == VFIO_DEVSTATE_R_IDENTITY,
	   "compat: every reason counted, first %d returned", 2);
}

static void test_text(void)
{
	struct vfio_devstate_desc d;
	struct vfio_devstate_reason r;
	char buf[4096];
	ssize_t n;
	const char *t;

	n = vfio_devstate_desc_format(&desc, buf, sizeof(buf));
	ok(n > 0 && !vfio_devstate_desc_parse(&d, buf, n, &r) &&
	   !vfio_devstate_compat(&desc, &d, NULL, 0, 0) &&
	   !memcmp(d.params, desc.params, sizeof(d.params)),
	   "text form round trip");
	{
		char *line, *save = NULL;

		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			diag("%s", line);
	}
	ok(vfio_devstate_desc_format(&desc, buf, 100) == -ENOSPC,
	   "text form: short buffer");
	t = "# comment\nmodel a/b\nmodel_version 2\naccept 1 2\nvendor 0x1\n"
	    "device 2\nfuture_key 1 2 3\n\nparam x 1 0\n";
	ok(!vfio_devstate_desc_parse(&d, t, strlen(t), &r) &&
	   d.model_version == 2 && d.device == 2 && d.nr_params == 1,
	   "text form: comments, blank lines and unknown keys");
	t = "model a/b\nmodel_version 2\naccept 1 2\nvendor 0x10000\ndevice 2\n";
	ok(vfio_devstate_desc_parse(&d, t, strlen(t), &r) == -EINVAL &&
	   strstr(r.msg, "line 4"), "text form: value out of range");
	t = "model a/b\nmodel_version 2\naccept 1 2\nvendor 1\n";
	ok(vfio_devstate_desc_parse(&d, t, strlen(t), &r) == -EINVAL,
	   "text form: missing required key");
	t = "format 2.0\nmodel a/b\n";
	ok(vfio_devstate_desc_parse(&d, t, strlen(t), &r) == -EPROTONOSUPPORT,
	   "text form: other major");
	t = "model a/b\nmodel_version 2\naccept 1 2\nvendor 1\ndevice 1\n"
	    "param x 1 0\nparam x 2 0\n";
	ok(vfio_devstate_desc_parse(&d, t, strlen(t), &r) == -EINVAL,
	   "text form: duplicate parameter");
}

int main(void)
{
	ssize_t n;

	printf("TAP version 13\n");
	sample_desc(&desc);
	n = sample_stream(SAMPLE_BASIC, &desc, stream, sizeof(stream));
	if (n < 0) {
		printf("1..1\nnot ok 1 - build sample stream (%zd)\n", n);
		return 1;
	}
	stream_len = n;
	test_crc();
	test_roundtrip();
	test_encoder_misuse();
	test_corrupt_header();
	test_semantic_header();
	test_truncation();
	test_splits();
	test_next();
	test_sections();
	test_versions();
	test_classes();
	test_errno_table();
	test_compat();
	test_text();
	printf("1..%d\n", test_nr);
	return test_failed ? 1 : 0;
}
