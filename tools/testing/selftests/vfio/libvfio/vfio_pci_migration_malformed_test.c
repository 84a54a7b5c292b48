// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streams a device must refuse when resuming: cut short, with bytes after
 * the end, or not a stream at all, for any device that offers VFIO
 * migration v2. Where the device speaks the vfio-devstate format
 * (include/uapi/linux/vfio_devstate.h), also streams that format defines
 * as bad (a damaged magic or CRC, another format major, another device),
 * each with the errno the format gives it. A refused stream fails a
 * write() or RESUMING -> STOP, never loads, and a reset brings the device
 * back to RUNNING, where a good stream still loads.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/sizes.h>
#include <linux/vfio.h>
#include <linux/vfio_devstate.h>

#include <libvfio.h>

#include "kselftest_harness.h"

static const char *device_bdf;

#define SEED	0x3a1f

/* One case: the device, its own stream, and the copy the case damages. */
struct mig_case {
	struct vfio_pci_device *device;
	const struct vfio_pci_mig_driver_ops *ops;
	struct vfio_mig_stream good;
	struct vfio_mig_stream bad;
	bool devstate;		/* the stream is vfio-devstate */
};

FIXTURE(malformed) {
	struct iommu *iommu;
	struct mig_case c;
};

FIXTURE_VARIANT(malformed) {
	const char *iommu_mode;
};

/* The stream does not travel through the IOMMU: see the round trips. */
FIXTURE_VARIANT_ADD(malformed, vfio_type1v2_iommu) {
	.iommu_mode = MODE_VFIO_TYPE1V2_IOMMU,
};

FIXTURE_VARIANT_ADD(malformed, iommufd) {
	.iommu_mode = MODE_IOMMUFD,
};

FIXTURE_SETUP(malformed)
{
	self->iommu = iommu_init(variant->iommu_mode);
	self->c.device = vfio_pci_device_init(device_bdf, self->iommu);
	if (!(vfio_pci_mig_flags(self->c.device) & VFIO_MIGRATION_STOP_COPY))
		SKIP(return, "%s does not offer migration", device_bdf);
	vfio_pci_mig_to_running(self->c.device);
	self->c.ops = vfio_pci_mig_driver_probe(self->c.device);
}

FIXTURE_TEARDOWN(malformed)
{
	vfio_mig_stream_free(&self->c.good);
	vfio_mig_stream_free(&self->c.bad);
	vfio_pci_mig_to_running(self->c.device);
	vfio_pci_device_cleanup(self->c.device);
	iommu_cleanup(self->iommu);
}

/*
 * Resume c->bad's first @len bytes: it must be refused, with @err (an
 * errno, or 0 for any) from the write() or the load; then the device
 * comes back by reset and still saves.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   struct mig_case *c, size_t len, int err)
{
	enum vfio_mig_resume_stage stage = VFIO_MIG_RESUME_ENTER;
	u32 state = VFIO_DEVICE_STATE_ERROR;
	int ret, fd;

	ret = __vfio_pci_mig_resume(c->device, c->bad.data, len, SZ_1M,
				    &stage);
	ASSERT_NE(0, ret) TH_LOG("a bad stream of %zu bytes loaded", len);
	EXPECT_TRUE(stage == VFIO_MIG_RESUME_WRITE ||
		    stage == VFIO_MIG_RESUME_LOAD)
		TH_LOG("refused at stage %d: %s", stage, strerror(-ret));
	if (err)
		EXPECT_EQ(-err, ret) TH_LOG("refused with %s, not %s",
					    strerror(-ret), strerror(err));
	ASSERT_EQ(0, __vfio_pci_mig_get_state(c->device, &state));
	EXPECT_TRUE(state == VFIO_DEVICE_STATE_RESUMING ||
		    state == VFIO_DEVICE_STATE_ERROR)
		TH_LOG("in %s after a refused load", vfio_mig_state_name(state));

	vfio_pci_mig_to_running(c->device);
	fd = vfio_pci_mig_set_state(c->device, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LE(0, fd);
	close(fd);
	vfio_pci_mig_set_state(c->device, VFIO_DEVICE_STATE_RUNNING);
}

/*
 * The device's own stream into c->good and a copy in c->bad, which
 * the case damages: all of it, or (@prefix) the first 64 KiB, which hold
 * any header, for the cases that damage the header.
 */
static void save(struct __test_metadata *_metadata,
		 struct mig_case *c, bool prefix)
{
	size_t len = 0;
	ssize_t n;
	u8 *buf;
	int fd;

	if (c->ops)
		c->ops->fill(c->device, SEED);
	if (prefix) {
		buf = malloc_assert(SZ_64K);
		fd = vfio_pci_mig_set_state(c->device,
					    VFIO_DEVICE_STATE_STOP_COPY);
		do {
			n = read(fd, buf + len, SZ_64K - len);
			ASSERT_LE(0, n) TH_LOG("read: %s", strerror(errno));
			len += n;
		} while (n && len < SZ_64K);
		close(fd);
		vfio_mig_stream_put(&c->good, buf, len);
		free(buf);
	} else {
		vfio_pci_mig_save(c->device, &c->good, false, SZ_1M);
	}
	vfio_pci_mig_to_running(c->device);
	c->devstate = vfio_devstate_is_stream(c->good.data, c->good.len);
	vfio_mig_stream_put(&c->bad, c->good.data, c->good.len);
}

