// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO migration uAPI as the selftests drive it, plus whole-stream
 * save and resume, the ivshmem state they compare, and stream crafting.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>

#include "vfio_mig.h"

/* PCI region indexes of ivshmem-plain (see ivshmem.h). */
#define MIG_REG_BAR		VFIO_PCI_BAR0_REGION_INDEX
#define MIG_SHM_BAR		VFIO_PCI_BAR2_REGION_INDEX
#define MIG_INTRMASK		0x0
#define MIG_INTRSTATUS		0x4

const char *mig_state_name(uint32_t state)
{
	static const char * const names[MIG_NR_STATES] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	return state < MIG_NR_STATES ? names[state] : "?";
}

/* A VFIO_DEVICE_FEATURE argument with room for the largest payload. */
struct mig_feature {
	struct vfio_device_feature hdr;
	union {
		struct vfio_device_feature_migration mig;
		struct vfio_device_feature_mig_state state;
		struct vfio_device_feature_mig_data_size size;
	};
};

static int mig_feature(struct vfio_dev *dev, uint32_t flags,
		       struct mig_feature *f, size_t payload)
{
	f->hdr.argsz = sizeof(f->hdr) + payload;
	f->hdr.flags = flags;
	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, f))
		return -errno;
	return 0;
}

int mig_flags(struct vfio_dev *dev, uint64_t *flags)
{
	struct mig_feature f = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIGRATION, &f, sizeof(f.mig));
	if (!ret)
		*flags = f.mig.flags;
	return ret;
}

int mig_get_state(struct vfio_dev *dev, uint32_t *state)
{
	struct mig_feature f = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f,
			  sizeof(f.state));
	if (!ret)
		*state = f.state.device_state;
	return ret;
}

int mig_set_state(struct vfio_dev *dev, uint32_t state, int *data_fd)
{
	struct mig_feature f = {};
	int ret;

	f.state.device_state = state;
	f.state.data_fd = -1;
	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f,
			  sizeof(f.state));
	if (data_fd)
		*data_fd = ret ? -1 : f.state.data_fd;
	else if (!ret && f.state.data_fd >= 0)
		close(f.state.data_fd);
	return ret;
}

int mig_data_size(struct vfio_dev *dev, uint64_t *size)
{
	struct mig_feature f = {};
	int ret;

	ret = mig_feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &f,
			  sizeof(f.size));
	if (!ret)
		*size = f.size.stop_copy_length;
	return ret;
}

int mig_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };

	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		return -errno;
	if (initial)
		*initial = info.initial_bytes;
	if (dirty)
		*dirty = info.dirty_bytes;
	return 0;
}

int mig_to_running(struct vfio_dev *dev)
{
	uint32_t state = VFIO_DEVICE_STATE_ERROR;
	int ret;

	if (mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL)) {
		ret = vfio_dev_reset(dev);
		if (ret)
			return ret;
	}
	ret = mig_get_state(dev, &state);
	if (ret)
		return ret;
	return state == VFIO_DEVICE_STATE_RUNNING ? 0 : -EPROTO;
}

