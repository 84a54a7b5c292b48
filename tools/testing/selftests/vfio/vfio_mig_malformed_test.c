// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed and unusual vfio-devstate streams offered to device C
 * (32 MiB of BAR2). Each case starts from C's own header (read from its
 * PRE_COPY initial bytes), builds a stream from it, corrupts one thing
 * and re-computes the CRCs where the case needs them valid, and expects
 * the errno of include/uapi/linux/vfio_devstate.h either from write()
 * (header and section checks) or from RESUMING -> STOP (completeness).
 * A refusal is sticky and explained in sysfs last_error; after
 * VFIO_DEVICE_RESET the device is RUNNING and takes a new stream.
 * Streams that are unusual but valid must load.
 *
 * Stream layout of the cases (C's header is 180 bytes):
 *	"mini": header, device section (44 bytes at 180), end record at 224
 *	"full": header, device section, chunks covering all of BAR2, end
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ivshmem.h"
#include "vfio_mig.h"

/*
 * Offsets in C's header (minor 0, one parameter: bar2_size), from the
 * structs: H(field) of the fixed part, P0(field) of the parameter entry.
 */
#define C_HDR_LEN	(MIG_HDR_LEN + MIG_PARAM_LEN + MIG_CRC_LEN)
#define H(field)	MIG_HDR(field)
#define P0(field)	(MIG_HDR_LEN + MIG_PARAM(field))
/* Stream bytes of a device section. */
#define DEV_SPAN	MIG_SEC_SPAN(IVSHMEM_STATE_LEN)

#define SEC		MIG_SEC_LEN
#define MAND		VFIO_DEVSTATE_SF_MANDATORY
#define T_DEV		VFIO_DEVSTATE_SEC_DEVICE
#define T_CHUNK		VFIO_DEVSTATE_SEC_CHUNK
#define SHM		IVSHMEM_SHM_BAR

/* Register values carried by the crafted device sections. */
#define DUP_MASK	0x00110000u
#define DUP_STATUS	0x00000022u

enum when {
	AT_WRITE,	/* a write() fails with the errno */
	AT_STOP,	/* all writes pass, RESUMING -> STOP fails */
	LOADS,		/* a valid stream: it loads */
};

struct mcase;

struct mctx {
	struct mig_buf s;	/* the stream being built */
	const uint8_t *hdr;	/* C's header */
	uint32_t hdr_len;
	uint64_t mem_len;	/* C's BAR2 */
	uint32_t nr;		/* sections put so far */
	uint32_t mask;		/* registers expected after LOADS */
	uint32_t status;
	uint8_t first_mib;	/* byte expected in BAR2's first MiB */
};

struct mcase {
	void (*build)(struct mctx *c);
	int err;
	enum when when;
	const char *last_error;	/* a word sysfs last_error must hold */
	bool untouched;		/* refused before any byte reached BAR2 */
};

/* ---- building blocks ---------------------------------------------------- */

static void put_header(struct mctx *c)
{
	mig_buf_put(&c->s, c->hdr, c->hdr_len);
}

static void put_device(struct mctx *c, uint32_t mask, uint32_t status)
{
	uint8_t st[IVSHMEM_STATE_LEN];

	mig_put32(st + IVSHMEM_STATE_INTRMASK, mask);
	mig_put32(st + IVSHMEM_STATE_INTRSTATUS, status);
	mig_put_section(&c->s, T_DEV, MAND, sizeof(st), 0, 0, st, sizeof(st));
	c->nr++;
	c->mask = mask;
	c->status = status;
}

static void put_chunk(struct mctx *c, uint64_t off, uint64_t len, int fill)
{
	size_t at = c->s.len;

	mig_put_section(&c->s, T_CHUNK, MAND, len, off, SHM, NULL, len);
	if (fill) {
		memset(c->s.data + at + SEC, fill, len);
		mig_fix_section_crcs(c->s.data + at);
	}
	c->nr++;
}

static void put_end(struct mctx *c)
{
	mig_put_end(&c->s, c->nr);
}

/* A section header alone, with a good header CRC (payload left out). */
static void put_sec_hdr(struct mctx *c, uint32_t type, uint32_t flags,
			uint64_t length, uint64_t offset, uint32_t index)
{
	uint8_t h[SEC];

	mig_sec_hdr(h, type, flags, length, offset, index);
	mig_buf_put(&c->s, h, sizeof(h));
}

static void mini(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_end(c);
}

static void full(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len, 0);
	put_end(c);
}

static uint8_t *h(struct mctx *c)
{
	return c->s.data;
}

/* Mini stream with a header edit, CRC re-computed. */
#define HDR_CASE(name, edit)						\
static void name(struct mctx *c)					\
{									\
	mini(c);							\
	edit;								\
	mig_fix_header_crc(h(c));					\
}

/* ---- header cases ------------------------------------------------------- */