/* The errno of the vfio-devstate format, or 0 for another format. */
static int devstate_errno(struct mig_case *c, int err)
{
	return c->devstate ? err : 0;
}

static struct vfio_devstate_header *bad_header(struct mig_case *c)
{
	return (void *)c->bad.data;
}

/*
 * Cut short, in the middle and by its last byte, it is refused; then the
 * whole stream loads, and the state arrives.
 */
TEST_F_TIMEOUT(malformed, truncated_then_good, 180)
{
	struct mig_case *c = &self->c;
	int err = devstate_errno(c, VFIO_DEVSTATE_ERRNO_INCOMPLETE);

	save(_metadata, c, false);
	expect_refused(_metadata, c, c->good.len / 2, err);
	expect_refused(_metadata, c, c->good.len - 1, err);

	if (c->ops)
		c->ops->fill(c->device, ~SEED);
	vfio_pci_mig_resume(c->device, c->good.data, c->good.len, SZ_1M);
	if (c->ops)
		EXPECT_EQ(0, c->ops->verify(c->device, SEED));
}

TEST_F_TIMEOUT(malformed, trailing_bytes, 120)
{
	struct mig_case *c = &self->c;
	static const char junk[64] = "bytes after the end of the stream";

	save(_metadata, c, false);
	vfio_mig_stream_put(&c->bad, junk, sizeof(junk));
	expect_refused(_metadata, c, c->bad.len,
		       devstate_errno(c, VFIO_DEVSTATE_ERRNO_TRAILING));
}

/* Not a stream: bytes that no format starts with. */
TEST_F(malformed, not_a_stream)
{
	struct mig_case *c = &self->c;
	size_t i;

	save(_metadata, c, true);
	for (i = 0; i < c->bad.len; i++)
		c->bad.data[i] = i * 7 + 3;
	expect_refused(_metadata, c, c->bad.len,
		       devstate_errno(c, VFIO_DEVSTATE_ERRNO_MALFORMED));
}

TEST_F(malformed, devstate_magic)
{
	struct mig_case *c = &self->c;

	save(_metadata, c, true);
	if (!c->devstate)
		SKIP(return, "%s: not a vfio-devstate stream", device_bdf);
	bad_header(c)->magic[0] ^= 0x20;
	expect_refused(_metadata, c, c->bad.len,
		       VFIO_DEVSTATE_ERRNO_MALFORMED);
}

/* A header field changed, its CRC left as it was. */
TEST_F(malformed, devstate_header_crc)
{
	struct mig_case *c = &self->c;

	save(_metadata, c, true);
	if (!c->devstate)
		SKIP(return, "%s: not a vfio-devstate stream", device_bdf);
	bad_header(c)->model_version ^= htole32(1);
	expect_refused(_metadata, c, c->bad.len,
		       VFIO_DEVSTATE_ERRNO_CRC);
}

TEST_F(malformed, devstate_major)
{
	struct mig_case *c = &self->c;

	save(_metadata, c, true);
	if (!c->devstate)
		SKIP(return, "%s: not a vfio-devstate stream", device_bdf);
	bad_header(c)->major = htole16(VFIO_DEVSTATE_MAJOR + 1);
	vfio_devstate_fix_header_crc(c->bad.data);
	expect_refused(_metadata, c, c->bad.len,
		       VFIO_DEVSTATE_ERRNO_VERSION);
}

/* The state of another device: the PCI vendor differs. */
TEST_F(malformed, devstate_identity)
{
	struct mig_case *c = &self->c;

	save(_metadata, c, true);
	if (!c->devstate)
		SKIP(return, "%s: not a vfio-devstate stream", device_bdf);
	bad_header(c)->vendor ^= htole16(1);
	vfio_devstate_fix_header_crc(c->bad.data);
	expect_refused(_metadata, c, c->bad.len,
		       VFIO_DEVSTATE_ERRNO_IDENTITY);
}

/* One byte in the middle of the stream: a section or its payload. */
TEST_F_TIMEOUT(malformed, devstate_payload_crc, 180)
{
	struct mig_case *c = &self->c;

	save(_metadata, c, false);
	if (!c->devstate)
		SKIP(return, "%s: not a vfio-devstate stream", device_bdf);
	ASSERT_LT(vfio_devstate_header_len(c->bad.data),
		  c->bad.len / 2);
	c->bad.data[c->bad.len / 2] ^= 0x01;
	expect_refused(_metadata, c, c->bad.len,
		       VFIO_DEVSTATE_ERRNO_CRC);
}

int main(int argc, char *argv[])
{
	device_bdf = vfio_selftests_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
