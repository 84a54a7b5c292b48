# SPDX-License-Identifier: GPL-2.0
#
# The Linux 7.3 lane's pins and tools (tools/testing/trixie/setup.sh):
# Debian's 7.3 kernel from trixie-backports, and a trixie chroot with
# gcc-14 and the 7.3 headers to build our modules, and QEMU 11.1.
#
#   make trixie-setup   fetch the 7.3 kernel, build the chroot (idempotent)
#   make modules-7.3    build the modules against Debian's 7.3 headers

KPKGVER73 ?= 7.3.4-1~bpo13+1
KABI73 ?= 7.3.4+deb13-amd64
QEMU11_VER ?= 1:11.1.3+ds-2~bpo13+1
TRIXIE_SH := $(CURDIR)/tools/testing/trixie/setup.sh
IN_CHROOT := $(CURDIR)/tools/testing/trixie/in-chroot.sh
KDIR73 := /usr/src/linux-headers-$(KABI73)
export KPKGVER73 KABI73 QEMU11_VER

# The test VM on Debian's 7.3 kernel; modules built in the chroot.
K73_ROOT = $(CACHE_DIR)/debian-$(KABI73)/usr
K73_VM = VM_KERNEL=$(K73_ROOT)/lib/modules/$(KABI73)/vmlinuz \
	VM_MODROOT=$(K73_ROOT) VM_KVER=$(KABI73) VM_KDIR=$(KDIR73) \
	VM_KBUILD_WRAP=$(IN_CHROOT)
# The selftests, built on the host against 7.3's UAPI and harness.
K73_SELFTEST_ARGS = LINUX_SRC=$(CACHE_DIR)/linux-source-7.3 UAPI_DIR=$(CACHE_DIR)/uapi-7.3

.PHONY: trixie-setup modules-7.3
trixie-setup:
	@$(TRIXIE_SH)

modules-7.3: trixie-setup
	$(IN_CHROOT) $(MAKE) -C $(KDIR73) M=$(CURDIR) W=1 modules

# The first line of a 7.3 lane's recipe: the 7.3 kernel and the chroot
# are ready, or the lane fails as TAP.
define trixie-ready
@mkdir -p $(BUILD)
@$(TRIXIE_SH) >$(BUILD)/trixie-setup.log 2>&1 || { \
	echo "not ok 1 - 7.3 kernel and trixie chroot (see $(BUILD)/trixie-setup.log)"; \
	tail -n 20 $(BUILD)/trixie-setup.log | sed 's/^/# /'; exit 1; }
@sed -n 's/^# trixie: ready: /# 7.3 lane: /p' $(BUILD)/trixie-setup.log
endef