HDR_CASE(b_magic_byte, h(c)[H(magic) + 3] ^= 0x20)
HDR_CASE(b_magic_zero, memset(h(c) + H(magic), 0, VFIO_DEVSTATE_MAGIC_LEN))
HDR_CASE(b_major_2, mig_put16(h(c) + H(major), 2))
HDR_CASE(b_major_0, mig_put16(h(c) + H(major), 0))
HDR_CASE(b_major_ffff, mig_put16(h(c) + H(major), 0xffff))
HDR_CASE(b_minor_newer, mig_put16(h(c) + H(minor), 7))
HDR_CASE(b_flags_all, mig_put32(h(c) + H(flags), 0xffffffff))
HDR_CASE(b_nr_params_0, mig_put16(h(c) + H(nr_params), 0))
HDR_CASE(b_nr_params_2, mig_put16(h(c) + H(nr_params), 2))
HDR_CASE(b_nr_params_33,
	 mig_put16(h(c) + H(nr_params), VFIO_DEVSTATE_MAX_PARAMS + 1))
HDR_CASE(b_param_len_40,
	 mig_put16(h(c) + H(param_len), VFIO_DEVSTATE_PARAM_MIN - 8))
HDR_CASE(b_param_len_52,
	 mig_put16(h(c) + H(param_len), VFIO_DEVSTATE_PARAM_MIN + 4))
HDR_CASE(b_param_len_56,
	 mig_put16(h(c) + H(param_len), VFIO_DEVSTATE_PARAM_MIN + 8))
HDR_CASE(b_model_other, h(c)[H(model) + 21] = '1')
HDR_CASE(b_model_unterminated,
	 memset(h(c) + H(model), 'x', VFIO_DEVSTATE_MODEL_LEN))
HDR_CASE(b_model_blank, h(c)[H(model) + 4] = ' ')
HDR_CASE(b_model_empty, memset(h(c) + H(model), 0, VFIO_DEVSTATE_MODEL_LEN))
HDR_CASE(b_model_junk_after_nul, h(c)[H(model) + 60] = 'x')
HDR_CASE(b_model_version_2, mig_put32(h(c) + H(model_version), 2))
HDR_CASE(b_model_version_0, mig_put32(h(c) + H(model_version), 0))
HDR_CASE(b_accept_reversed, mig_put32(h(c) + H(accept_min), 3))
HDR_CASE(b_accept_wider, mig_put32(h(c) + H(accept_max), 9))
HDR_CASE(b_vendor, mig_put16(h(c) + H(vendor), 0x8086))
HDR_CASE(b_device, mig_put16(h(c) + H(device), 0x1111))
HDR_CASE(b_subsys_vendor, h(c)[H(subsys_vendor)] ^= 1)
HDR_CASE(b_subsys_device, h(c)[H(subsys_device)] ^= 1)
HDR_CASE(b_class, h(c)[H(class_code)] ^= 1)
HDR_CASE(b_class_over_24_bits, h(c)[H(class_code) + 3] = 1)
HDR_CASE(b_revision, h(c)[H(revision)] ^= 1)
HDR_CASE(b_reserved, memset(h(c) + H(reserved), 0xff, H(caps) - H(reserved)))
HDR_CASE(b_caps, h(c)[H(caps)] |= 1)
HDR_CASE(b_param_name_other, h(c)[P0(name) + 3] = '3')
HDR_CASE(b_param_name_upper, h(c)[P0(name)] = 'B')
HDR_CASE(b_param_name_unterminated,
	 memset(h(c) + P0(name), 'x', VFIO_DEVSTATE_PARAM_NAME_LEN))
HDR_CASE(b_param_value, mig_put64(h(c) + P0(value), 64 << 20))
HDR_CASE(b_param_absent, mig_put64(h(c) + P0(absent), 1))

/* Header CRC not re-computed. */
static void b_header_crc(struct mctx *c)
{
	mini(c);
	h(c)[c->hdr_len - 1] ^= 0x80;
}

static void b_header_field_no_crc(struct mctx *c)
{
	mini(c);
	h(c)[H(model_version)] ^= 0x01;
}

/* header_len edits: the CRC is made right for the original length. */
static void b_hdr_len_tiny(struct mctx *c)
{
	mini(c);
	/* Below the least: a fixed part and its CRC, 32 bytes short. */
	mig_put32(h(c) + H(header_len),
		  VFIO_DEVSTATE_HDR_MIN + MIG_CRC_LEN - 32);
}

static void b_hdr_len_huge(struct mctx *c)
{
	mini(c);
	mig_put32(h(c) + H(header_len), 2 * VFIO_DEVSTATE_HDR_MAX);
}

static void b_hdr_len_unaligned(struct mctx *c)
{
	mini(c);
	mig_put32(h(c) + H(header_len), c->hdr_len + 1);
}

