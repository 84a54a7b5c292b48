// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: a binary that skips whole ("1..0 # SKIP reason",
 * exit status KSFT_SKIP), as a selftest does on a kernel that lacks what
 * it tests. The bed must report one "ok ... # SKIP" line and go on.
 */
#include "kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("bed: this binary skips whole\n");
}
