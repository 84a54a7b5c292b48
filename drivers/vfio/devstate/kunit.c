// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the vfio-devstate codec, run in the kernel it will serve:
 * encoding, decoding in pieces of any size, and the compatibility check,
 * with the kernel's crc32c().
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vfio_devstate.h>

#include "internal.h"

static void kds_desc(struct vfio_devstate_desc *d, u64 bar2_size)
{
	memset(d, 0, sizeof(*d));
	strscpy(d->model, "qemu.org/pci/1af4/1110", sizeof(d->model));
	d->model_version = 1;
	d->accept_min = 1;
	d->accept_max = 1;
	d->vendor = 0x1af4;
	d->device = 0x1110;
	d->class_code = 0x050000;
	d->nr_params = 1;
	strscpy(d->params[0].name, "bar2_size", sizeof(d->params[0].name));
	d->params[0].value = bar2_size;
}

/* The published check value of CRC32C, through the kernel's crc32c(). */
static void kds_crc_check_value(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 0xe3069283U,
			vfio_devstate_crc32c("123456789", 9));
}

struct kds_sink {
	int headers;
	int sections;
	u64 payload;
	int ends;
};

static int kds_header(void *priv, const struct vfio_devstate_desc *desc)
{
	((struct kds_sink *)priv)->headers++;
	return 0;
}

static int kds_start(void *priv, const struct vfio_devstate_sec *sec)
{
	((struct kds_sink *)priv)->sections++;
	return 0;
}

static int kds_payload(void *priv, const struct vfio_devstate_sec *sec,
		       u64 off, const void *data, size_t len)
{
	((struct kds_sink *)priv)->payload += len;
	return 0;
}

static int kds_end(void *priv, u32 nr_sections, u64 stream_len)
{
	((struct kds_sink *)priv)->ends++;
	return 0;
}

static const struct vfio_devstate_dec_ops kds_ops = {
	.header = kds_header,
	.section_start = kds_start,
	.payload = kds_payload,
	.end = kds_end,
};

