// SPDX-License-Identifier: GPL-2.0
/*
 * Migration throughput benchmark for ivshmem-vfio-pci, run in the test VM.
 *
 * For each pair of devices (environment variables holding BDFs, source
 * then destination, equal BAR2 sizes) named on the command line, or by
 * default A->B and D->E where the test bed defined them, it prints:
 *
 *  - raw BAR2 throughput through an mmap from user space (memcpy out of
 *    and into the mapping): what a user-space copy of the device could do;
 *  - STOP_COPY read throughput of the whole stream, and RESUMING write
 *    throughput of the same stream, each as a ratio to the raw figure;
 *  - kernel memory taken while a saving and a resuming data file are open
 *    and mid-stream (MemFree delta, so approximate).
 *
 * Figures only: it asserts nothing about speed.  Each pair gives one TAP
 * line, "not ok" only if the migration itself failed or the data differs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vfio_mig.h"

#define IO_LEN		(1024UL * 1024)	/* read()/write() size, as QEMU uses */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mib_s(size_t bytes, double secs)
{
	return bytes / (1024.0 * 1024.0) / secs;
}

/* MemFree in KiB. */
static long mem_free_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

struct pair_result {
	size_t bar_len;
	size_t stream_len;
	double raw_read, raw_write;	/* MiB/s */
	double save, resume;		/* MiB/s of stream bytes */
	long save_kib, resume_kib;	/* kernel memory while open */
};

static int bench_pair(const char *src_bdf, const char *dst_bdf,
		      struct pair_result *r)
{
	struct vfio_dev src = {}, dst = {};
	void *smap = NULL, *dmap = NULL, *copy = NULL;
	uint8_t *stream = NULL;
	size_t slen, dlen, cap, got = 0, put = 0;
	int fd = -1, ret;
	long before;
	double t;
	ssize_t n;

	ret = vfio_dev_open(&src, src_bdf, VFIO_MODE_CONTAINER);
	if (!ret)
		ret = vfio_dev_open(&dst, dst_bdf, VFIO_MODE_CONTAINER);
	if (!ret)
		ret = mig_map_bar2(&src, &smap, &slen);
	if (!ret)
		ret = mig_map_bar2(&dst, &dmap, &dlen);
	if (ret)
		goto out;
	if (slen != dlen) {
		ret = -EINVAL;
		goto out;
	}
	r->bar_len = slen;
	cap = slen + (slen >> 8) + (1 << 20);
	copy = malloc(slen);
	stream = malloc(cap);
	if (!copy || !stream) {
		ret = -ENOMEM;
		goto out;
	}
	/* Touch the buffers so page faults do not count below. */
	memset(copy, 0, slen);
	memset(stream, 0, cap);

	mig_fill_pattern(smap, slen, 42);
	t = now();
	memcpy(copy, smap, slen);
	r->raw_read = mib_s(slen, now() - t);
	t = now();
	memcpy(dmap, copy, slen);
	r->raw_write = mib_s(slen, now() - t);
	memset(dmap, 0, slen);

	/* Save: RUNNING -> STOP_COPY, read the whole stream. */
	before = mem_free_kib();
	ret = mig_set_state(&src, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		goto out;
	t = now();
	while ((n = read(fd, stream + got, IO_LEN)) > 0) {
		got += n;
		if (got == IO_LEN)
			r->save_kib = before - mem_free_kib();
		if (got + IO_LEN > cap) {
			ret = -EFBIG;
			goto out;
		}
	}
	r->save = mib_s(got, now() - t);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	r->stream_len = got;
	close(fd);
	fd = -1;
	ret = mig_set_state(&src, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = mig_set_state(&src, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		goto out;

	/* Resume: RESUMING, write it all, STOP, RUNNING. */
	before = mem_free_kib();
	ret = mig_set_state(&dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		goto out;
	t = now();
	while (put < got) {
		size_t len = got - put < IO_LEN ? got - put : IO_LEN;

		n = write(fd, stream + put, len);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		put += n;
		if (put == IO_LEN)
			r->resume_kib = before - mem_free_kib();
	}
	r->resume = mib_s(put, now() - t);
	close(fd);
	fd = -1;
	ret = mig_set_state(&dst, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = mig_set_state(&dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		goto out;
	if (mig_check_pattern(dmap, dlen, 42, 8) >= 0)
		ret = -EILSEQ;
out:
	if (fd >= 0)
		close(fd);
	if (smap)
		munmap(smap, slen);
	if (dmap)
		munmap(dmap, dlen);
	free(copy);
	free(stream);
	vfio_dev_close(&dst);
	vfio_dev_close(&src);
	return ret;
}

static const char * const default_pairs[] = {
	"IVSHMEM_A", "IVSHMEM_B", "IVSHMEM_D", "IVSHMEM_E",
};

int main(int argc, char **argv)
{
	int i, n = 0, failed = 0, nr_pairs;
	const char * const *names = (const char * const *)argv + 1;

	nr_pairs = (argc - 1) / 2;
	if (!nr_pairs) {
		names = default_pairs;
		for (i = 0; i < 4; i += 2)
			if (getenv(names[i]) && getenv(names[i + 1]))
				nr_pairs = i / 2 + 1;
	}
	printf("TAP version 13\n1..%d\n", nr_pairs);
	for (i = 0; i < 2 * nr_pairs; i += 2) {
		const char *s = getenv(names[i]), *d = getenv(names[i + 1]);
		struct pair_result r = {};
		int ret = -ENODEV;

		n++;
		if (s && d)
			ret = bench_pair(s, d, &r);
		if (ret) {
			printf("not ok %d - bench %s->%s: %s\n", n, names[i],
			       names[i + 1], strerror(-ret));
			failed++;
			continue;
		}
		printf("# bench %s->%s BAR2 %zu MiB, stream %zu bytes\n",
		       names[i], names[i + 1], r.bar_len >> 20, r.stream_len);
		printf("#   mmap read  %8.1f MiB/s   STOP_COPY read  %8.1f MiB/s   ratio %.2f\n",
		       r.raw_read, r.save, r.save / r.raw_read);
		printf("#   mmap write %8.1f MiB/s   RESUMING write  %8.1f MiB/s   ratio %.2f\n",
		       r.raw_write, r.resume, r.resume / r.raw_write);
		printf("#   kernel memory while open: saving %ld KiB, resuming %ld KiB\n",
		       r.save_kib, r.resume_kib);
		printf("ok %d - bench %s->%s %zu MiB\n", n, names[i], names[i + 1],
		       r.bar_len >> 20);
	}
	return failed ? 1 : 0;
}
