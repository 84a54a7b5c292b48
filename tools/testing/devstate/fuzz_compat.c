// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: descriptor text parsing and the compatibility
 * comparison.  The input is two descriptor texts separated by a line
 * "%%".  Checks: parse never overruns, a descriptor is compatible with
 * itself, format/parse round-trips, the reason count does not depend on
 * the room given for reasons, and every reason has a class and text.
 */
#include <stdlib.h>
#include "sample.h"

static void check_self(const struct vfio_devstate_desc *d)
{
	struct vfio_devstate_desc back;
	static char text[8192];
	ssize_t n;

	if (d->model_version >= d->accept_min &&
	    d->model_version <= d->accept_max &&
	    vfio_devstate_compat(d, d, NULL, 0, 0))
		abort();
	n = vfio_devstate_desc_format(d, text, sizeof(text));
	if (n < 0 || vfio_devstate_desc_parse(&back, text, n, NULL) ||
	    vfio_devstate_compat(d, &back, NULL, 0, 0) !=
	    vfio_devstate_compat(d, d, NULL, 0, 0) ||
	    memcmp(back.params, d->params, sizeof(d->params)))
		abort();
}

/* libFuzzer's entry point, LLVMFuzzerTestOneInput */
int fuzz_one_input(const u8 *data, size_t size)
	__asm__("LLVMFuzzerTestOneInput");

int fuzz_one_input(const u8 *data, size_t size)
{
	static struct vfio_devstate_desc a, b;
	struct vfio_devstate_reason r[8], one;
	const char *text = (const char *)data;
	const char *sep = NULL;
	size_t i, la, lb;
	int n, m, k;

	for (i = 0; i + 3 <= size; i++)
		if (!memcmp(text + i, "%%\n", 3)) {
			sep = text + i;
			break;
		}
	la = sep ? (size_t)(sep - text) : size;
	lb = sep ? size - la - 3 : 0;
	if (vfio_devstate_desc_parse(&a, text, la, &one)) {
		if (!one.msg[0] || !one.err)
			abort();
		return 0;
	}
	check_self(&a);
	if (!sep || vfio_devstate_desc_parse(&b, sep + 3, lb, &one))
		return 0;
	check_self(&b);
	n = vfio_devstate_compat(&a, &b, r, 8, 0);
	m = vfio_devstate_compat(&a, &b, NULL, 0, VFIO_DEVSTATE_COMPAT_STREAM);
	if (n != m || n < 0)
		abort();
	for (k = 0; k < n && k < 8; k++)
		if (r[k].code <= VFIO_DEVSTATE_R_OK || !r[k].msg[0] ||
		    r[k].err != vfio_devstate_reason_errno(r[k].code))
			abort();
	return 0;
}