int mig_buf_reserve(struct mig_buf *b, size_t cap)
{
	uint8_t *p;

	if (cap <= b->cap)
		return 0;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int mig_buf_put(struct mig_buf *b, const void *data, size_t len)
{
	int ret = 0;

	if (b->len + len > b->cap)
		ret = mig_buf_reserve(b, 2 * b->cap + len + 4096);
	if (ret)
		return ret;
	if (data)
		memcpy(b->data + b->len, data, len);
	else
		memset(b->data + b->len, 0, len);
	b->len += len;
	return 0;
}

void mig_buf_free(struct mig_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static size_t mig_io_step(const struct mig_io *io, size_t pos)
{
	if (pos < io->small_until && io->small)
		return io->small;
	return io->big;
}

ssize_t mig_read_stream(int fd, struct mig_buf *b, const struct mig_io *io,
			bool *enomsg)
{
	size_t start = b->len;
	ssize_t n;
	size_t want;
	int ret;

	if (enomsg)
		*enomsg = false;
	for (;;) {
		want = mig_io_step(io, b->len - start);
		ret = mig_buf_reserve(b, b->len + want);
		if (ret)
			return ret;
		n = read(fd, b->data + b->len, want);
		if (n < 0) {
			if (errno == ENOMSG && enomsg) {
				*enomsg = true;
				break;
			}
			return -errno;
		}
		if (!n)
			break;
		b->len += n;
	}
	return b->len - start;
}

ssize_t mig_read_initial(int fd, struct mig_buf *b)
{
	uint64_t initial = 0;
	size_t start = b->len;
	ssize_t n;
	int ret;

	ret = mig_precopy_info(fd, &initial, NULL);
	if (ret)
		return ret;
	ret = mig_buf_reserve(b, b->len + initial);
	if (ret)
		return ret;
	while (b->len - start < initial) {
		n = read(fd, b->data + b->len, initial - (b->len - start));
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		b->len += n;
	}
	return b->len - start;
}

int mig_write_stream(int fd, const void *data, size_t len,
		     const struct mig_io *io, size_t *done)
{
	const uint8_t *p = data;
	size_t pos = 0, want;
	ssize_t n;

	while (pos < len) {
		want = mig_io_step(io, pos);
		if (want > len - pos)
			want = len - pos;
		n = write(fd, p + pos, want);
		if (n < 0) {
			if (done)
				*done = pos;
			return -errno;
		}
		if (!n)
			break;
		pos += n;
	}
	if (done)
		*done = pos;
	return pos == len ? 0 : -EIO;
}

int mig_save(struct vfio_dev *dev, struct mig_buf *b, bool precopy,
	     const struct mig_io *io, struct mig_save_info *info)
{
	int fd = -1, fd2 = -1, ret;
	ssize_t n;

	memset(info, 0, sizeof(*info));
	ret = mig_data_size(dev, &info->size_before);
	if (ret)
		return ret;
	if (precopy) {
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		if (ret)
			return ret;
		if (fd < 0)
			return -EBADF;
		ret = mig_precopy_info(fd, &info->initial_bytes,
				       &info->dirty_bytes);
		if (ret)
			goto out;
		n = mig_read_stream(fd, b, io, &info->enomsg);
		if (n < 0) {
			ret = n;
			goto out;
		}
		info->precopy_read = n;
		ret = mig_precopy_info(fd, &info->initial_after,
				       &info->dirty_after);
		if (ret)
			goto out;
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_PRE_COPY_P2P, &fd2);
		if (ret)
			goto out;
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd2);
		if (ret)
			goto out;
		if (fd2 >= 0) {
			ret = -EEXIST;	/* no new fd from PRE_COPY_P2P */
			goto out;
		}
	} else {
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
		if (ret)
			return ret;
		if (fd < 0)
			return -EBADF;
	}
	ret = mig_data_size(dev, &info->size_stop_copy);
	if (ret)
		goto out;
	n = mig_read_stream(fd, b, io, NULL);
	if (n < 0) {
		ret = n;
		goto out;
	}
	ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
out:
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
	return ret;
}

int mig_resume(struct vfio_dev *dev, const void *data, size_t len,
	       const struct mig_io *io, int *stage)
{
	int fd = -1, ret, where = 0;

	ret = mig_set_state(dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (!ret && fd < 0)
		ret = -EBADF;
	if (ret)
		goto out;
	where = 1;
	ret = mig_write_stream(fd, data, len, io, NULL);
	if (ret)
		goto out;
	where = 2;
	ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		goto out;
	where = 3;
	ret = mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL);
out:
	if (fd >= 0)
		close(fd);
	if (stage)
		*stage = where;
	return ret;
}

/* A cheap 64-bit mix, so that every word of BAR2 is distinct. */
static uint64_t mig_word(uint64_t seed, uint64_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return x;
}

void mig_fill_pattern(void *mem, size_t len, uint64_t seed)
{
	uint64_t *w = mem;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = mig_word(seed, i);
}

ssize_t mig_check_pattern(const void *mem, size_t len, uint64_t seed,
			  size_t step)
{
	const uint64_t *w = mem;
	size_t i;

	if (!step)
		step = 8;
	for (i = 0; i < len / 8; i += step / 8)
		if (w[i] != mig_word(seed, i))
			return i * 8;
	return -1;
}