/* Encode header + one device section + end record into @buf. */
static ssize_t kds_stream(struct kunit *test,
			  const struct vfio_devstate_desc *desc, u8 *buf,
			  size_t size)
{
	static const u8 regs[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vfio_devstate_enc enc;
	ssize_t n, len;

	vfio_devstate_enc_init(&enc);
	len = vfio_devstate_enc_header(&enc, desc, 0, buf, size);
	KUNIT_ASSERT_GT(test, len, 0);
	n = vfio_devstate_enc_section(&enc, VFIO_DEVSTATE_SEC_DEVICE,
				      VFIO_DEVSTATE_SF_MANDATORY, 0, 0, regs,
				      sizeof(regs), buf + len, size - len);
	KUNIT_ASSERT_GT(test, n, 0);
	len += n;
	KUNIT_ASSERT_LE(test, len + VFIO_DEVSTATE_END_RECORD_LEN, size);
	KUNIT_ASSERT_EQ(test, 0, vfio_devstate_enc_end(&enc, buf + len));
	return len + VFIO_DEVSTATE_END_RECORD_LEN;
}

/* Each stream test: a 64 MiB device's descriptor, a decoder, a stream. */
struct kds_ctx {
	struct vfio_devstate_desc desc;
	struct vfio_devstate_dec dec;
	u8 buf[PAGE_SIZE];
	ssize_t len;
};

static struct kds_ctx *kds_ctx(struct kunit *test)
{
	struct kds_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	kds_desc(&c->desc, SZ_64M);
	c->len = kds_stream(test, &c->desc, c->buf, sizeof(c->buf));
	return c;
}

/* A stream decodes whole and one byte at a time, with the same events. */
static void kds_round_trip(struct kunit *test)
{
	struct kds_ctx *c = kds_ctx(test);
	struct vfio_devstate_desc *desc = &c->desc;
	struct vfio_devstate_dec *dec = &c->dec;
	struct kds_sink whole = {}, bytes = {};
	ssize_t len = c->len, i;
	u8 *buf = c->buf;

	vfio_devstate_dec_init(dec, &kds_ops, &whole);
	vfio_devstate_dec_set_local(dec, desc);
	KUNIT_EXPECT_EQ(test, 0, vfio_devstate_dec_feed(dec, buf, len));
	KUNIT_EXPECT_EQ(test, 0, vfio_devstate_dec_finish(dec));

	vfio_devstate_dec_init(dec, &kds_ops, &bytes);
	vfio_devstate_dec_set_local(dec, desc);
	for (i = 0; i < len; i++)
		KUNIT_ASSERT_EQ(test, 0, vfio_devstate_dec_feed(dec, buf + i, 1));
	KUNIT_EXPECT_EQ(test, 0, vfio_devstate_dec_finish(dec));

	KUNIT_EXPECT_EQ(test, 1, whole.headers);
	KUNIT_EXPECT_EQ(test, 1, whole.ends);
	KUNIT_EXPECT_EQ(test, 8, whole.payload);
	KUNIT_EXPECT_EQ(test, whole.headers, bytes.headers);
	KUNIT_EXPECT_EQ(test, whole.sections, bytes.sections);
	KUNIT_EXPECT_EQ(test, whole.payload, bytes.payload);
	KUNIT_EXPECT_EQ(test, whole.ends, bytes.ends);
}

/* A flipped header byte is a CRC error; a short stream is incomplete. */
static void kds_corrupt_and_short(struct kunit *test)
{
	struct kds_ctx *c = kds_ctx(test);
	struct vfio_devstate_dec *dec = &c->dec;
	struct kds_sink sink = {};
	ssize_t len = c->len;
	u8 *buf = c->buf;

	vfio_devstate_dec_init(dec, &kds_ops, &sink);
	KUNIT_EXPECT_EQ(test, 0, vfio_devstate_dec_feed(dec, buf, len - 1));
	KUNIT_EXPECT_EQ(test, -ENODATA, vfio_devstate_dec_finish(dec));

	buf[DS_H_MODEL + 6] ^= 0x01;	/* inside the model id */
	vfio_devstate_dec_init(dec, &kds_ops, &sink);
	KUNIT_EXPECT_EQ(test, -EBADMSG, vfio_devstate_dec_feed(dec, buf, len));
	KUNIT_EXPECT_EQ(test, VFIO_DEVSTATE_R_CRC,
			vfio_devstate_dec_error(dec)->code);
}

/* Another BAR2 size: refused as a parameter mismatch naming both values. */
static void kds_param_mismatch(struct kunit *test)
{
	struct vfio_devstate_desc *src, *dst;
	struct vfio_devstate_reason reason;

	src = kunit_kzalloc(test, sizeof(*src), GFP_KERNEL);
	dst = kunit_kzalloc(test, sizeof(*dst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	kds_desc(src, SZ_64M);
	kds_desc(dst, SZ_32M);
	KUNIT_EXPECT_EQ(test, 0, vfio_devstate_compat(src, src, &reason, 1, 0));
	KUNIT_ASSERT_EQ(test, 1, vfio_devstate_compat(src, dst, &reason, 1, 0));
	KUNIT_EXPECT_EQ(test, VFIO_DEVSTATE_R_PARAM, reason.code);
	KUNIT_EXPECT_EQ(test, -EMEDIUMTYPE, reason.err);
	KUNIT_EXPECT_NOT_NULL(test, strstr(reason.msg, "bar2_size"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(reason.msg, "0x4000000"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(reason.msg, "0x2000000"));
}

static struct kunit_case vfio_devstate_cases[] = {
	KUNIT_CASE(kds_crc_check_value),
	KUNIT_CASE(kds_round_trip),
	KUNIT_CASE(kds_corrupt_and_short),
	KUNIT_CASE(kds_param_mismatch),
	{}
};

static struct kunit_suite vfio_devstate_suite = {
	.name = "vfio_devstate",
	.test_cases = vfio_devstate_cases,
};

kunit_test_suite(vfio_devstate_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the vfio-devstate codec");
/* Up to 6.12 the namespace was a bare name (the Makefile says which). */
#ifdef VFIO_DEVSTATE_NS_BARE
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
#else
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
#endif
