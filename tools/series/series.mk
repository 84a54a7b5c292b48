# SPDX-License-Identifier: GPL-2.0
#
# The upstream series (tools/series): this tree as patches for Linux 7.3,
# against Debian's linux-source-7.3.
#
#   make series        write it: $(BUILD)/series/patches (the tree with
#                      it committed: $(BUILD)/series/tree)
#   make check-series  the suite (TAP on stdout): git am, an in-tree build
#                      at every patch, checkpatch --strict, kernel-doc

SERIES_OUT ?= $(BUILD)/series

CHECK_SUITES += series

.PHONY: series check-series
series: trixie-setup
	@tools/series/mkseries.sh $(SERIES_OUT)
	@ls $(SERIES_OUT)/patches

check-series:
	$(trixie-ready)
	@tools/series/check-series.sh $(SERIES_OUT)
