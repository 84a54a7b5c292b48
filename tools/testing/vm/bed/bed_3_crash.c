// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: a binary that reports one result, then dies of
 * SIGSEGV before the second one. The bed must report the first result,
 * a "not ok" naming the signal, and go on with the next binary.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest.h"

int main(void)
{
	char *page;

	ksft_print_header();
	ksft_set_plan(2);
	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	ksft_test_result_pass("before the crash\n");
	fflush(stdout);
	page[0] = 1;	/* SIGSEGV: the page has no access */
	ksft_test_result_pass("after the crash\n");
	ksft_finished();
}
