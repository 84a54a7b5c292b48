# SPDX-License-Identifier: GPL-2.0
#
# make bench: migration throughput of ivshmem-vfio-pci in the test VM, for
# BAR2 sizes of 64 MiB (A->B) and 256 MiB (D->E), against raw mmap copies
# and against the driver's floor (memcpy_fromio, memcpy_toio and crc32c in
# the kernel), measured by the test-only module in kmod/, built here for
# the VM's kernel and loaded after ours; never installed.
# Prints figures; asserts nothing about speed.

BENCH_BUILD := $(BUILD)/bench
BENCH_SELFTESTS := $(CURDIR)/tools/testing/selftests/vfio
# The selftests' library objects, named as goals: a kbuild clean of this
# tree (tools/testing/vm/prepare.sh runs one when the modules were last
# built against another kernel) removes every .o under it, build/
# included, and the tests, up to date, would not bring them back.
BENCH_LIB_OBJS := $(patsubst $(BENCH_SELFTESTS)/%.c,$(BUILD)/selftests/%.o,\
	$(wildcard $(BENCH_SELFTESTS)/lib/*.c)) $(BUILD)/selftests/lib/crc32c.o
BENCH_KMOD := $(CURDIR)/tools/testing/bench/kmod
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static \
	-isystem $(CACHE_DIR)/uapi-6.12/include -I include/uapi \
	-I $(BENCH_SELFTESTS)/lib/include
BENCH_VM = VM_BUILD=$(BUILD)/vm-bench VM_TESTS_DIR=$(BENCH_BUILD) \
	VM_BUILD_SELFTESTS=0 VM_TEST_EXCLUDE= VM_TEST_TIMEOUT=900 \
	VM_DEVICES="A:64M B:64M D:256M E:256M" VM_MEM=2G \
	VM_KOS="$(VM_KOS) $(BENCH_KMOD)/ivshmem_copy_bench.ko"

# Our modules first (and the clean that may come with them), then what
# the clean would remove: the selftests' library, the test-only module.
.PHONY: bench
bench: setup
	@mkdir -p $(BENCH_BUILD)
	@$(MAKE) --no-print-directory vm-initramfs $(BENCH_VM) \
		>$(BENCH_BUILD)/modules.log 2>&1 || \
		{ cat $(BENCH_BUILD)/modules.log; exit 1; }
	@$(MAKE) --no-print-directory -s -C $(BENCH_SELFTESTS) \
		OUTPUT=$(BUILD)/selftests all $(BENCH_LIB_OBJS)
	@$(MAKE) --no-print-directory -s -C $(DEB_KDIR) M=$(BENCH_KMOD) \
		modules >$(BENCH_BUILD)/kmod.log 2>&1 || \
		{ cat $(BENCH_BUILD)/kmod.log; exit 1; }
	$(CC) $(BENCH_CFLAGS) -o $(BENCH_BUILD)/vfio_mig_bench \
		tools/testing/bench/vfio_mig_bench.c $(BENCH_LIB_OBJS)
	@$(MAKE) --no-print-directory check-vm $(BENCH_VM) VM_BUILD_MODULES=0
