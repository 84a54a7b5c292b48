// SPDX-License-Identifier: GPL-2.0-only
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/vfio_devstate.h>

#include <libvfio.h>

extern struct vfio_pci_mig_driver_ops ivshmem_mig_ops;

static struct vfio_pci_mig_driver_ops *mig_driver_ops[] = {
	&ivshmem_mig_ops,
};

static const char * const state_names[VFIO_MIG_NR_STATES] = {
	[VFIO_DEVICE_STATE_ERROR] = "ERROR",
	[VFIO_DEVICE_STATE_STOP] = "STOP",
	[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
	[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
	[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
	[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
	[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
	[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
};

const char *vfio_mig_state_name(u32 state)
{
	return state < VFIO_MIG_NR_STATES ? state_names[state] : "(undefined)";
}

/* VFIO_DEVICE_FEATURE with @size bytes of payload at @data. */
static int device_feature(struct vfio_pci_device *device, u32 flags,
			  void *data, size_t size)
{
	u8 buf[sizeof(struct vfio_device_feature) + 16] __aligned(8) = {};
	struct vfio_device_feature *feature = (void *)buf;

	VFIO_ASSERT_LE(size, sizeof(buf) - sizeof(*feature));
	feature->argsz = sizeof(*feature) + size;
	feature->flags = flags;
	memcpy(feature->data, data, size);
	if (ioctl(device->fd, VFIO_DEVICE_FEATURE, feature))
		return -errno;
	memcpy(data, feature->data, size);
	return 0;
}

u64 vfio_pci_mig_flags(struct vfio_pci_device *device)
{
	struct vfio_device_feature_migration mig = {};

	if (device_feature(device, VFIO_DEVICE_FEATURE_GET |
			   VFIO_DEVICE_FEATURE_MIGRATION, &mig, sizeof(mig)))
		return 0;
	return mig.flags;
}

bool vfio_pci_mig_state_supported(struct vfio_pci_device *device, u32 state)
{
	u64 flags = vfio_pci_mig_flags(device);
	bool p2p = flags & VFIO_MIGRATION_P2P;
	bool pre_copy = flags & VFIO_MIGRATION_PRE_COPY;

	if (!(flags & VFIO_MIGRATION_STOP_COPY))
		return false;

	switch (state) {
	case VFIO_DEVICE_STATE_STOP:
	case VFIO_DEVICE_STATE_RUNNING:
	case VFIO_DEVICE_STATE_STOP_COPY:
	case VFIO_DEVICE_STATE_RESUMING:
		return true;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		return p2p;
	case VFIO_DEVICE_STATE_PRE_COPY:
		return pre_copy;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		return p2p && pre_copy;
	default:
		return false;
	}
}

int __vfio_pci_mig_get_state(struct vfio_pci_device *device, u32 *state)
{
	struct vfio_device_feature_mig_state mig = {};
	int ret;

	ret = device_feature(device, VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			     &mig, sizeof(mig));
	if (!ret)
		*state = mig.device_state;
	return ret;
}

u32 vfio_pci_mig_get_state(struct vfio_pci_device *device)
{
	u32 state = VFIO_DEVICE_STATE_ERROR;

	VFIO_ASSERT_EQ(__vfio_pci_mig_get_state(device, &state), 0);
	return state;
}

int __vfio_pci_mig_set_state(struct vfio_pci_device *device, u32 state,
			     int *data_fd)
{
	struct vfio_device_feature_mig_state mig = {
		.device_state = state,
		.data_fd = -1,
	};
	int ret;

	ret = device_feature(device, VFIO_DEVICE_FEATURE_SET |
			     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			     &mig, sizeof(mig));
	if (data_fd)
		*data_fd = ret ? -1 : mig.data_fd;
	else if (!ret && mig.data_fd >= 0)
		close(mig.data_fd);
	return ret;
}

int vfio_pci_mig_set_state(struct vfio_pci_device *device, u32 state)
{
	int ret, fd;

	ret = __vfio_pci_mig_set_state(device, state, &fd);
	VFIO_ASSERT_EQ(ret, 0, "%s: -> %s: %s\n", device->bdf,
		       vfio_mig_state_name(state), strerror(-ret));
	return fd;
}

int __vfio_pci_mig_data_size(struct vfio_pci_device *device, u64 *size)
{
	struct vfio_device_feature_mig_data_size mig = {};
	int ret;

	ret = device_feature(device, VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
			     &mig, sizeof(mig));
	if (!ret)
		*size = mig.stop_copy_length;
	return ret;
}

int __vfio_mig_precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info) ? -errno : 0;
}

void vfio_pci_mig_to_running(struct vfio_pci_device *device)
{
	u32 state = VFIO_DEVICE_STATE_ERROR;

	if (__vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_RUNNING, NULL))
		vfio_pci_device_reset(device);
	VFIO_ASSERT_EQ(__vfio_pci_mig_get_state(device, &state), 0);
	VFIO_ASSERT_EQ(state, VFIO_DEVICE_STATE_RUNNING,
		       "%s: in %s after reset\n", device->bdf,
		       vfio_mig_state_name(state));
}

static void stream_reserve(struct vfio_mig_stream *s, size_t len)
{
	size_t cap = s->cap ? s->cap : 1 << 16;

	if (s->len + len <= s->cap)
		return;
	while (cap < s->len + len)
		cap *= 2;
	s->data = realloc(s->data, cap);
	VFIO_ASSERT_NOT_NULL(s->data, "realloc(%zu) failed\n", cap);
	s->cap = cap;
}

void vfio_mig_stream_put(struct vfio_mig_stream *s, const void *data,
			 size_t len)
{
	stream_reserve(s, len);
	memcpy(s->data + s->len, data, len);
	s->len += len;
}

void vfio_mig_stream_free(struct vfio_mig_stream *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

ssize_t __vfio_mig_read(int fd, struct vfio_mig_stream *s, size_t chunk,
			bool *enomsg)
{
	size_t total = 0;
	ssize_t n;

	if (enomsg)
		*enomsg = false;
	for (;;) {
		stream_reserve(s, chunk);
		n = read(fd, s->data + s->len, chunk);
		if (n == 0)
			return total;
		if (n < 0) {
			if (errno == ENOMSG && enomsg) {
				*enomsg = true;
				return total;
			}
			return -errno;
		}
		s->len += n;
		total += n;
	}
}

int __vfio_mig_write(int fd, const void *data, size_t len, size_t chunk)
{
	const u8 *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, min(len, chunk));
		if (n < 0)
			return -errno;
		VFIO_ASSERT_GT(n, 0);
		p += n;
		len -= n;
	}
	return 0;
}

void vfio_pci_mig_save(struct vfio_pci_device *device,
		       struct vfio_mig_stream *s, bool precopy, size_t chunk)
{
	bool enomsg = false;
	int fd, fd2;
	ssize_t n;

	if (precopy) {
		fd = vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_PRE_COPY);
		VFIO_ASSERT_GE(fd, 0);
		n = __vfio_mig_read(fd, s, chunk, &enomsg);
		VFIO_ASSERT_GE(n, 0, "PRE_COPY read: %s\n", strerror(-n));
		VFIO_ASSERT_TRUE(enomsg, "PRE_COPY data did not end in ENOMSG\n");
		fd2 = vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_STOP_COPY);
		VFIO_ASSERT_EQ(fd2, -1);
	} else {
		fd = vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_STOP_COPY);
		VFIO_ASSERT_GE(fd, 0);
	}
	n = __vfio_mig_read(fd, s, chunk, NULL);
	VFIO_ASSERT_GE(n, 0, "STOP_COPY read: %s\n", strerror(-n));
	VFIO_ASSERT_EQ(vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_STOP),
		       -1);
	VFIO_ASSERT_EQ(close(fd), 0);
}

