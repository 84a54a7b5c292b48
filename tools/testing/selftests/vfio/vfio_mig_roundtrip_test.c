// SPDX-License-Identifier: GPL-2.0
/*
 * Migration round trips between the bed's devices A and B (both 64 MiB):
 * a pattern in BAR2 and the two state registers move byte for byte, in
 * both directions, with and without pre-copy, whatever the sizes of the
 * reads and writes on the data fds. Saving leaves the source as it was;
 * MIG_DATA_SIZE and VFIO_MIG_GET_PRECOPY_INFO match what is read.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ivshmem.h"
#include "vfio_mig.h"

FIXTURE(roundtrip) {
	struct vfio_dev src;
	struct vfio_dev dst;
	void *src_mem;
	void *dst_mem;
	size_t src_len;
	size_t dst_len;
	struct mig_buf stream;
};

FIXTURE_VARIANT(roundtrip) {
	const char *src;
	const char *dst;
	bool precopy;
	struct mig_io rd;
	struct mig_io wr;
	uint64_t seed;
	enum vfio_iommu_mode mode;	/* container unless set */
};

/* Whole MiBs both ways, as QEMU does. */
FIXTURE_VARIANT_ADD(roundtrip, a_to_b_stopcopy_1mib) {
	.src = "IVSHMEM_A", .dst = "IVSHMEM_B", .precopy = false,
	.rd = { .big = 1 << 20 }, .wr = { .big = 1 << 20 }, .seed = 1,
};

FIXTURE_VARIANT_ADD(roundtrip, b_to_a_stopcopy_1mib) {
	.src = "IVSHMEM_B", .dst = "IVSHMEM_A", .precopy = false,
	.rd = { .big = 1 << 20 }, .wr = { .big = 1 << 20 }, .seed = 2,
};

FIXTURE_VARIANT_ADD(roundtrip, a_to_b_precopy_page) {
	.src = "IVSHMEM_A", .dst = "IVSHMEM_B", .precopy = true,
	.rd = { .big = 4096 }, .wr = { .big = 4096 }, .seed = 3,
};

FIXTURE_VARIANT_ADD(roundtrip, b_to_a_precopy_1mib) {
	.src = "IVSHMEM_B", .dst = "IVSHMEM_A", .precopy = true,
	.rd = { .big = 1 << 20 }, .wr = { .big = 1 << 20 }, .seed = 4,
};

/*
 * Single bytes over the first 8 KiB (header, device section, a chunk
 * header), then primes: no call ends on a section boundary by design.
 */
FIXTURE_VARIANT_ADD(roundtrip, a_to_b_bytes_then_primes) {
	.src = "IVSHMEM_A", .dst = "IVSHMEM_B", .precopy = false,
	.rd = { .small = 1, .small_until = 8192, .big = 65521 },
	.wr = { .small = 1, .small_until = 8192, .big = 4099 }, .seed = 5,
};

FIXTURE_VARIANT_ADD(roundtrip, b_to_a_precopy_primes) {
	.src = "IVSHMEM_B", .dst = "IVSHMEM_A", .precopy = true,
	.rd = { .small = 7, .small_until = 65536, .big = 131071 },
	.wr = { .small = 1, .small_until = 4096, .big = 999983 }, .seed = 6,
};

/* The same through iommufd and the VFIO cdevs (skips without IOMMUFD). */
FIXTURE_VARIANT_ADD(roundtrip, a_to_b_iommufd) {
	.src = "IVSHMEM_A", .dst = "IVSHMEM_B", .precopy = true,
	.rd = { .big = 1 << 20 }, .wr = { .big = 1 << 20 }, .seed = 7,
	.mode = VFIO_MODE_IOMMUFD,
};

FIXTURE_SETUP(roundtrip)
{
	const char *skip;

	skip = ivshmem_open(_metadata, &self->src, variant->src,
			    variant->mode);
	if (skip)
		SKIP(return, "%s", skip);
	skip = ivshmem_open(_metadata, &self->dst, variant->dst,
			    variant->mode);
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, mig_to_running(&self->src));
	ASSERT_EQ(0, mig_to_running(&self->dst));
	ASSERT_EQ(0, mig_map_bar2(&self->src, &self->src_mem,
				  &self->src_len));
	ASSERT_EQ(0, mig_map_bar2(&self->dst, &self->dst_mem,
				  &self->dst_len));
	ASSERT_EQ(self->src_len, self->dst_len);
}

