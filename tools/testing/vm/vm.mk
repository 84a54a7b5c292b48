# SPDX-License-Identifier: GPL-2.0
#
# VM test bed: boots a kernel under QEMU (q35, intel-iommu) with ivshmem
# devices, loads and binds ivshmem-vfio-pci, runs the selftests in the
# guest and reports TAP. See tools/testing/vm/README.md.
#
#   make check-vm      run the VM suite (TAP on stdout)
#   make demo          the live-migration demo (tools/testing/e2e)
#   make vm-demo       boot the VM and show the driver at work
#   make vm-shell      boot the VM with a shell on the serial console
#   make vm-initramfs  build the modules, selftests and initramfs only
#   make check-vm-debug  check-vm on the debug kernel (make debug-kernel)
#   make check-vm-bed  self-test of the bed (tools/testing/vm/bed)
#   make check-vm-7.3  check-vm on Debian's Linux 7.3 (trixie-backports)

VM_BUILD ?= $(BUILD)/vm
# Kernel to boot, and where its modules are (a tree with lib/modules/VER).
VM_KERNEL ?= $(CACHE_DIR)/debian-$(KABI)/boot/vmlinuz-$(KABI)
VM_MODROOT ?= $(CACHE_DIR)/debian-$(KABI)
VM_KVER ?= $(KABI)
# Kernel modules to load before ours, in this order (dependencies are
# added). Empty: VFIO is built in, load nothing but our .ko files.
VM_KMODS ?= vfio vfio_iommu_type1 vfio_pci_core
# Our modules: kernel tree to build them against, and the .ko files to
# load in this order (missing ones are left out of the initramfs).
VM_KDIR ?= $(DEB_KDIR)
VM_KBUILD_ARGS ?=
# A command make runs under for our modules (the 7.3 lane: its chroot).
VM_KBUILD_WRAP ?=
VM_BUILD_MODULES ?= 1
VM_KOS ?= $(CURDIR)/drivers/vfio/devstate/vfio_devstate.ko \
	  $(CURDIR)/drivers/vfio/pci/ivshmem/ivshmem-vfio-pci.ko
VM_DRIVER ?= ivshmem-vfio-pci
# ivshmem-plain devices, NAME:SIZE, each behind its own pcie-root-port;
# the guest tests see IVSHMEM_NAME=<BDF>, the kernel's libvfio tests
# VFIO_SELFTESTS_BDF (the last device's).
VM_DEVICES ?= A:64M B:64M C:32M
# Selftest binaries packed into the guest's /tests (every executable);
# VM_BUILD_SELFTESTS=0 packs what is there without running their make.
VM_TESTS_DIR ?= $(BUILD)/selftests
VM_BUILD_SELFTESTS ?= 1
# make arguments for the selftests' build (the kernel source and UAPI
# headers they are built against: 6.12's by default).
VM_SELFTEST_ARGS ?=
# Extra files for the initramfs: HOSTPATH:GUESTPATH words, and directory
# trees copied onto its root.
VM_EXTRA_FILES ?=
VM_EXTRA_TREES ?=
# QEMU: KVM is opt-in (VM_KVM=1); timeouts in seconds.
VM_KVM ?= 0
# One vCPU: with two, multi-threaded TCG on this machine kind was seen to
# oops at boot (int3 in patched kernel text) and once to crash QEMU 7.2.
VM_SMP ?= 1
VM_MEM ?= 2G
VM_TIMEOUT ?= 900
VM_BOOT_TIMEOUT ?=
VM_TEST_TIMEOUT ?= 240
# kselftest fixture variants (those whose name has one of these words)
# the kernel cannot run: the Debian kernel has no IOMMUFD and no fault
# injection (failslab, fail_function), so those variants run only in the
# debug-kernel lane.
VM_TEST_EXCLUDE ?= iommufd,failslab,fault_inject
# KUnit suites our modules run at load, reported from the kernel log.
VM_KUNIT ?=
VM_APPEND ?=
VM_QEMU ?= qemu-system-x86_64
# TCG threading of the test VM: empty (multi-threaded), or single.
VM_TCG_THREAD ?=
VM_QEMU_ARGS ?=
VM_LOG_IGNORE ?=