static void b_hdr_len_plus8(struct mctx *c)
{
	mini(c);
	mig_put32(h(c) + H(header_len), c->hdr_len + 8);
	/* The CRC over the original length still matches its bytes... */
	mig_put32(h(c) + c->hdr_len - MIG_CRC_LEN,
		  mig_crc32c(h(c), c->hdr_len - MIG_CRC_LEN));
	/* ...but the decoder reads the CRC 8 bytes later. */
}

/* ---- section cases ------------------------------------------------------ */

static void b_dev_hdr_crc(struct mctx *c)
{
	mini(c);
	h(c)[c->hdr_len + MIG_SEC(hdr_crc)] ^= 1;
}

static void b_dev_payload_crc(struct mctx *c)
{
	mini(c);
	/* An INTRMASK byte, the trailer unchanged. */
	h(c)[c->hdr_len + SEC + IVSHMEM_STATE_INTRMASK] ^= 1;
}

static void b_dev_len_short(struct mctx *c)
{
	uint8_t st[4] = {};

	put_header(c);
	mig_put_section(&c->s, T_DEV, MAND, sizeof(st), 0, 0, st, sizeof(st));
	c->nr++;
	put_end(c);
}

static void b_dev_len_huge(struct mctx *c)
{
	put_header(c);
	put_sec_hdr(c, T_DEV, MAND, 1ull << 63, 0, 0);
	mig_buf_put(&c->s, NULL, 64);
}

static void b_dev_index(struct mctx *c)
{
	mini(c);
	mig_put32(h(c) + c->hdr_len + MIG_SEC(index), 1);
	mig_fix_section_crcs(h(c) + c->hdr_len);
}

static void b_chunk_beyond(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, 4096, c->mem_len, SHM);
	mig_buf_put(&c->s, NULL, 4096 + 4);
}

static void b_chunk_straddle(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, 8192, c->mem_len - 4096, SHM);
	mig_buf_put(&c->s, NULL, 8192 + 4);
}

static void b_chunk_len_overflow(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, -4096ull, 4096, SHM);
	mig_buf_put(&c->s, NULL, 4096);
}

static void b_chunk_offset_overflow(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, 8192, -4096ull, SHM);
	mig_buf_put(&c->s, NULL, 4096);
}

static void b_chunk_region_bar0(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, 4096, 0, VFIO_PCI_BAR0_REGION_INDEX);
	mig_buf_put(&c->s, NULL, 4096 + 4);
}

static void b_chunk_region_99(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, T_CHUNK, MAND, 4096, 0, 99);
	mig_buf_put(&c->s, NULL, 4096 + 4);
}

static void b_chunk_unaligned(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 1, 4096, 0);
	put_end(c);
}

static void b_chunk_payload_crc(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, 4096, 0x11);
	c->s.data[c->s.len - 100] ^= 1;
	put_end(c);
}

/* A whole 1 MiB chunk, written in pieces, whose last payload byte is bad. */
static void b_chunk_big_payload_crc(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, 1 << 20, 0x11);
	c->s.data[c->s.len - VFIO_DEVSTATE_CRC_LEN - 1] ^= 1;
	put_end(c);
}

static void b_unknown_mandatory_model(struct mctx *c)
{
	put_header(c);
	mig_put_section(&c->s, VFIO_DEVSTATE_SEC_MODEL_BASE + 5, MAND, 16, 0,
			0, NULL, 16);
	c->nr++;
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_end(c);
}

static void b_unknown_mandatory_spec(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	mig_put_section(&c->s, 0x0040, MAND, 0, 0, 0, NULL, 0);
	c->nr++;
	put_end(c);
}

static void b_end_count(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	c->nr++;
	put_end(c);
}

static void b_end_stream_len(struct mctx *c)
{
	size_t at;

	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	at = c->s.len;
	put_end(c);
	mig_put64(c->s.data + at + SEC + MIG_END(stream_len), at - 1);
	mig_fix_section_crcs(c->s.data + at);
}

static void b_end_short(struct mctx *c)
{
	/* An end record that stops before stream_len. */
	uint8_t end[MIG_END(stream_len)] = {};

	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	mig_put32(end + MIG_END(nr_sections), c->nr);
	mig_put_section(&c->s, VFIO_DEVSTATE_SEC_END, 0, sizeof(end), 0, 0,
			end, sizeof(end));
}

static void b_end_huge(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, VFIO_DEVSTATE_SEC_END, 0, 1 << 20, 0, 0);
	mig_buf_put(&c->s, NULL, 64);
}

static void b_end_crc(struct mctx *c)
{
	mini(c);
	c->s.data[c->s.len - 1] ^= 1;
}

static void b_trailing_byte(struct mctx *c)
{
	mini(c);
	mig_buf_put(&c->s, "!", 1);
}

