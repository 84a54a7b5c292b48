// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer targets: the incremental decoder.
 *
 * fuzz_decode: the first input byte picks options (local descriptor,
 * region bounds) and a segmentation; the rest is the stream.  Each input
 * is decoded whole and in pieces, and both runs must end the same way
 * with the same events.
 *
 * fuzz_split (built from this file with -DFUZZ_SPLIT): the segmentation
 * is the input's own, so that the fuzzer explores write() sequences as it
 * explores streams.  After the options byte come a count of cuts (up to
 * 32) and the cuts (16 bits each, taken modulo the stream's length + 1,
 * any order, repeats meaning empty writes), then the stream.  The stream
 * whole, through those writes, and a byte at a time must all end with the
 * same verdict, reason, offset and events.
 */
#include <stdlib.h>
#include "sample.h"
#include "internal.h"

/* Stream bytes of a section besides its payload: header and CRC trailer. */
#define FRAMING		(VFIO_DEVSTATE_SECTION_LEN + VFIO_DEVSTATE_CRC_LEN)

/*
 * With option bit 7 the input's CRC fields are recomputed before decoding,
 * so that mutations reach the checks behind the CRCs.
 */
static void fix_crcs(u8 *p, size_t size)
{
	size_t pos, len;
	u64 slen;

	if (size < DS_H_PREAMBLE)
		return;
	len = ds_get32(p + DS_H_LEN);
	if (len < DS_H_PREAMBLE || len > size)
		return;
	ds_put32(p + len - VFIO_DEVSTATE_CRC_LEN,
		 vfio_devstate_crc32c(p, len - VFIO_DEVSTATE_CRC_LEN));
	for (pos = len; size - pos >= FRAMING;) {
		u8 *h = p + pos;

		ds_put32(h + DS_S_HDR_CRC, vfio_devstate_crc32c(h, DS_S_HDR_CRC));
		slen = ds_get64(h + DS_S_LENGTH);
		if (slen > size - pos - FRAMING)
			return;
		len = VFIO_DEVSTATE_SECTION_LEN + slen;
		ds_put32(h + len, vfio_devstate_crc32c(h, len));
		pos += len + VFIO_DEVSTATE_CRC_LEN;
	}
}

struct fz {
	u64 sum;		/* hash of the events */
	u64 got;		/* payload bytes of the open section */
};

static void mix(struct fz *f, u64 v)
{
	f->sum = (f->sum ^ v) * 0x100000001b3ULL;
}

static int f_header(void *p, const struct vfio_devstate_desc *d)
{
	mix(p, d->model_version);
	mix(p, d->nr_params);
	return 0;
}

static int f_start(void *p, const struct vfio_devstate_sec *s)
{
	struct fz *f = p;

	f->got = 0;
	mix(f, s->type);
	mix(f, s->length);
	mix(f, s->stream_off);
	return s->type & 1 ? 0 : VFIO_DEVSTATE_SKIP;
}

static int f_payload(void *p, const struct vfio_devstate_sec *s, u64 off,
		     const void *data, size_t len)
{
	struct fz *f = p;
	const u8 *b = data;
	size_t i;

	if (off != f->got || !len || len > s->length - off)
		abort();
	for (i = 0; i < len; i++)
		mix(f, b[i]);
	f->got += len;
	return 0;
}

static int f_end_sec(void *p, const struct vfio_devstate_sec *s)
{
	struct fz *f = p;

	if (f->got != s->length)
		abort();
	mix(f, 0xe0d);
	return 0;
}

static int f_end(void *p, u32 nr, u64 len)
{
	mix(p, nr);
	mix(p, len);
	return 0;
}

static const struct vfio_devstate_dec_ops ops = {
	.header = f_header,
	.section_start = f_start,
	.payload = f_payload,
	.section_end = f_end_sec,
	.end = f_end,
};

static struct vfio_devstate_dec dec;
static struct vfio_devstate_desc local;
static const u64 regions[2] = { SAMPLE_REGION_SIZE, 1ULL << 40 };

