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
 *    throughput of the same stream, each as a ratio to the raw figure,
 *    with read() and write() calls of 1 MiB (as QEMU reads), 64 KiB and
 *    4 KiB;
 *  - the driver's floor: memcpy_fromio() and memcpy_toio() over all of
 *    BAR2 in the kernel, and crc32c() over as many bytes, by pieces of
 *    the same sizes, through the test-only module ivshmem_copy_bench
 *    (tools/testing/bench/kmod), and each driver figure as a ratio to it;
 *    for resuming also the passes a staged resume makes, copy_from_user()
 *    then crc32c() then memcpy_toio() by the same pieces (stage_floor);
 *  - kernel memory taken while a saving and a resuming data file are open
 *    and mid-stream (MemFree delta, so approximate);
 *  - the cost of dirty tracking in PRE_COPY: mmap write throughput over
 *    all of BAR2 with tracking off, on (each page's first write faults)
 *    and on again (pages already dirty and writable), with the faults;
 *  - what a pre-copy pass costs: all of BAR2, against 1 % of its pages
 *    dirty, to show that a pass is proportional to the dirty pages.
 *
 * Figures only: it asserts nothing about speed.  Each pair gives one TAP
 * line, "not ok" only if the migration itself failed or the data differs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

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

#define NR_IO	3
static const size_t io_lens[NR_IO] = { 1 << 20, 64 << 10, 4 << 10 };

struct pair_result {
	size_t bar_len;
	size_t stream_len;
	double raw_read, raw_write;	/* MiB/s */
	double save[NR_IO], resume[NR_IO];	/* MiB/s of stream bytes */
	long save_kib, resume_kib;	/* kernel memory while open */
	/* The floor, MiB/s of BAR2 bytes; 0 without the module. */
	double fromio[NR_IO], toio[NR_IO], crc[NR_IO];
	/* A staged resume's own floor: copy in, CRC, memcpy_toio. */
	double stage[NR_IO];
};

#define FLOOR_FILE	"/sys/kernel/debug/ivshmem_copy_bench/run"

/* MiB/s of @op over all of @bdf's BAR2 by @len bytes, or 0. */
static double floor_run(const char *bdf, const char *op, size_t len)
{
	unsigned long long bytes, ns;
	char line[128];
	int fd, n;

	fd = open(FLOOR_FILE, O_RDWR);
	if (fd < 0)
		return 0;
	n = snprintf(line, sizeof(line), "%s %s %zu\n", bdf, op, len);
	if (write(fd, line, n) != n ||
	    pread(fd, line, sizeof(line) - 1, 0) <= 0) {
		close(fd);
		return 0;
	}
	close(fd);
	line[sizeof(line) - 1] = 0;
	if (sscanf(line, "bytes=%llu ns=%llu", &bytes, &ns) != 2 || !ns)
		return 0;
	return mib_s(bytes, ns / 1e9);
}

/* Read the whole saving stream of @dev by @io bytes; MiB/s or -errno. */
static double save_once(struct vfio_dev *dev, size_t io, uint8_t *stream,
			size_t cap, size_t *len, long *kib)
{
	long before = mem_free_kib();
	size_t got = 0;
	int fd = -1, ret;
	double t, mibs;
	ssize_t n;

	ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	t = now();
	while ((n = read(fd, stream + got, io)) > 0) {
		got += n;
		if (got == IO_LEN && kib)
			*kib = before - mem_free_kib();
		if (got + io > cap) {
			close(fd);
			return -EFBIG;
		}
	}
	mibs = mib_s(got, now() - t);
	close(fd);
	if (n < 0)
		return -errno;
	*len = got;
	ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL);
	return ret ? ret : mibs;
}

