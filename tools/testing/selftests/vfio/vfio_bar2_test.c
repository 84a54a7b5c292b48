// SPDX-License-Identifier: GPL-2.0
/*
 * The ivshmem shared memory in BAR2: region reads and writes, mmap, and
 * the two views of the same memory agreeing.
 */
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>

#include "ivshmem_fixture.h"

#define CHUNK 8192

/* Patterns differ per run and per offset: stale memory cannot pass. */
static void fill(uint8_t *buf, size_t len, uint64_t off)
{
	static uint32_t seed;
	uint32_t x;
	size_t i;

	if (!seed)
		seed = ((uint32_t)time(NULL) ^ (uint32_t)getpid() << 16) | 1;
	x = seed ^ (uint32_t)(off * 2654435761u);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x;
	}
}

/*
 * Offsets tried in a region of @size, CHUNK bytes apart at least: start,
 * unaligned, middle, end.
 */
static void offsets(uint64_t size, uint64_t off[4])
{
	off[0] = 0;
	off[1] = 2 * CHUNK + 3;
	off[2] = size / 2 + 60;
	off[3] = size - CHUNK;
}

static uint64_t shm_size(struct __test_metadata *_metadata,
			 struct vfio_dev *dev)
{
	struct vfio_region_info ri;

	ASSERT_EQ(0, vfio_region_info(dev, IVSHMEM_SHM_BAR, &ri));
	ASSERT_LE(16 * CHUNK, ri.size);
	return ri.size;
}

TEST_F(ivshmem, region_write_read)
{
	uint8_t in[CHUNK], out[CHUNK];
	uint64_t off[4];
	int i;

	offsets(shm_size(_metadata, &self->dev), off);
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i]);
		ASSERT_EQ(CHUNK, vfio_region_write(&self->dev, IVSHMEM_SHM_BAR,
						   off[i], in, CHUNK));
	}
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i]);
		memset(out, 0, CHUNK);
		ASSERT_EQ(CHUNK, vfio_region_read(&self->dev, IVSHMEM_SHM_BAR,
						  off[i], out, CHUNK));
		ASSERT_EQ(0, memcmp(in, out, CHUNK))
			TH_LOG("offset %#llx", (unsigned long long)off[i]);
	}
}

TEST_F(ivshmem, region_read_clipped_at_end)
{
	uint64_t size = shm_size(_metadata, &self->dev);
	uint8_t buf[64];

	ASSERT_EQ(32, vfio_region_read(&self->dev, IVSHMEM_SHM_BAR,
				       size - 32, buf, sizeof(buf)));
	ASSERT_GE(0, vfio_region_read(&self->dev, IVSHMEM_SHM_BAR,
				      size, buf, sizeof(buf)));
}

TEST_F(ivshmem, mmap_write_read)
{
	uint8_t in[CHUNK];
	uint64_t off[4];
	size_t len;
	void *map;
	int i;

	ASSERT_EQ(0, vfio_region_mmap(&self->dev, IVSHMEM_SHM_BAR, &map, &len));
	ASSERT_EQ(shm_size(_metadata, &self->dev), len);
	offsets(len, off);
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i]);
		memcpy((uint8_t *)map + off[i], in, CHUNK);
	}
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i]);
		ASSERT_EQ(0, memcmp(in, (uint8_t *)map + off[i], CHUNK))
			TH_LOG("offset %#llx", (unsigned long long)off[i]);
	}
	ASSERT_EQ(0, munmap(map, len));
}

TEST_F(ivshmem, region_write_mmap_read)
{
	uint8_t in[CHUNK];
	uint64_t off[4];
	size_t len;
	void *map;
	int i;

	ASSERT_EQ(0, vfio_region_mmap(&self->dev, IVSHMEM_SHM_BAR, &map, &len));
	offsets(len, off);
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i] + 1);
		ASSERT_EQ(CHUNK, vfio_region_write(&self->dev, IVSHMEM_SHM_BAR,
						   off[i], in, CHUNK));
		ASSERT_EQ(0, memcmp(in, (uint8_t *)map + off[i], CHUNK))
			TH_LOG("offset %#llx", (unsigned long long)off[i]);
	}
	ASSERT_EQ(0, munmap(map, len));
}

TEST_F(ivshmem, mmap_write_region_read)
{
	uint8_t in[CHUNK], out[CHUNK];
	uint64_t off[4];
	size_t len;
	void *map;
	int i;

	ASSERT_EQ(0, vfio_region_mmap(&self->dev, IVSHMEM_SHM_BAR, &map, &len));
	offsets(len, off);
	for (i = 0; i < 4; i++) {
		fill(in, CHUNK, off[i] + 2);
		memcpy((uint8_t *)map + off[i], in, CHUNK);
		memset(out, 0, CHUNK);
		ASSERT_EQ(CHUNK, vfio_region_read(&self->dev, IVSHMEM_SHM_BAR,
						  off[i], out, CHUNK));
		ASSERT_EQ(0, memcmp(in, out, CHUNK))
			TH_LOG("offset %#llx", (unsigned long long)off[i]);
	}
	ASSERT_EQ(0, munmap(map, len));
}

TEST_HARNESS_MAIN
