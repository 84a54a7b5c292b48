// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: CRC32C (Castagnoli, reflected polynomial 0x82f63b78,
 * initial value and final xor 0xffffffff) for every CRC field of a stream.
 *
 * The crc32c() library does the work.  vfio_devstate_crc_update()
 * carries the raw register (no final xor) so that a CRC can be computed over
 * pieces: seed with VFIO_DEVSTATE_CRC_SEED, xor the result with 0xffffffff.
 */
#include <kunit/visibility.h>
#include <linux/crc32c.h>
#include <linux/limits.h>

#include "internal.h"

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
EXPORT_SYMBOL_IF_KUNIT(vfio_devstate_crc32c);