static void b_trailing_stream(struct mctx *c)
{
	mini(c);
	mig_buf_put(&c->s, c->hdr, c->hdr_len);
}

/* ---- truncations (RESUMING -> STOP finds them) -------------------------- */

#define TRUNC_CASE(name, at)						\
static void name(struct mctx *c)					\
{									\
	mini(c);							\
	c->s.len = (at);						\
}

TRUNC_CASE(b_trunc_empty, 0)
TRUNC_CASE(b_trunc_in_preamble, H(minor))
TRUNC_CASE(b_trunc_in_header, H(vendor))
TRUNC_CASE(b_trunc_header_no_crc, c->hdr_len - MIG_CRC_LEN)
TRUNC_CASE(b_trunc_after_header, c->hdr_len)
TRUNC_CASE(b_trunc_in_section_header, c->hdr_len + MIG_SEC(length) + 2)
TRUNC_CASE(b_trunc_after_section_header, c->hdr_len + SEC)
TRUNC_CASE(b_trunc_in_payload, c->hdr_len + SEC + IVSHMEM_STATE_INTRMASK + 3)
TRUNC_CASE(b_trunc_before_trailer, c->hdr_len + SEC + IVSHMEM_STATE_LEN)
TRUNC_CASE(b_trunc_in_trailer, c->hdr_len + SEC + IVSHMEM_STATE_LEN + 2)
TRUNC_CASE(b_trunc_before_end, c->hdr_len + DEV_SPAN)
TRUNC_CASE(b_trunc_in_end,
	   c->hdr_len + DEV_SPAN + SEC + MIG_END(reserved) + 1)
TRUNC_CASE(b_trunc_end_no_crc, c->s.len - MIG_CRC_LEN)

/* Complete streams that do not hold the whole device state. */
static void b_missing_chunks(struct mctx *c)
{
	mini(c);
}

static void b_missing_device(struct mctx *c)
{
	put_header(c);
	put_chunk(c, 0, c->mem_len, 0);
	put_end(c);
}

static void b_partial_chunks(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len / 2, 0);
	put_chunk(c, c->mem_len / 2 + 4096, c->mem_len / 2 - 4096, 0);
	put_end(c);
}

static void b_optional_huge(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_sec_hdr(c, VFIO_DEVSTATE_SEC_MODEL_BASE + 9, 0, 1ull << 40, 0, 0);
	mig_buf_put(&c->s, NULL, 4096);
}

/* ---- valid but unusual: these must load --------------------------------- */

static void b_unknown_optional(struct mctx *c)
{
	put_header(c);
	mig_put_section(&c->s, VFIO_DEVSTATE_SEC_MODEL_BASE + 7, 0, 40, 0, 3,
			"optional state a newer model might send", 40);
	c->nr++;
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len, 0);
	/* An optional section of a type from this spec, not yet defined. */
	mig_put_section(&c->s, 0x0077, 0, 0, 0, 0, NULL, 0);
	c->nr++;
	put_end(c);
}

static void b_padding(struct mctx *c)
{
	put_header(c);
	mig_put_section(&c->s, VFIO_DEVSTATE_SEC_PAD, MAND, 4096, 0, 0, NULL,
			4096);
	c->nr++;
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len, 0);
	put_end(c);
}

static void b_duplicate_device(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len, 0);
	/* A later device section supersedes the earlier one. */
	put_device(c, DUP_MASK, DUP_STATUS);
	put_end(c);
}

static void b_overlapping_chunks(struct mctx *c)
{
	put_header(c);
	put_device(c, MIG_INTRMASK_VAL, MIG_INTRSTATUS_VAL);
	put_chunk(c, 0, c->mem_len, 0);
	/* Resent data (pre-copy style): the later chunk wins. */
	put_chunk(c, 0, 1 << 20, 0xab);
	c->first_mib = 0xab;
	put_end(c);
}

static void b_newer_minor_full(struct mctx *c)
{
	full(c);
	mig_put16(h(c) + H(minor), 1);
	mig_put32(h(c) + H(flags), VFIO_DEVSTATE_HF_PRECOPY | 0x100);
	mig_fix_header_crc(h(c));
}

/* ---- the fixtures and the runner ---------------------------------------- */

/* Device C, open, with its BAR2 mapped and its own header read. */
struct mdev {
	struct vfio_dev dev;
	const char *bdf;
	struct mig_buf hdr;
	void *mem;
	size_t len;
	int fd;
};

static void mdev_setup(struct __test_metadata *_metadata, struct mdev *m)
{
	const char *skip;
	int fd = -1;

	m->fd = -1;
	skip = ivshmem_open(_metadata, &m->dev, "IVSHMEM_C",
			    VFIO_MODE_CONTAINER);
	if (skip)
		SKIP(return, "%s", skip);
	m->bdf = vfio_test_env("IVSHMEM_C");
	ASSERT_EQ(0, mig_to_running(&m->dev));
	ASSERT_EQ(0, mig_map_bar2(&m->dev, &m->mem, &m->len));

	ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_LT(0, mig_read_initial(fd, &m->hdr));
	close(fd);
	ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(mig_header_len(m->hdr.data), m->hdr.len);
	ASSERT_EQ(C_HDR_LEN, m->hdr.len);
}

