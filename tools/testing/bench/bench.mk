# SPDX-License-Identifier: GPL-2.0
#
# make bench: migration throughput of ivshmem-vfio-pci in the test VM, for
# BAR2 sizes of 64 MiB (A->B) and 256 MiB (D->E), against raw mmap copies.
# Prints figures; asserts nothing about speed.

BENCH_BUILD := $(BUILD)/bench
BENCH_SELFTESTS := $(CURDIR)/tools/testing/selftests/vfio
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static \
	-isystem $(CACHE_DIR)/uapi-6.12/include -I include/uapi \
	-I $(BENCH_SELFTESTS)/lib/include

.PHONY: bench
bench: setup
	@$(MAKE) --no-print-directory -s -C $(BENCH_SELFTESTS) \
		OUTPUT=$(BUILD)/selftests
	@mkdir -p $(BENCH_BUILD)
	$(CC) $(BENCH_CFLAGS) -o $(BENCH_BUILD)/vfio_mig_bench \
		tools/testing/bench/vfio_mig_bench.c $(BUILD)/selftests/lib/*.o
	@$(MAKE) --no-print-directory check-vm VM_BUILD=$(BUILD)/vm-bench \
		VM_TESTS_DIR=$(BENCH_BUILD) VM_BUILD_SELFTESTS=0 VM_TEST_EXCLUDE= \
		VM_DEVICES="A:64M B:64M D:256M E:256M" VM_MEM=2G
