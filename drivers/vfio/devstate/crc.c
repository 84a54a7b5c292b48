// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: CRC32C (Castagnoli, reflected polynomial 0x82f63b78,
 * initial value and final xor 0xffffffff) for every CRC field of a stream.
 *
 * In the kernel the crc32c() library does the work; in user space a small
 * table-driven implementation stands in for it.  vfio_devstate_crc_update()
 * carries the raw register (no final xor) so that a CRC can be computed over
 * pieces: seed with VFIO_DEVSTATE_CRC_SEED, xor the result with 0xffffffff.
 */
#include "internal.h"

#ifdef __KERNEL__
#include <linux/crc32c.h>
#include <linux/limits.h>

/**
 * vfio_devstate_crc_update() - extend a running CRC32C register
 * @crc: register value (VFIO_DEVSTATE_CRC_SEED to start)
 * @buf: bytes to add
 * @len: number of bytes
 *
 * Return: the new register value; the CRC32C is its complement.
 */
u32 vfio_devstate_crc_update(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	while (len) {
		unsigned int n = min_t(size_t, len, UINT_MAX);

		crc = crc32c(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}
#else
static u32 ds_crc_table[256];
static bool ds_crc_ready;

static void ds_crc_init(void)
{
	unsigned int i, k;

	for (i = 0; i < 256; i++) {
		u32 r = i;

		for (k = 0; k < 8; k++)
			r = (r >> 1) ^ (r & 1 ? 0x82f63b78U : 0);
		ds_crc_table[i] = r;
	}
	ds_crc_ready = true;
}

u32 vfio_devstate_crc_update(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!ds_crc_ready)
		ds_crc_init();
	while (len--)
		crc = ds_crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
#endif
EXPORT_SYMBOL_GPL(vfio_devstate_crc_update);

/**
 * vfio_devstate_crc32c() - CRC32C of a buffer
 * @buf: bytes
 * @len: number of bytes
 *
 * Return: the CRC32C as stored in a stream CRC field.
 */
u32 vfio_devstate_crc32c(const void *buf, size_t len)
{
	return ~vfio_devstate_crc_update(VFIO_DEVSTATE_CRC_SEED, buf, len);
}
EXPORT_SYMBOL_GPL(vfio_devstate_crc32c);