static void mdev_teardown(struct mdev *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->mem)
		munmap(m->mem, m->len);
	mig_buf_free(&m->hdr);
	if (m->dev.initialized)
		mig_to_running(&m->dev);
	vfio_dev_close(&m->dev);
}

static void run_case(struct __test_metadata *_metadata, struct mdev *m,
		     const struct mcase *mc)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mctx c = {
		.hdr = m->hdr.data,
		.hdr_len = m->hdr.len,
		.mem_len = m->len,
	};
	uint32_t state = 0, mask = 0, status = 0;
	uint8_t *mem = m->mem;
	char why[512] = "";
	size_t done = 0;
	int ret;

	mc->build(&c);
	ASSERT_NE(NULL, c.s.data);
	/* Something else first in BAR2, so that loads are visible. */
	memset(mem, 0x5c, 2 << 20);

	ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_RESUMING,
				   &m->fd));
	ASSERT_LE(0, m->fd);
	ret = mig_write_stream(m->fd, c.s.data, c.s.len, &io, &done);
	if (mc->when == AT_WRITE) {
		EXPECT_EQ(-mc->err, ret)
			TH_LOG("write at %zu of %zu: %s", done, c.s.len,
			       strerror(-ret));
		/* Sticky: the state change reports the same refusal. */
		EXPECT_EQ(-mc->err, mig_set_state(&m->dev,
						  VFIO_DEVICE_STATE_STOP,
						  NULL));
	} else {
		ASSERT_EQ(0, ret) TH_LOG("write at %zu of %zu: %s", done,
					 c.s.len, strerror(-ret));
		ret = mig_set_state(&m->dev, VFIO_DEVICE_STATE_STOP, NULL);
		EXPECT_EQ(mc->when == LOADS ? 0 : -mc->err, ret)
			TH_LOG("RESUMING -> STOP: %s", strerror(-ret));
	}
	ASSERT_EQ(0, mig_get_state(&m->dev, &state));
	if (mc->when == LOADS) {
		EXPECT_EQ(VFIO_DEVICE_STATE_STOP, state);
		ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_RUNNING,
					   NULL));
		ASSERT_EQ(0, mig_get_regs(&m->dev, &mask, &status));
		EXPECT_EQ(c.mask, mask);
		EXPECT_EQ(c.status, status);
		EXPECT_EQ(c.first_mib, mem[0]);
		EXPECT_EQ(c.first_mib, mem[(1 << 20) - 1]);
		EXPECT_EQ(0, mem[1 << 20]);
	} else {
		EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, state);
		ASSERT_LT(0, mig_sysfs_read(m->bdf, "last_error", why,
					    sizeof(why)));
		TH_LOG("last_error: %s", why);
		if (mc->last_error)
			EXPECT_NE(NULL, strstr(why, mc->last_error));
		/* The reset ends the stream and gets back to RUNNING. */
		ASSERT_EQ(0, vfio_dev_reset(&m->dev));
		ASSERT_EQ(0, mig_get_state(&m->dev, &state));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);
		/*
		 * A chunk whose CRC is bad never writes the device (the
		 * reset leaves BAR2 alone; mapped again once RUNNING).
		 */
		if (mc->untouched) {
			EXPECT_EQ(0x5c, mem[0]);
			EXPECT_EQ(0x5c, mem[4095]);
			EXPECT_EQ(0x5c, mem[(1 << 20) - 1]);
		}
		EXPECT_EQ(-1, write(m->fd, c.hdr, 1));
		EXPECT_EQ(ENODEV, errno);
	}
	close(m->fd);
	m->fd = -1;
	mig_buf_free(&c.s);

	/* The device takes a new stream: its header is accepted. */
	ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_RESUMING,
				   &m->fd));
	EXPECT_EQ((ssize_t)m->hdr.len, write(m->fd, m->hdr.data, m->hdr.len));
	close(m->fd);
	m->fd = -1;
	ASSERT_EQ(0, mig_to_running(&m->dev));
}

FIXTURE(malformed) {
	struct mdev m;
};

FIXTURE_VARIANT(malformed) {
	struct mcase mc;
};

/* Header: every field (write-time, the write completing the header). */

FIXTURE_VARIANT_ADD(malformed, magic_byte) {
	.mc = { b_magic_byte, EINVAL, AT_WRITE, "magic" },
};

FIXTURE_VARIANT_ADD(malformed, magic_zero) {
	.mc = { b_magic_zero, EINVAL, AT_WRITE, "magic" },
};

