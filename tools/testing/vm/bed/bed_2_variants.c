// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: fixture variants whose names are longer than the
 * columns of the harness's -l listing (fixture 20, variant 25 characters).
 * The bed runs with VM_TEST_EXCLUDE=iommufd,failslab: the variants named
 * with those words must not run (they fail if they do), the others must.
 */
#include "kselftest_harness.h"

/*
 * A fixture name longer than its column shifts the variant column of the
 * fixture's first line: that is where the excluded variant goes.
 */
FIXTURE(bed_fixture_with_a_long_name) {
	int unused;
};

FIXTURE_VARIANT(bed_fixture_with_a_long_name) {
	int excluded;
};

FIXTURE_VARIANT_ADD(bed_fixture_with_a_long_name, iommufd_compat_type1_anon) {
	.excluded = 1,
};

FIXTURE_VARIANT_ADD(bed_fixture_with_a_long_name, plain) {
	.excluded = 0,
};

FIXTURE_SETUP(bed_fixture_with_a_long_name)
{
}

FIXTURE_TEARDOWN(bed_fixture_with_a_long_name)
{
}

TEST_F(bed_fixture_with_a_long_name, first)
{
	ASSERT_EQ(0, variant->excluded);
}

TEST_F(bed_fixture_with_a_long_name, second)
{
	ASSERT_EQ(0, variant->excluded);
}

/* A short fixture name, a variant name longer than its column. */
FIXTURE(bed_short) {
	int unused;
};

FIXTURE_VARIANT(bed_short) {
	int excluded;
};

FIXTURE_VARIANT_ADD(bed_short, plain) {
	.excluded = 0,
};

FIXTURE_VARIANT_ADD(bed_short, with_failslab_and_a_long_variant_name) {
	.excluded = 1,
};

FIXTURE_VARIANT_ADD(bed_short, iommufd) {
	.excluded = 1,
};

FIXTURE_SETUP(bed_short)
{
}

FIXTURE_TEARDOWN(bed_short)
{
}

TEST_F(bed_short, only)
{
	ASSERT_EQ(0, variant->excluded);
}

TEST_HARNESS_MAIN
