# SPDX-License-Identifier: GPL-2.0
#
# vfio-devstate: a standard VFIO device-state format and the
# ivshmem-vfio-pci variant driver.
#
#   make [all|modules]  build the modules against KDIR
#   make install    build the modules and the vfio-devstate tool, install
#                   the modules with kbuild's modules_install (then depmod,
#                   unless INSTALL_MOD_PATH is set) and the tool in
#                   PREFIX/bin, both under DESTDIR if given
#   make uninstall  remove what make install put in place (KREL=RELEASE
#                   names the kernel when KDIR is gone)
#   make dkms-source   copy the module sources and dkms.conf to
#                   /usr/src/vfio-devstate-VERSION (under DESTDIR if given)
#   make dkms-install  dkms-source, dkms add, then dkms install for the
#                   kernel of KDIR
#   make dkms-uninstall  dkms remove for every kernel, and the sources
#   make check      install what is needed, run every test (TAP)
#   make setup      install the host packages and kernels the tests need
#   make demo       boot the test VM and live-migrate a running guest
#                   through the driver with QEMU, then show a refused one
#   make lint       checkpatch --strict and sparse
#   make bench      migration throughput against raw mmap copies
#   make e2e-bench  QEMU migration through the driver vs an emulated device
#   make e2e-prepare  fetch QEMU 10 and lay out the end-to-end test's tree
#   make vm-shell   a shell in the test VM, driver loaded and bound
#   make debug-kernel  build the KASAN/lockdep/kmemleak kernel
#   make clean      remove kbuild's output and build/
#   make help       list the targets and variables

# Release of the modules and the tool; dkms.conf's PACKAGE_VERSION says
# the same (make dkms-source writes it, check-install checks it).
VERSION := 0.2.0
# Caches (downloads, unpacked kernels, debug-kernel build, ccache) live
# outside the clone so that every clone on this machine shares them.
# Exported; the same default for scripts run by hand is in
# tools/testing/lib/host.sh, and for the selftests' Makefile on its own
# in tools/testing/selftests/vfio/Makefile.
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

# make install: kbuild's INSTALL_MOD_PATH (staged under DESTDIR unless
# given) and INSTALL_MOD_DIR; the tool goes to $(DESTDIR)$(PREFIX)/bin.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= updates
DEPMOD ?= depmod
# The release of the kernel in KDIR (what uname -r says when it runs).
KREL = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
DKMS_SRC = $(DESTDIR)/usr/src/vfio-devstate-$(VERSION)

export CACHE_DIR KPKGVER KABI DEB_KDIR LINUX_SRC BUILD

.PHONY: all modules clean setup check demo lint help
all: modules

# Without a kernel build tree, say what to install before kbuild fails.
define need-kdir
	@test -f "$(KDIR)/Makefile" || { \
	echo "vfio-devstate: no kernel build tree in KDIR=$(KDIR)"; \
	echo "  The modules are built against the headers of the kernel that"; \
	echo "  will load them.  On Debian or Ubuntu, for the running kernel:"; \
	echo "      apt install linux-headers-$$(uname -r)"; \
	echo "  or name another kernel's tree:"; \
	echo "      make KDIR=/usr/src/linux-headers-VERSION ..."; \
	exit 1; } >&2
endef

modules:
	$(need-kdir)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

setup:
	@tools/testing/setup.sh

# Test suites register themselves in CHECK_SUITES: suite NAME is the make
# target check-NAME and prints TAP on stdout.
CHECK_SUITES :=
include $(wildcard tools/testing/*/*.mk tools/*/*.mk)

check: setup
	@tools/testing/run-suites.sh $(CHECK_SUITES)

# Installing on a host.  kbuild runs depmod only when the tree has a
# System.map, which Debian's headers packages do not ship: depmod runs
# here, for a live install (no INSTALL_MOD_PATH), as kbuild would.
MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)
MODDIRS := drivers/vfio/devstate drivers/vfio/pci/ivshmem drivers/vfio/pci \
	drivers/vfio drivers
run-depmod = $(if $(INSTALL_MOD_PATH),,PATH="$$PATH:/sbin:/usr/sbin" $(DEPMOD) -a $(KREL))

.PHONY: install uninstall dkms-source dkms-install dkms-uninstall
install: modules tool
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	$(run-depmod)
	install -D -m 0755 $(DS_OUT)/vfio-devstate $(DESTDIR)$(PREFIX)/bin/vfio-devstate

uninstall:
	@test -n "$(KREL)" || { echo "vfio-devstate: no kernel release in" \
		"KDIR=$(KDIR); name the kernel with KREL=<uname -r of it>"; \
		exit 1; } >&2
	rm -f $(DESTDIR)$(PREFIX)/bin/vfio-devstate
	rm -f $(MODDIR)/drivers/vfio/devstate/vfio_devstate.ko* \
		$(MODDIR)/drivers/vfio/devstate/vfio_devstate_kunit.ko* \
		$(MODDIR)/drivers/vfio/pci/ivshmem/ivshmem-vfio-pci.ko*
	@for d in $(MODDIRS); do [ ! -d $(MODDIR)/$$d ] || \
		rmdir --ignore-fail-on-non-empty $(MODDIR)/$$d; done
	$(run-depmod)

# DKMS: only what kbuild needs (dkms.conf runs kbuild on Kbuild directly).
DKMS_DIRS := drivers/vfio/devstate drivers/vfio/pci/ivshmem
DKMS_FILES = Kbuild $(wildcard include/*/*.h include/*/*/*.h) \
	$(filter-out %.mod.c,$(wildcard $(foreach d,$(DKMS_DIRS),$(d)/Makefile $(d)/Kconfig \
	$(d)/*.c $(d)/*.h)))

dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf \
		>$(DKMS_SRC)/dkms.conf

dkms-install: dkms-source
	$(need-kdir)
	dkms status vfio-devstate/$(VERSION) | grep -q . || \
		dkms add vfio-devstate/$(VERSION)
	dkms install vfio-devstate/$(VERSION) -k $(KREL)

dkms-uninstall:
	! dkms status vfio-devstate/$(VERSION) | grep -q . || \
		dkms remove vfio-devstate/$(VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(BUILD)

# The "#   make TARGET" lines at the top of this file and of every
# included .mk file (each target once), then every suite of make check.
help:
	@awk 'FNR == 1 { top = FILENAME == "Makefile"; hdr = !top; keep = 0 } \
	/^#   make / { keep = !seen[$$3]++ } \
	keep && hdr && /^#   make / { print FILENAME ":"; hdr = 0 } \
	/^#   make |^#     / { if (keep) print (top ? "" : "  ") substr($$0, 5); next } \
	{ keep = 0 }' Makefile $(filter-out Makefile,$(MAKEFILE_LIST))
	@echo "suites of make check (make check-NAME runs one, TAP):"
	@echo $(addprefix check-,$(CHECK_SUITES)) | fold -s -w 72 | sed 's/^/  /; s/ *$$//'
	@echo "variables: CACHE_DIR=$(CACHE_DIR) KABI=$(KABI) KDIR=$(KDIR)"
	@echo "  VERSION=$(VERSION) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)" \
		"INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR)"
