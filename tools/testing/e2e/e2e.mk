# SPDX-License-Identifier: GPL-2.0
#
# End-to-end live migration with QEMU 10 inside the test VM: a nested
# guest on an ivshmem device passed through by ivshmem-vfio-pci migrates
# between devices A and B (ping-pong), and is refused by C (smaller BAR2).
# See tools/testing/e2e/README.md.
#
#   make check-e2e     the e2e suite (TAP on stdout), Debian's kernel
#   make check-e2e-debug  the same on the debug kernel, at QEMU's defaults
#   make check-e2e-7.3  on Debian's 7.3 with QEMU 11.1, and QEMU 10.0 <-> 11.1
#   make check-e2e-cross  through a file across kernels and driver releases
#   make e2e-bench     vfio vs native migration figures
#   make e2e-demo      the migration demo, readable progress

E2E_BUILD ?= $(BUILD)/e2e
# Migrations in the ping-pong of check-e2e, and per kind in e2e-bench.
E2E_PINGPONG ?= 2
E2E_BENCH_RUNS ?= 3
export E2E_BUILD E2E_PINGPONG E2E_BENCH_RUNS

CHECK_SUITES += e2e e2e-7.3 e2e-cross e2e-debug

.PHONY: check-e2e check-e2e-debug check-e2e-7.3 check-e2e-cross e2e-bench \
	e2e-demo e2e-prepare
check-e2e:
	@tools/testing/e2e/run.sh check

# The same on the debug kernel, whose VFIO core can deliver DMA dirty
# logs (IOMMUFD): the only lane where QEMU's defaults apply unchanged.
E2E_DEBUG_VM = VM_KERNEL=$(DEBUG_BZIMAGE) VM_KMODS= VM_KDIR=$(DEBUG_KDIR) \
	VM_KBUILD_ARGS=CC=gcc-12 E2E_BUILD=$(BUILD)/e2e-debug E2E_LANE=debug
check-e2e-debug:
	@mkdir -p $(BUILD)
	@$(DEBUG_KERNEL_SH) >$(BUILD)/debug-kernel.log 2>&1 || { \
		echo "not ok 1 - debug kernel build (see $(BUILD)/debug-kernel.log)"; \
		tail -n 20 $(BUILD)/debug-kernel.log | sed 's/^/# /'; exit 1; }
	@$(E2E_DEBUG_VM) tools/testing/e2e/run.sh check

# Debian's 7.3 kernel (tools/testing/trixie) with QEMU 11.1 from
# trixie-backports as the nested QEMU, what a trixie-backports host runs,
# and the QEMU 10.0 <-> 11.1 migrations.
E2E_73_VM = $(K73_VM) E2E_BUILD=$(BUILD)/e2e-7.3 E2E_LANE=7.3 \
	E2E_QEMU11=1 E2E_QEMU_MAIN=11.1
check-e2e-7.3:
	$(trixie-ready)
	@$(E2E_73_VM) tools/testing/e2e/run.sh check

# A guest saved to a file and restored across kernels (6.12, 7.3) and
# driver releases (the previous one, built from git history, and this
# tree), both ways: tools/testing/e2e/cross.sh.
check-e2e-cross:
	$(trixie-ready)
	@KDIR73=$(KDIR73) tools/testing/e2e/cross.sh

# E2E_LANE=debug: on the debug kernel, at QEMU's defaults.
e2e-bench:
	@$(if $(filter debug,$(E2E_LANE)),$(E2E_DEBUG_VM)) tools/testing/e2e/run.sh bench

# The demo runs where QEMU's defaults apply, the debug kernel, once it is
# built (make check or make debug-kernel); else, or with
# E2E_LANE=debian, on Debian's kernel.
e2e-demo:
	@if [ "$(E2E_LANE)" = debug ] || { [ -z "$(E2E_LANE)" ] && \
		[ -f "$(DEBUG_BZIMAGE)" ]; }; then \
		echo "e2e: on the debug kernel, whose VFIO core can report DMA dirty logs"; \
		$(E2E_DEBUG_VM) tools/testing/e2e/run.sh demo; \
	else \
		echo "e2e: on Debian's kernel (make debug-kernel first to see QEMU's defaults)"; \
		tools/testing/e2e/run.sh demo; \
	fi

e2e-prepare:
	@tools/testing/e2e/prepare.sh
