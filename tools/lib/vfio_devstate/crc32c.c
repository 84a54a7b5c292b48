// SPDX-License-Identifier: GPL-2.0
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78) with the kernel's
 * crc32c() calling convention: the register goes in and comes out raw,
 * with no inversion.
 *
 * Slicing by 8: table[0] is the byte-wise table, table[k][b] the CRC of
 * byte b followed by k zero bytes, so eight bytes fold into the register
 * with eight independent lookups.  The selftests check whole streams of
 * tens of MiB inside an emulated VM, where byte-wise is four times slower.
 * The tables are built on first use.
 */
#include <linux/crc32c.h>

#define CRC32C_POLY	0x82f63b78U

static u32 crc32c_table[8][256];
static bool crc32c_ready;

static void crc32c_init(void)
{
	unsigned int i, k;
	u32 r;

	for (i = 0; i < 256; i++) {
		r = i;
		for (k = 0; k < 8; k++)
			r = (r >> 1) ^ (r & 1 ? CRC32C_POLY : 0);
		crc32c_table[0][i] = r;
	}
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++) {
			r = crc32c_table[k - 1][i];
			crc32c_table[k][i] = (r >> 8) ^ crc32c_table[0][r & 0xff];
		}
	crc32c_ready = true;
}

/* Four bytes as a little-endian word, whatever the host's byte order. */
static inline u32 crc32c_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

u32 crc32c(u32 crc, const void *buf, size_t len)
{
	u32 (*t)[256] = crc32c_table;
	const u8 *p = buf;
	u32 lo, hi;

	if (!crc32c_ready)
		crc32c_init();
	for (; len >= 8; len -= 8, p += 8) {
		lo = crc ^ crc32c_le32(p);
		hi = crc32c_le32(p + 4);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
