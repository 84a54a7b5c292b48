# SPDX-License-Identifier: GPL-2.0
#
# Installing on a host: make help against every .PHONY target, then in
# the trixie chroot (tools/testing/trixie) on a copy of the tree: the
# missing-headers message, make install / uninstall and the DKMS package,
# for Debian's 7.3 and 6.12 headers.
#
#   make check-install  the suite (TAP on stdout)

CHECK_SUITES += install

.PHONY: check-install
check-install:
	@tools/testing/install/test-install.sh