int mig_map_bar2(struct vfio_dev *dev, void **mem, size_t *len)
{
	return vfio_region_mmap(dev, MIG_SHM_BAR, mem, len);
}

int mig_set_regs(struct vfio_dev *dev, uint32_t mask, uint32_t status)
{
	int ret;

	ret = vfio_region_write32(dev, MIG_REG_BAR, MIG_INTRMASK, mask);
	if (ret)
		return ret;
	return vfio_region_write32(dev, MIG_REG_BAR, MIG_INTRSTATUS, status);
}

int mig_get_regs(struct vfio_dev *dev, uint32_t *mask, uint32_t *status)
{
	int ret;

	ret = vfio_region_read32(dev, MIG_REG_BAR, MIG_INTRMASK, mask);
	if (ret)
		return ret;
	return vfio_region_read32(dev, MIG_REG_BAR, MIG_INTRSTATUS, status);
}

void mig_fix_header_crc(uint8_t *stream)
{
	uint32_t len = mig_header_len(stream);

	mig_put32(stream + len - MIG_CRC_LEN,
		  mig_crc32c(stream, len - MIG_CRC_LEN));
}

void mig_fix_section_crcs(uint8_t *sec)
{
	uint64_t len = mig_get64(sec + MIG_SEC(length));

	mig_put32(sec + MIG_SEC(hdr_crc), mig_crc32c(sec, MIG_SEC_HDR_CRC_LEN));
	mig_put32(sec + MIG_SEC_LEN + len, mig_crc32c(sec, MIG_SEC_LEN + len));
}

void mig_sec_hdr(uint8_t *h, uint32_t type, uint32_t flags, uint64_t length,
		 uint64_t offset, uint32_t index)
{
	memset(h, 0, MIG_SEC_LEN);
	mig_put32(h + MIG_SEC(type), type);
	mig_put32(h + MIG_SEC(flags), flags);
	mig_put64(h + MIG_SEC(length), length);
	mig_put64(h + MIG_SEC(offset), offset);
	mig_put32(h + MIG_SEC(index), index);
	mig_put32(h + MIG_SEC(hdr_crc), mig_crc32c(h, MIG_SEC_HDR_CRC_LEN));
}

int mig_put_section(struct mig_buf *b, uint32_t type, uint32_t flags,
		    uint64_t length, uint64_t offset, uint32_t index,
		    const void *payload, size_t len)
{
	uint8_t hdr[MIG_SEC_LEN];
	uint8_t crc[MIG_CRC_LEN];
	int ret;

	mig_sec_hdr(hdr, type, flags, length, offset, index);
	ret = mig_buf_put(b, hdr, sizeof(hdr));
	if (!ret)
		ret = mig_buf_put(b, payload, len);
	if (ret)
		return ret;
	mig_put32(crc, mig_crc32c(b->data + b->len - len - MIG_SEC_LEN,
				  MIG_SEC_LEN + len));
	return mig_buf_put(b, crc, sizeof(crc));
}

int mig_put_end(struct mig_buf *b, uint32_t nr_sections)
{
	uint8_t end[MIG_END_LEN] = {};

	mig_put32(end + MIG_END(nr_sections), nr_sections);
	mig_put64(end + MIG_END(stream_len), b->len);
	return mig_put_section(b, VFIO_DEVSTATE_SEC_END, 0, sizeof(end), 0, 0,
			       end, sizeof(end));
}

int mig_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

ssize_t mig_sysfs_read(const char *bdf, const char *attr, char *buf,
		       size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/vfio_devstate/%s", bdf, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int mig_sysfs_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/vfio_devstate/%s", bdf, attr);
	return sysfs_write(path, val);
}

bool mig_klog_contains(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	bool found = false;
	char *buf;
	int n;

	if (size <= 0)
		return false;
	buf = malloc(size + 1);
	if (!buf)
		return false;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n > 0) {
		buf[n] = '\0';
		found = strstr(buf, needle);
	}
	free(buf);
	return found;
}
