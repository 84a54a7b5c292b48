# SPDX-License-Identifier: GPL-2.0
#
# vfio-devstate: a standard VFIO device-state format and the
# ivshmem-vfio-pci variant driver.
#
#   make            build the modules against KDIR
#   make check      install what is needed, run every test (TAP)
#   make demo       boot the test VM and live-migrate a running guest
#                   through the driver with QEMU, then show a refused one
#   make lint       checkpatch --strict and sparse
#   make bench      migration throughput against raw mmap copies
#   make e2e-bench  QEMU migration through the driver vs an emulated device
#   make vm-shell   a shell in the test VM, driver loaded and bound
#   make debug-kernel  build the KASAN/lockdep/kmemleak kernel
#   make help       list the targets and variables

# Caches (downloads, unpacked kernels, debug-kernel build, ccache) live
# outside the clone so that every clone on this machine shares them.
CACHE_DIR ?= /var/cache/vfio-devstate
# The pinned Debian kernel the test VM boots (the mirror rolls).
KPKGVER ?= 6.12.117-1~deb12u1
KABI ?= 6.12.117+deb12-amd64
DEB_KDIR := $(CACHE_DIR)/debian-$(KABI)/usr/src/linux-headers-$(KABI)
LINUX_SRC := $(CACHE_DIR)/linux-source-6.12
# Kernel tree the module is built against: by default the running kernel.
KDIR ?= /lib/modules/$(shell uname -r)/build
# Per-clone build output for everything that is not kbuild's.
BUILD := $(CURDIR)/build

export CACHE_DIR KPKGVER KABI DEB_KDIR LINUX_SRC BUILD

.PHONY: all modules clean setup check demo lint help
all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

setup:
	@tools/testing/setup.sh

# Test suites register themselves in CHECK_SUITES: suite NAME is the make
# target check-NAME and prints TAP on stdout.
CHECK_SUITES :=
include $(wildcard tools/testing/*/*.mk tools/*/*.mk)

check: setup
	@tools/testing/run-suites.sh $(CHECK_SUITES)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(BUILD)

help:
	@sed -n 's/^#   //p' Makefile
	@echo "variables: CACHE_DIR=$(CACHE_DIR) KABI=$(KABI) KDIR=$(KDIR)"