/* Write @len bytes of @stream to @dev by @io bytes; MiB/s or -errno. */
static double resume_once(struct vfio_dev *dev, size_t io,
			  const uint8_t *stream, size_t len, long *kib)
{
	long before = mem_free_kib();
	size_t put = 0;
	int fd = -1, ret;
	double t, mibs;
	ssize_t n;

	ret = mig_set_state(dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	t = now();
	while (put < len) {
		n = write(fd, stream + put, len - put < io ? len - put : io);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			close(fd);
			return ret;
		}
		put += n;
		if (put == IO_LEN && kib)
			*kib = before - mem_free_kib();
	}
	mibs = mib_s(put, now() - t);
	close(fd);
	ret = mig_set_state(dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = mig_set_state(dev, VFIO_DEVICE_STATE_RUNNING, NULL);
	return ret ? ret : mibs;
}

static int bench_pair(const char *src_bdf, const char *dst_bdf,
		      struct pair_result *r)
{
	struct vfio_dev src = {}, dst = {};
	void *smap = NULL, *dmap = NULL, *copy = NULL;
	uint8_t *stream = NULL;
	size_t slen, dlen, cap, got = 0;
	int ret, i;
	double t, v;

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

	/* The floor, while both devices are open (memory decoding on). */
	for (i = 0; i < NR_IO; i++) {
		r->fromio[i] = floor_run(src_bdf, "fromio", io_lens[i]);
		r->toio[i] = floor_run(dst_bdf, "toio", io_lens[i]);
		r->crc[i] = floor_run(src_bdf, "crc32c", io_lens[i]);
		r->stage[i] = floor_run(dst_bdf, "stage", io_lens[i]);
	}

	/*
	 * One round untimed first: the first one after the devices are
	 * opened was seen 10 to 40 % slower whatever the call size.
	 */
	v = save_once(&src, IO_LEN, stream, cap, &got, NULL);
	if (v >= 0)
		v = resume_once(&dst, IO_LEN, stream, got, NULL);
	if (v < 0) {
		ret = v;
		goto out;
	}
	for (i = 0; i < NR_IO; i++) {
		/* Save: RUNNING -> STOP_COPY, read the whole stream. */
		v = save_once(&src, io_lens[i], stream, cap, &got,
			      i ? NULL : &r->save_kib);
		if (v < 0) {
			ret = v;
			goto out;
		}
		r->save[i] = v;
		r->stream_len = got;

		/* Resume: RESUMING, write it all, STOP, RUNNING. */
		memset(dmap, 0, dlen);
		v = resume_once(&dst, io_lens[i], stream, got,
				i ? NULL : &r->resume_kib);
		if (v < 0) {
			ret = v;
			goto out;
		}
		r->resume[i] = v;
		if (mig_check_pattern(dmap, dlen, 42, 8) >= 0) {
			ret = -EILSEQ;
			goto out;
		}
	}
out:
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

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* MiB/s of a copy at @copy MiB/s followed by a CRC at @crc MiB/s. */
static double with_crc(double copy, double crc)
{
	return copy > 0 && crc > 0 ? 1 / (1 / copy + 1 / crc) : 0;
}

/* The line for scripts of one call size and direction. */
static void print_size_line(size_t m, size_t io, const char *dir, double raw,
			    double drv, double copy, double crc)
{
	printf("# bench: bar2=%zuM io=%zu dir=%s raw_mibs=%.1f driver_mibs=%.1f ratio=%.2f",
	       m, io, dir, raw, drv, ratio(drv, raw));
	printf(" floor_mibs=%.1f floor_ratio=%.2f crc32c_mibs=%.1f",
	       copy, ratio(drv, copy), crc);
	printf(" floor_crc_mibs=%.1f floor_crc_ratio=%.2f\n",
	       with_crc(copy, crc), ratio(drv, with_crc(copy, crc)));
}

static void print_pair(const char *src, const char *dst,
		       const struct pair_result *r)
{
	size_t m = r->bar_len >> 20;
	int i;

	printf("# bench %s->%s BAR2 %zu MiB, stream %zu bytes\n",
	       src, dst, m, r->stream_len);
	printf("#   mmap read  %8.1f MiB/s   STOP_COPY read  %8.1f MiB/s   ratio %.2f\n",
	       r->raw_read, r->save[0], r->save[0] / r->raw_read);
	printf("#   mmap write %8.1f MiB/s   RESUMING write  %8.1f MiB/s   ratio %.2f\n",
	       r->raw_write, r->resume[0], r->resume[0] / r->raw_write);
	printf("#   kernel memory while open: saving %ld KiB, resuming %ld KiB\n",
	       r->save_kib, r->resume_kib);
	if (!r->fromio[0])
		printf("#   no floor figures: module ivshmem_copy_bench not loaded\n");
	printf("#   floor: memcpy_fromio/memcpy_toio alone, and with crc32c over the same bytes\n");
	printf("#   %-8s %-28s %-28s %s\n", "io", "STOP_COPY read (/floor /+crc)",
	       "RESUMING write (/floor /+crc)",
	       "memcpy_fromio  memcpy_toio  crc32c");
	for (i = 0; i < NR_IO; i++) {
		printf("#   %4zu KiB %7.1f MiB/s (%.2f %.2f)",
		       io_lens[i] >> 10, r->save[i],
		       ratio(r->save[i], r->fromio[i]),
		       ratio(r->save[i], with_crc(r->fromio[i], r->crc[i])));
		printf("   %7.1f MiB/s (%.2f %.2f)", r->resume[i],
		       ratio(r->resume[i], r->toio[i]),
		       ratio(r->resume[i], with_crc(r->toio[i], r->crc[i])));
		printf("   %7.1f      %7.1f   %7.1f MiB/s\n", r->fromio[i],
		       r->toio[i], r->crc[i]);
	}
	/* The lines for scripts: 1 MiB calls against mmap, then by size. */
	printf("# bench: bar2=%zuM dir=save raw_mibs=%.1f driver_mibs=%.1f ratio=%.2f\n",
	       m, r->raw_read, r->save[0], r->save[0] / r->raw_read);
	printf("# bench: bar2=%zuM dir=resume raw_mibs=%.1f driver_mibs=%.1f ratio=%.2f\n",
	       m, r->raw_write, r->resume[0], r->resume[0] / r->raw_write);
	for (i = 0; i < NR_IO; i++) {
		print_size_line(m, io_lens[i], "save", r->raw_read, r->save[i],
				r->fromio[i], r->crc[i]);
		print_size_line(m, io_lens[i], "resume", r->raw_write,
				r->resume[i], r->toio[i], r->crc[i]);
	}
	/* Resuming against the passes it must make, by pieces of io. */
	for (i = 0; i < NR_IO; i++) {
		printf("# bench: bar2=%zuM io=%zu dir=resume", m, io_lens[i]);
		printf(" stage_floor_mibs=%.1f stage_floor_ratio=%.2f\n",
		       r->stage[i], ratio(r->resume[i], r->stage[i]));
	}
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct track_result {
	double off, on_first, on_again;	/* mmap write MiB/s */
	long faults_off, faults_first, faults_again;
	double full_pass_ms, dirty_pass_ms;
	size_t full_pass_bytes, dirty_pass_bytes, dirty_pages;
};

/* Read pre-copy data until ENOMSG; the bytes, or -errno. */
static ssize_t drain(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + got, cap - got < IO_LEN ? cap - got : IO_LEN);
		if (n < 0)
			return errno == ENOMSG ? (ssize_t)got : -errno;
		if (!n)
			return -ENODATA;
		got += n;
		if (got == cap)
			return -EFBIG;
	}
}

/* Time one write pass of @src over the mapping @map; faults into @faults. */
static double write_pass(void *map, const void *src, size_t len, long *faults)
{
	long f = minor_faults();
	double t = now();

	memcpy(map, src, len);
	t = now() - t;
	*faults = minor_faults() - f;
	return mib_s(len, t);
}

static int bench_tracking(const char *bdf, struct track_result *r)
{
	struct vfio_dev dev = {};
	void *map = NULL, *copy = NULL;
	uint8_t *buf = NULL;
	size_t len, cap, o;
	int fd = -1, ret;
	ssize_t n;
	double t;

	ret = vfio_dev_open(&dev, bdf, VFIO_MODE_CONTAINER);
	if (!ret)
		ret = mig_map_bar2(&dev, &map, &len);
	if (ret)
		goto out;
	cap = len + (len >> 8) + (1 << 20);
	copy = malloc(len);
	buf = malloc(cap);
	if (!copy || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	memset(buf, 0, cap);
	mig_fill_pattern(copy, len, 7);
	mig_fill_pattern(map, len, 8);	/* maps every page writable */

	r->off = write_pass(map, copy, len, &r->faults_off);
	ret = mig_set_state(&dev, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	if (ret)
		goto out;
	/* The first pass, all of BAR2, while nothing writes. */
	t = now();
	n = drain(fd, buf, cap);
	r->full_pass_ms = (now() - t) * 1000;
	if (n < 0) {
		ret = n;
		goto out;
	}
	r->full_pass_bytes = n;
	r->on_first = write_pass(map, copy, len, &r->faults_first);
	r->on_again = write_pass(map, copy, len, &r->faults_again);
	/* All of it is dirty now: send it, then dirty 1 % of the pages. */
	n = drain(fd, buf, cap);
	if (n < 0) {
		ret = n;
		goto out;
	}
	for (o = 0; o < len; o += 100 * 4096) {
		((uint8_t *)map)[o] ^= 1;
		r->dirty_pages++;
	}
	t = now();
	n = drain(fd, buf, cap);
	r->dirty_pass_ms = (now() - t) * 1000;
	if (n < 0) {
		ret = n;
		goto out;
	}
	r->dirty_pass_bytes = n;
	ret = mig_set_state(&dev, VFIO_DEVICE_STATE_RUNNING, NULL);
out:
	if (fd >= 0)
		close(fd);
	if (map)
		munmap(map, len);
	free(copy);
	free(buf);
	vfio_dev_close(&dev);
	return ret;
}

/* The CPU features that decide which copy and CRC instructions run. */
static void print_cpu(void)
{
	static const char * const want[] = {
		"erms", "fsrm", "sse4_2", "pclmulqdq", "avx2", "hypervisor", NULL,
	};
	char line[4096], word[32];
	FILE *f = fopen("/proc/cpuinfo", "r");
	unsigned int i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			break;
	fclose(f);
	printf("# bench: cpu");
	for (i = 0; want[i]; i++) {
		snprintf(word, sizeof(word), " %s ", want[i]);
		line[strcspn(line, "\n")] = ' ';
		printf(" %s=%d", want[i], !!strstr(line, word));
	}
	printf("\n");
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
	printf("TAP version 13\n1..%d\n", 2 * nr_pairs);
	print_cpu();
	for (i = 0; i < 2 * nr_pairs; i += 2) {
		const char *s = getenv(names[i]), *d = getenv(names[i + 1]);
		struct pair_result r = {};
		struct track_result t = {};
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
		print_pair(names[i], names[i + 1], &r);
		printf("ok %d - bench %s->%s %zu MiB\n", n, names[i], names[i + 1],
		       r.bar_len >> 20);

		n++;
		ret = bench_tracking(s, &t);
		if (ret) {
			printf("not ok %d - bench tracking %s: %s\n", n, names[i],
			       strerror(-ret));
			failed++;
			continue;
		}
		printf("# bench: bar2=%zuM tracking write_off_mibs=%.1f",
		       r.bar_len >> 20, t.off);
		printf(" write_on_mibs=%.1f ratio=%.2f faults=%ld",
		       t.on_first, t.on_first / t.off, t.faults_first);
		printf(" write_on_again_mibs=%.1f ratio_again=%.2f",
		       t.on_again, t.on_again / t.off);
		printf(" faults_again=%ld faults_off=%ld\n", t.faults_again,
		       t.faults_off);
		printf("# bench: bar2=%zuM precopy full_pass_bytes=%zu",
		       r.bar_len >> 20, t.full_pass_bytes);
		printf(" full_pass_ms=%.1f dirty_pages=%zu", t.full_pass_ms,
		       t.dirty_pages);
		printf(" dirty_pass_bytes=%zu dirty_pass_ms=%.1f\n",
		       t.dirty_pass_bytes, t.dirty_pass_ms);
		printf("ok %d - bench tracking %s %zu MiB\n", n, names[i],
		       r.bar_len >> 20);
	}
	return failed ? 1 : 0;
}
