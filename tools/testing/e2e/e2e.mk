# SPDX-License-Identifier: GPL-2.0
#
# End-to-end live migration with QEMU 10 inside the test VM: a nested
# guest on an ivshmem device passed through by ivshmem-vfio-pci migrates
# between devices A and B (ping-pong), and is refused by C (smaller BAR2).
# See tools/testing/e2e/README.md.
#
#   make check-e2e     the e2e suite (TAP on stdout)
#   make e2e-bench     vfio vs native migration figures
#   make e2e-demo      the migration demo, readable progress

E2E_BUILD ?= $(BUILD)/e2e
# Migrations in the ping-pong of check-e2e, and per kind in e2e-bench.
E2E_PINGPONG ?= 10
E2E_BENCH_RUNS ?= 3
export E2E_BUILD E2E_PINGPONG E2E_BENCH_RUNS

CHECK_SUITES += e2e

.PHONY: check-e2e e2e-bench e2e-demo e2e-prepare
check-e2e:
	@tools/testing/e2e/run.sh check

e2e-bench:
	@tools/testing/e2e/run.sh bench

e2e-demo:
	@tools/testing/e2e/run.sh demo

e2e-prepare:
	@tools/testing/e2e/prepare.sh
