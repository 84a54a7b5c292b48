// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: a binary that never ends. The bed must kill it
 * after VM_TEST_TIMEOUT, report a "not ok" naming the timeout, and go on
 * with the next binary.
 */
#include <stdio.h>
#include <unistd.h>

#include "kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_set_plan(1);
	fflush(stdout);
	for (;;)
		pause();
}