export VM_BUILD VM_KERNEL VM_MODROOT VM_KVER VM_KMODS VM_KDIR VM_KBUILD_ARGS VM_KBUILD_WRAP \
	VM_BUILD_MODULES VM_BUILD_SELFTESTS VM_SELFTEST_ARGS VM_KOS VM_DRIVER VM_DEVICES VM_TESTS_DIR \
	VM_EXTRA_FILES VM_EXTRA_TREES VM_KVM VM_SMP VM_MEM VM_TIMEOUT \
	VM_BOOT_TIMEOUT VM_TEST_TIMEOUT VM_TEST_EXCLUDE VM_KUNIT VM_APPEND VM_QEMU VM_QEMU_ARGS VM_TCG_THREAD \
	VM_LOG_IGNORE

# vm-bed first: the bed's self-test, then the suites that rely on it.
CHECK_SUITES += vm-bed vm vm-7.3 vm-debug

.PHONY: check-vm demo vm-demo vm-shell vm-initramfs
check-vm:
	@tools/testing/vm/prepare.sh && tools/testing/vm/run-vm.sh check

# make demo is the live-migration demo of tools/testing/e2e; vm-demo
# shows the devices and a BAR access through VFIO.
demo:
	@$(MAKE) --no-print-directory e2e-demo

vm-demo:
	@tools/testing/vm/prepare.sh && tools/testing/vm/run-vm.sh demo

vm-shell:
	@tools/testing/vm/prepare.sh && tools/testing/vm/run-vm.sh shell

vm-initramfs:
	@tools/testing/vm/prepare.sh

# The bed's self-test: one VM boot on the tiny binaries of
# tools/testing/vm/bed (they skip whole, have long-named variants to
# exclude, crash, hang), then a check of how the bed reported each.
.PHONY: check-vm-bed
check-vm-bed:
	@tools/testing/vm/selftest-bed.sh

# The same suite on the debug kernel (tools/testing/debug-kernel, which
# exports DEBUG_BZIMAGE and DEBUG_KDIR): VFIO is built in, only our modules
# are loaded; its own build directory.
.PHONY: check-vm-debug
check-vm-debug:
	@mkdir -p $(BUILD)
	@echo "# vm-debug: building (or reusing) the debug kernel"
	@$(DEBUG_KERNEL_SH) >$(BUILD)/debug-kernel.log 2>&1 || { \
		echo "not ok 1 - debug kernel build (see $(BUILD)/debug-kernel.log)"; \
		tail -n 20 $(BUILD)/debug-kernel.log | sed 's/^/# /'; exit 1; }
	@sed -n 's/^/# /p' $(BUILD)/debug-kernel.log | tail -n 3
	@if [ ! -f "$(DEBUG_BZIMAGE)" ]; then \
		echo "not ok 1 - no debug kernel (make debug-kernel)"; exit 1; fi
	@$(MAKE) --no-print-directory check-vm VM_KERNEL=$(DEBUG_BZIMAGE) \
		VM_KMODS= VM_KDIR=$(DEBUG_KDIR) VM_KBUILD_ARGS=CC=gcc-12 \
		VM_TEST_EXCLUDE= VM_KUNIT=vfio_devstate \
		VM_KOS="$(VM_KOS) $(CURDIR)/drivers/vfio/devstate/vfio_devstate_kunit.ko" \
		VM_BUILD=$(BUILD)/vm-debug

# The same suite on Debian's 7.3 kernel: its modules are those of the
# Debian package, ours are built in the trixie chroot against its 7.3
# headers (tools/testing/trixie); its own build directory.
.PHONY: check-vm-7.3
check-vm-7.3:
	$(trixie-ready)
	@$(MAKE) --no-print-directory check-vm $(K73_VM) VM_BUILD=$(BUILD)/vm-7.3 \
		VM_TESTS_DIR=$(BUILD)/selftests-7.3 VM_SELFTEST_ARGS="$(K73_SELFTEST_ARGS)"