FIXTURE_VARIANT_ADD(malformed, major_2) {
	.mc = { b_major_2, EPROTONOSUPPORT, AT_WRITE, "version" },
};

FIXTURE_VARIANT_ADD(malformed, major_0) {
	.mc = { b_major_0, EPROTONOSUPPORT, AT_WRITE, "version" },
};

FIXTURE_VARIANT_ADD(malformed, major_ffff) {
	.mc = { b_major_ffff, EPROTONOSUPPORT, AT_WRITE, "version" },
};

FIXTURE_VARIANT_ADD(malformed, hdr_len_tiny) {
	.mc = { b_hdr_len_tiny, EINVAL, AT_WRITE, "header length" },
};

FIXTURE_VARIANT_ADD(malformed, hdr_len_huge) {
	.mc = { b_hdr_len_huge, EINVAL, AT_WRITE, "header length" },
};

FIXTURE_VARIANT_ADD(malformed, hdr_len_unaligned) {
	.mc = { b_hdr_len_unaligned, EINVAL, AT_WRITE, "header length" },
};

FIXTURE_VARIANT_ADD(malformed, hdr_len_plus8) {
	.mc = { b_hdr_len_plus8, EBADMSG, AT_WRITE, "CRC" },
};

FIXTURE_VARIANT_ADD(malformed, nr_params_0) {
	.mc = { b_nr_params_0, EINVAL, AT_WRITE, "header length" },
};

FIXTURE_VARIANT_ADD(malformed, nr_params_2) {
	.mc = { b_nr_params_2, EINVAL, AT_WRITE, "parameters" },
};

FIXTURE_VARIANT_ADD(malformed, nr_params_33) {
	.mc = { b_nr_params_33, EINVAL, AT_WRITE, "parameter count" },
};

FIXTURE_VARIANT_ADD(malformed, param_len_40) {
	.mc = { b_param_len_40, EINVAL, AT_WRITE, "parameter entry length" },
};

FIXTURE_VARIANT_ADD(malformed, param_len_52) {
	.mc = { b_param_len_52, EINVAL, AT_WRITE, "parameter entry length" },
};

FIXTURE_VARIANT_ADD(malformed, param_len_56) {
	.mc = { b_param_len_56, EINVAL, AT_WRITE, "header length" },
};

FIXTURE_VARIANT_ADD(malformed, model_other) {
	.mc = { b_model_other, ENODEV, AT_WRITE, "model" },
};

FIXTURE_VARIANT_ADD(malformed, model_unterminated) {
	.mc = { b_model_unterminated, EINVAL, AT_WRITE, "model" },
};

FIXTURE_VARIANT_ADD(malformed, model_blank) {
	.mc = { b_model_blank, EINVAL, AT_WRITE, "model" },
};

FIXTURE_VARIANT_ADD(malformed, model_empty) {
	.mc = { b_model_empty, EINVAL, AT_WRITE, "model" },
};

FIXTURE_VARIANT_ADD(malformed, model_junk_after_nul) {
	.mc = { b_model_junk_after_nul, EINVAL, AT_WRITE, "model" },
};

FIXTURE_VARIANT_ADD(malformed, model_version_2) {
	.mc = { b_model_version_2, ERANGE, AT_WRITE, "model version" },
};

FIXTURE_VARIANT_ADD(malformed, model_version_0) {
	.mc = { b_model_version_0, ERANGE, AT_WRITE, "model version" },
};

FIXTURE_VARIANT_ADD(malformed, accept_reversed) {
	.mc = { b_accept_reversed, EINVAL, AT_WRITE, "reversed" },
};

FIXTURE_VARIANT_ADD(malformed, vendor) {
	.mc = { b_vendor, ENODEV, AT_WRITE, "vendor" },
};

FIXTURE_VARIANT_ADD(malformed, device) {
	.mc = { b_device, ENODEV, AT_WRITE, "device" },
};

FIXTURE_VARIANT_ADD(malformed, subsys_vendor) {
	.mc = { b_subsys_vendor, ENODEV, AT_WRITE, "subsystem vendor" },
};

FIXTURE_VARIANT_ADD(malformed, subsys_device) {
	.mc = { b_subsys_device, ENODEV, AT_WRITE, "subsystem device" },
};

FIXTURE_VARIANT_ADD(malformed, class) {
	.mc = { b_class, ENODEV, AT_WRITE, "class" },
};

FIXTURE_VARIANT_ADD(malformed, class_over_24_bits) {
	.mc = { b_class_over_24_bits, EINVAL, AT_WRITE, "class" },
};

FIXTURE_VARIANT_ADD(malformed, revision) {
	.mc = { b_revision, ENODEV, AT_WRITE, "revision" },
};

FIXTURE_VARIANT_ADD(malformed, caps) {
	.mc = { b_caps, ENOPROTOOPT, AT_WRITE, "capabilities" },
};