int __vfio_pci_mig_resume(struct vfio_pci_device *device, const void *data,
			  size_t len, size_t chunk,
			  enum vfio_mig_resume_stage *stage)
{
	enum vfio_mig_resume_stage at = VFIO_MIG_RESUME_ENTER;
	int ret, fd;

	ret = __vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		goto out;
	at = VFIO_MIG_RESUME_WRITE;
	ret = __vfio_mig_write(fd, data, len, chunk);
	if (!ret) {
		at = VFIO_MIG_RESUME_LOAD;
		ret = __vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_STOP,
					       NULL);
	}
	close(fd);
	if (ret)
		goto out;
	at = VFIO_MIG_RESUME_RUN;
	ret = __vfio_pci_mig_set_state(device, VFIO_DEVICE_STATE_RUNNING, NULL);
out:
	if (stage)
		*stage = at;
	return ret;
}

void vfio_pci_mig_resume(struct vfio_pci_device *device, const void *data,
			 size_t len, size_t chunk)
{
	enum vfio_mig_resume_stage stage;
	int ret;

	ret = __vfio_pci_mig_resume(device, data, len, chunk, &stage);
	VFIO_ASSERT_EQ(ret, 0, "%s: resume failed at stage %d: %s\n",
		       device->bdf, stage, strerror(-ret));
}

