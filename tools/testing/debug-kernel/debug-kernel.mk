# SPDX-License-Identifier: GPL-2.0
#
# Debug kernel (KASAN, lockdep, kmemleak, UBSAN, fault injection, KUnit,
# VFIO + iommufd built in), included by the top-level Makefile.
#
#   make debug-kernel         build it (cached; a second run takes < 1 s)
#   make debug-kernel-smoke   boot it once under QEMU and check it
#
# Exported for the test bed:
#   DEBUG_KDIR      kbuild O= tree: make -C $DEBUG_KDIR M=... CC=gcc-12 modules
#   DEBUG_BZIMAGE   the kernel to boot
#
# The path is derived from the source version and the config fragment;
# it is computed on first use and only once LINUX_SRC exists (so it is
# right even when `make setup` runs earlier in the same make).

DEBUG_KERNEL_SH := $(CURDIR)/tools/testing/debug-kernel/build.sh

DEBUG_KDIR = $(if $(_debug_kdir),,$(eval _debug_kdir := $(shell $(DEBUG_KERNEL_SH) --print-kdir 2>/dev/null)))$(_debug_kdir)
DEBUG_BZIMAGE = $(if $(DEBUG_KDIR),$(DEBUG_KDIR)/arch/x86/boot/bzImage)
export DEBUG_KDIR DEBUG_BZIMAGE

.PHONY: debug-kernel
debug-kernel: setup
	@$(DEBUG_KERNEL_SH)

# Boot it once under QEMU: VFIO group/cdev, a module, kmemleak (~1 min).
.PHONY: debug-kernel-smoke
debug-kernel-smoke: debug-kernel
	@$(CURDIR)/tools/testing/debug-kernel/smoke.sh