/*
 * Decode @data in writes that end at @cuts (ascending, each at most
 * @size; the last write ends at @size); @step, if not 0, instead makes
 * pieces of pseudo-random lengths from it.
 */
static int run(const u8 *data, size_t size, u8 opt, const size_t *cuts,
	       size_t nr_cuts, size_t step, struct fz *f,
	       struct vfio_devstate_reason *r)
{
	size_t pos = 0, i = 0, end;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	vfio_devstate_dec_init(&dec, &ops, f);
	if (opt & 1)
		vfio_devstate_dec_set_local(&dec, &local);
	if (opt & 2)
		vfio_devstate_dec_set_regions(&dec, regions, 2);
	while (!ret && pos < size) {
		if (step) {
			end = size - pos < step ? size : pos + step;
			step = step * 5 % 61 + 1;
		} else {
			end = i < nr_cuts ? cuts[i++] : size;
		}
		ret = vfio_devstate_dec_feed(&dec, data + pos, end - pos);
		pos = end;
	}
	if (!ret)
		ret = vfio_devstate_dec_finish(&dec);
	*r = *vfio_devstate_dec_error(&dec);
	if (ret != r->err || (ret && (!r->msg[0] || r->code <= 0)))
		abort();
	if (!ret != vfio_devstate_dec_done(&dec))
		abort();
	return ret;
}

/* libFuzzer's entry point, LLVMFuzzerTestOneInput */
int fuzz_one_input(const u8 *data, size_t size)
	__asm__("LLVMFuzzerTestOneInput");

static void same(int a, int b, const struct fz *f1, const struct fz *f2,
		 const struct vfio_devstate_reason *r1,
		 const struct vfio_devstate_reason *r2)
{
	if (a != b || r1->code != r2->code || r1->offset != r2->offset ||
	    strcmp(r1->msg, r2->msg) || (!a && f1->sum != f2->sum))
		abort();
}

#ifdef FUZZ_SPLIT
static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}
#endif

int fuzz_one_input(const u8 *data, size_t size)
{
	struct vfio_devstate_reason r1, r2;
	size_t cuts[32], nr_cuts = 0, skip = 1;
	struct fz f1, f2;
	u8 *copy = NULL;
	int a, b;
	u8 opt;

	if (!size)
		return 0;
	if (!local.model[0])
		sample_desc(&local);
	opt = data[0];
#ifdef FUZZ_SPLIT
	if (size < 2)
		return 0;
	nr_cuts = data[1] % 33;
	skip = 2 + 2 * nr_cuts;
	if (size < skip)
		return 0;
#endif
	if (opt & 0x80) {
		copy = malloc(size);
		memcpy(copy, data, size);
		fix_crcs(copy + skip, size - skip);
		data = copy;
	}
#ifdef FUZZ_SPLIT
	{
		size_t i, one[4096], n = size - skip;

		for (i = 0; i < nr_cuts; i++)
			cuts[i] = (data[2 + 2 * i] | data[3 + 2 * i] << 8) % (n + 1);
		qsort(cuts, nr_cuts, sizeof(cuts[0]), cmp_size);
		a = run(data + skip, n, opt, NULL, 0, 0, &f1, &r1);
		b = run(data + skip, n, opt, cuts, nr_cuts, 0, &f2, &r2);
		same(a, b, &f1, &f2, &r1, &r2);
		if (n <= ARRAY_SIZE(one)) {
			for (i = 0; i + 1 < n; i++)
				one[i] = i + 1;
			b = run(data + skip, n, opt, one, n ? n - 1 : 0, 0,
				&f2, &r2);
			same(a, b, &f1, &f2, &r1, &r2);
		}
	}
#else
	a = run(data + skip, size - skip, opt, cuts, nr_cuts, 0, &f1, &r1);
	b = run(data + skip, size - skip, opt, NULL, 0, 1 + (opt >> 2), &f2,
		&r2);
	same(a, b, &f1, &f2, &r1, &r2);
#endif
	free(copy);
	return 0;
}