const struct vfio_pci_mig_driver_ops *
vfio_pci_mig_driver_probe(struct vfio_pci_device *device)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mig_driver_ops); i++)
		if (!mig_driver_ops[i]->probe(device))
			return mig_driver_ops[i];
	return NULL;
}

bool vfio_pci_mig_roundtrip(struct vfio_pci_device *src,
			    struct vfio_pci_device *dst, bool precopy,
			    size_t rd_chunk, size_t wr_chunk, u64 seed)
{
	const struct vfio_pci_mig_driver_ops *ops;
	struct vfio_mig_stream s = {};

	ops = vfio_pci_mig_driver_probe(src);
	if (ops)
		ops->fill(src, seed);
	vfio_pci_mig_save(src, &s, precopy, rd_chunk);
	VFIO_ASSERT_GT(s.len, 0);
	VFIO_ASSERT_EQ(vfio_pci_mig_get_state(src), VFIO_DEVICE_STATE_STOP);
	vfio_pci_mig_set_state(src, VFIO_DEVICE_STATE_RUNNING);
	if (ops) {
		VFIO_ASSERT_EQ(ops->verify(src, seed), 0,
			       "%s: saving changed the source\n", src->bdf);
		ops->fill(dst, ~seed);
		VFIO_ASSERT_NE(ops->verify(dst, seed), 0,
			       "%s: the check cannot tell states apart\n",
			       dst->bdf);
	}
	vfio_pci_mig_resume(dst, s.data, s.len, wr_chunk);
	VFIO_ASSERT_EQ(vfio_pci_mig_get_state(dst), VFIO_DEVICE_STATE_RUNNING);
	if (ops)
		VFIO_ASSERT_EQ(ops->verify(dst, seed), 0,
			       "%s: the state did not arrive\n", dst->bdf);
	vfio_mig_stream_free(&s);
	return ops;
}

/* The vfio-devstate layout, from the uapi structs. */
static_assert(sizeof(struct vfio_devstate_header) == VFIO_DEVSTATE_HDR_MIN);

bool vfio_devstate_is_stream(const void *data, size_t len)
{
	return len >= VFIO_DEVSTATE_HDR_MIN &&
	       !memcmp(data, VFIO_DEVSTATE_MAGIC, VFIO_DEVSTATE_MAGIC_LEN);
}

u32 vfio_devstate_header_len(const void *data)
{
	const struct vfio_devstate_header *hdr = data;

	return le32toh(hdr->header_len);
}

/* The format's CRC32C: the register starts at ~0 and ends inverted. */
void vfio_devstate_fix_header_crc(void *data)
{
	u32 len = vfio_devstate_header_len(data);
	__le32 crc;

	VFIO_ASSERT_GE(len, VFIO_DEVSTATE_HDR_MIN + VFIO_DEVSTATE_CRC_LEN);
	crc = htole32(~crc32c(~0U, data, len - VFIO_DEVSTATE_CRC_LEN));
	memcpy((u8 *)data + len - VFIO_DEVSTATE_CRC_LEN, &crc, sizeof(crc));
}
