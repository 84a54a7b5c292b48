// SPDX-License-Identifier: GPL-2.0
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78) with the kernel's
 * crc32c() calling convention: the register goes in and comes out raw,
 * with no inversion.  A byte-wise table, built on first use: user space
 * needs it correct, not fast.
 */
#include <linux/crc32c.h>

static u32 crc32c_table[256];
static bool crc32c_ready;

static void crc32c_init(void)
{
	unsigned int i, k;

	for (i = 0; i < 256; i++) {
		u32 r = i;

		for (k = 0; k < 8; k++)
			r = (r >> 1) ^ (r & 1 ? 0x82f63b78U : 0);
		crc32c_table[i] = r;
	}
	crc32c_ready = true;
}

u32 crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!crc32c_ready)
		crc32c_init();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