FIXTURE_TEARDOWN(roundtrip)
{
	if (self->src_mem)
		munmap(self->src_mem, self->src_len);
	if (self->dst_mem)
		munmap(self->dst_mem, self->dst_len);
	mig_buf_free(&self->stream);
	if (self->src.initialized)
		mig_to_running(&self->src);
	if (self->dst.initialized)
		mig_to_running(&self->dst);
	vfio_dev_close(&self->src);
	vfio_dev_close(&self->dst);
}

TEST_F_TIMEOUT(roundtrip, migrate, 180)
{
	struct mig_save_info info;
	uint32_t mask = 0, status = 0, state = 0;
	ssize_t bad;
	int ret, stage = -1;

	/* Source: a pattern and both registers; destination: other data. */
	mig_fill_pattern(self->src_mem, self->src_len, variant->seed);
	mig_fill_pattern(self->dst_mem, self->dst_len, variant->seed + 100);
	ASSERT_EQ(0, mig_set_regs(&self->src, MIG_INTRMASK_VAL,
				  MIG_INTRSTATUS_VAL));
	ASSERT_EQ(0, mig_set_regs(&self->dst, 0x00ff0000, 0));

	ret = mig_save(&self->src, &self->stream, variant->precopy,
		       &variant->rd, &info);
	ASSERT_EQ(0, ret) TH_LOG("saving: %s", strerror(-ret));

	/* MIG_DATA_SIZE is exactly what is read. */
	EXPECT_EQ(self->stream.len, info.size_before);
	ASSERT_GE(self->stream.len, 180);
	if (variant->precopy) {
		/*
		 * initial_bytes is the header, dirty_bytes all of BAR2 as
		 * chunks: exactly what reads until ENOMSG.  Nothing wrote
		 * BAR2 meanwhile, so nothing is left dirty, and STOP_COPY
		 * carries the registers and the end record only.
		 */
		EXPECT_EQ(mig_header_len(self->stream.data),
			  info.initial_bytes);
		EXPECT_LT(self->src_len, info.dirty_bytes);
		EXPECT_EQ(info.initial_bytes + info.dirty_bytes,
			  info.precopy_read);
		EXPECT_TRUE(info.enomsg);
		EXPECT_EQ(0, info.initial_after);
		EXPECT_EQ(0, info.dirty_after);
		EXPECT_GT(64 * 1024, info.size_stop_copy);
	}
	EXPECT_EQ(self->stream.len - info.precopy_read, info.size_stop_copy);
	EXPECT_EQ(0, memcmp(self->stream.data, VFIO_DEVSTATE_MAGIC, 8));

	/* Saving changed nothing on the source. */
	ASSERT_EQ(0, mig_set_state(&self->src, VFIO_DEVICE_STATE_RUNNING,
				   NULL));
	ASSERT_EQ(0, mig_get_regs(&self->src, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
	EXPECT_EQ(-1, mig_check_pattern(self->src_mem, self->src_len,
					variant->seed, 4096));

	ret = mig_resume(&self->dst, self->stream.data, self->stream.len,
			 &variant->wr, &stage);
	ASSERT_EQ(0, ret) TH_LOG("resuming, stage %d: %s", stage,
				 strerror(-ret));
	ASSERT_EQ(0, mig_get_state(&self->dst, &state));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state);

	/* Byte-identical: all of BAR2 through the (re-faulted) mmap. */
	bad = mig_check_pattern(self->dst_mem, self->dst_len, variant->seed,
				8);
	EXPECT_EQ(-1, bad) TH_LOG("BAR2 differs at 0x%zx", (size_t)bad);
	ASSERT_EQ(0, mig_get_regs(&self->dst, &mask, &status));
	EXPECT_EQ(MIG_INTRMASK_VAL, mask);
	EXPECT_EQ(MIG_INTRSTATUS_VAL, status);
	/* INTRSTATUS was read once: it is clear now, as on real hardware. */
	ASSERT_EQ(0, mig_get_regs(&self->dst, &mask, &status));
	EXPECT_EQ(0, status);
}

/* The device offers migration v2 with P2P and PRE_COPY; the size is sane. */
TEST_F_TIMEOUT(roundtrip, flags_and_size, 60)
{
	uint64_t flags = 0, size = 0;

	ASSERT_EQ(0, mig_flags(&self->src, &flags));
	EXPECT_EQ(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		  VFIO_MIGRATION_PRE_COPY, flags);
	ASSERT_EQ(0, mig_data_size(&self->src, &size));
	/* 64 MiB of memory plus the framing of 512 chunks and the rest. */
	EXPECT_GT(size, self->src_len);
	EXPECT_LT(size, self->src_len + 64 * 1024);
}

TEST_HARNESS_MAIN
