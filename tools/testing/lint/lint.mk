# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch --strict on every C file and header, sparse on the
# modules; any finding fails. The same run is the TAP suite "lint".

CHECK_SUITES += lint

.PHONY: lint check-lint
lint: setup
	@tools/testing/lint/lint.sh

check-lint:
	@tools/testing/lint/lint.sh
