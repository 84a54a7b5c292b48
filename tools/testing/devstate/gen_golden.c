// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the golden vfio-devstate 1.0 streams and descriptor used by the
 * tests:  gen_golden DIR   (DIR/basic.vds, empty.vds, precopy.vds and
 * ivshmem.desc).  Golden files are committed; regenerate them only for a
 * deliberate format change, which then needs a new version number.
 */
#include <stdlib.h>
#include "sample.h"

static int put(const char *dir, const char *name, const void *buf,
	       size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_devstate_desc d;
	static u8 buf[8192];
	char name[64];
	ssize_t n;
	int k;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_golden DIR\n");
		return 2;
	}
	sample_desc(&d);
	for (k = 0; k < SAMPLE_NR; k++) {
		n = sample_stream(k, &d, buf, sizeof(buf));
		snprintf(name, sizeof(name), "%s.vds", sample_names[k]);
		if (n < 0 || put(argv[1], name, buf, n))
			return 1;
	}
	n = vfio_devstate_desc_format(&d, (char *)buf, sizeof(buf));
	if (n < 0 || put(argv[1], "ivshmem.desc", buf, n))
		return 1;
	return 0;
}