FIXTURE_VARIANT_ADD(malformed, param_name_other) {
	.mc = { b_param_name_other, EMEDIUMTYPE, AT_WRITE, "bar3_size" },
};

FIXTURE_VARIANT_ADD(malformed, param_name_upper) {
	.mc = { b_param_name_upper, EINVAL, AT_WRITE, "name" },
};

FIXTURE_VARIANT_ADD(malformed, param_name_unterminated) {
	.mc = { b_param_name_unterminated, EINVAL, AT_WRITE, "name" },
};

FIXTURE_VARIANT_ADD(malformed, param_value) {
	.mc = { b_param_value, EMEDIUMTYPE, AT_WRITE, "bar2_size" },
};

FIXTURE_VARIANT_ADD(malformed, header_crc) {
	.mc = { b_header_crc, EBADMSG, AT_WRITE, "header CRC" },
};

FIXTURE_VARIANT_ADD(malformed, header_field_no_crc) {
	.mc = { b_header_field_no_crc, EBADMSG, AT_WRITE, "header CRC" },
};

/*
 * Header fields a reader ignores or that stay compatible: accepted, then
 * the mini stream is found incomplete (no memory) at STOP.
 */

FIXTURE_VARIANT_ADD(malformed, minor_newer) {
	.mc = { b_minor_newer, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, flags_all) {
	.mc = { b_flags_all, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, accept_wider) {
	.mc = { b_accept_wider, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, reserved) {
	.mc = { b_reserved, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, param_absent) {
	.mc = { b_param_absent, ENODATA, AT_STOP, "unwritten" },
};

/* Sections. */

FIXTURE_VARIANT_ADD(malformed, dev_hdr_crc) {
	.mc = { b_dev_hdr_crc, EBADMSG, AT_WRITE, "CRC" },
};

FIXTURE_VARIANT_ADD(malformed, dev_payload_crc) {
	.mc = { b_dev_payload_crc, EBADMSG, AT_WRITE, "CRC" },
};

FIXTURE_VARIANT_ADD(malformed, dev_len_short) {
	.mc = { b_dev_len_short, EINVAL, AT_WRITE, "device section" },
};

FIXTURE_VARIANT_ADD(malformed, dev_len_huge) {
	.mc = { b_dev_len_huge, EINVAL, AT_WRITE, "device section" },
};

FIXTURE_VARIANT_ADD(malformed, dev_index) {
	.mc = { b_dev_index, EINVAL, AT_WRITE, "device section" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_beyond) {
	.mc = { b_chunk_beyond, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_straddle) {
	.mc = { b_chunk_straddle, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_len_overflow) {
	.mc = { b_chunk_len_overflow, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_offset_overflow) {
	.mc = { b_chunk_offset_overflow, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_region_bar0) {
	.mc = { b_chunk_region_bar0, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_region_99) {
	.mc = { b_chunk_region_99, ENXIO, AT_WRITE, "chunk" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_unaligned) {
	.mc = { b_chunk_unaligned, EINVAL, AT_WRITE, "aligned" },
};

FIXTURE_VARIANT_ADD(malformed, chunk_payload_crc) {
	.mc = { b_chunk_payload_crc, EBADMSG, AT_WRITE, "CRC", true },
};

FIXTURE_VARIANT_ADD(malformed, chunk_big_payload_crc) {
	.mc = { b_chunk_big_payload_crc, EBADMSG, AT_WRITE, "CRC", true },
};

FIXTURE_VARIANT_ADD(malformed, unknown_mandatory_model) {
	.mc = { b_unknown_mandatory_model, EOPNOTSUPP, AT_WRITE, "mandatory" },
};

FIXTURE_VARIANT_ADD(malformed, unknown_mandatory_spec) {
	.mc = { b_unknown_mandatory_spec, EOPNOTSUPP, AT_WRITE, "mandatory" },
};

FIXTURE_VARIANT_ADD(malformed, end_count) {
	.mc = { b_end_count, ENODATA, AT_WRITE, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, end_stream_len) {
	.mc = { b_end_stream_len, ENODATA, AT_WRITE, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, end_short) {
	.mc = { b_end_short, EINVAL, AT_WRITE, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, end_huge) {
	.mc = { b_end_huge, EINVAL, AT_WRITE, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, end_crc) {
	.mc = { b_end_crc, EBADMSG, AT_WRITE, "CRC" },
};

FIXTURE_VARIANT_ADD(malformed, trailing_byte) {
	.mc = { b_trailing_byte, EMSGSIZE, AT_WRITE, "trailing" },
};

FIXTURE_VARIANT_ADD(malformed, trailing_stream) {
	.mc = { b_trailing_stream, EMSGSIZE, AT_WRITE, "trailing" },
};

/* Truncations and missing parts: RESUMING -> STOP. */

FIXTURE_VARIANT_ADD(malformed, trunc_empty) {
	.mc = { b_trunc_empty, ENODATA, AT_STOP, "header" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_preamble) {
	.mc = { b_trunc_in_preamble, ENODATA, AT_STOP, "header" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_header) {
	.mc = { b_trunc_in_header, ENODATA, AT_STOP, "header" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_header_no_crc) {
	.mc = { b_trunc_header_no_crc, ENODATA, AT_STOP, "header" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_after_header) {
	.mc = { b_trunc_after_header, ENODATA, AT_STOP, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_section_header) {
	.mc = { b_trunc_in_section_header, ENODATA, AT_STOP, "section header" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_after_section_header) {
	.mc = { b_trunc_after_section_header, ENODATA, AT_STOP, "payload" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_payload) {
	.mc = { b_trunc_in_payload, ENODATA, AT_STOP, "payload" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_before_trailer) {
	.mc = { b_trunc_before_trailer, ENODATA, AT_STOP, "section CRC" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_trailer) {
	.mc = { b_trunc_in_trailer, ENODATA, AT_STOP, "section CRC" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_before_end) {
	.mc = { b_trunc_before_end, ENODATA, AT_STOP, "end record" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_in_end) {
	.mc = { b_trunc_in_end, ENODATA, AT_STOP, "payload" },
};

FIXTURE_VARIANT_ADD(malformed, trunc_end_no_crc) {
	.mc = { b_trunc_end_no_crc, ENODATA, AT_STOP, "section CRC" },
};

FIXTURE_VARIANT_ADD(malformed, missing_chunks) {
	.mc = { b_missing_chunks, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, missing_device) {
	.mc = { b_missing_device, ENODATA, AT_STOP, "device section" },
};

FIXTURE_VARIANT_ADD(malformed, partial_chunks) {
	.mc = { b_partial_chunks, ENODATA, AT_STOP, "unwritten" },
};

FIXTURE_VARIANT_ADD(malformed, optional_huge) {
	.mc = { b_optional_huge, ENODATA, AT_STOP, "payload" },
};

/* Valid streams that must load. */

FIXTURE_VARIANT_ADD(malformed, unknown_optional) {
	.mc = { b_unknown_optional, 0, LOADS, NULL },
};

FIXTURE_VARIANT_ADD(malformed, padding) {
	.mc = { b_padding, 0, LOADS, NULL },
};

FIXTURE_VARIANT_ADD(malformed, duplicate_device) {
	.mc = { b_duplicate_device, 0, LOADS, NULL },
};

FIXTURE_VARIANT_ADD(malformed, overlapping_chunks) {
	.mc = { b_overlapping_chunks, 0, LOADS, NULL },
};

FIXTURE_VARIANT_ADD(malformed, newer_minor_full) {
	.mc = { b_newer_minor_full, 0, LOADS, NULL },
};

FIXTURE_SETUP(malformed)
{
	mdev_setup(_metadata, &self->m);
}

FIXTURE_TEARDOWN(malformed)
{
	mdev_teardown(&self->m);
}

TEST_F_TIMEOUT(malformed, resume, 60)
{
	run_case(_metadata, &self->m, &variant->mc);
}

/* After all of the above, a real stream of C still round-trips. */
FIXTURE(malformed_after) {
	struct mdev m;
};

FIXTURE_SETUP(malformed_after)
{
	mdev_setup(_metadata, &self->m);
}

FIXTURE_TEARDOWN(malformed_after)
{
	mdev_teardown(&self->m);
}

TEST_F_TIMEOUT(malformed_after, still_migrates, 120)
{
	struct mig_io io = { .big = 1 << 20 };
	struct mdev *m = &self->m;
	struct mig_save_info info;
	struct mig_buf s = {};
	uint32_t mask = 0, status = 0;
	int stage = -1, ret;

	mig_fill_pattern(m->mem, m->len, 4242);
	ASSERT_EQ(0, mig_set_regs(&m->dev, MIG_INTRMASK_VAL,
				  MIG_INTRSTATUS_VAL));
	ASSERT_EQ(0, mig_save(&m->dev, &s, false, &io, &info));
	ASSERT_EQ(0, mig_set_state(&m->dev, VFIO_DEVICE_STATE_RUNNING, NULL));
	mig_fill_pattern(m->mem, m->len, 4343);
	ASSERT_EQ(0, mig_set_regs(&m->dev, 0, 0));
	ret = mig_resume(&m->dev, s.data, s.len, &io, &stage);
	ASSERT_EQ(0, ret) TH_LOG("stage %d: %s", stage, strerror(-ret));
	EXPECT_EQ(-1, mig_check_pattern(m->mem, m->len, 4242, 8));
	ASSERT_EQ(0, mig_get_regs(&m->dev, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
	mig_buf_free(&s);
}

TEST_HARNESS_MAIN
