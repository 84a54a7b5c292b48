// SPDX-License-Identifier: GPL-2.0
/*
 * What the test environment provides: whether VFIO is there at all, and
 * the variables the test bed sets.
 */
#include <stdlib.h>
#include <unistd.h>

#include "vfio_util.h"

bool vfio_test_in_vm(void)
{
	return !access("/dev/vfio", F_OK);
}

const char *vfio_test_env(const char *name)
{
	const char *val = getenv(name);

	return val && *val ? val : NULL;
}
