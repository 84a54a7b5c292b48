# SPDX-License-Identifier: GPL-2.0
#
# vfio-devstate codec: host builds of the kernel codec sources (unit
# tests, tool, fuzzers, golden streams) and their test suites.
# Included by the top-level Makefile; outputs go to $(BUILD)/devstate.
#
#   make tool                 build $(BUILD)/devstate/vfio-devstate
#   make fuzz FUZZ_SECONDS=N  run each fuzz target for N seconds
#   make fuzz-long            FUZZ_LONG_RUNS (10 M) executions per target,
#                             on a corpus kept in the cache, coverage logged
#   make devstate-golden      regenerate the golden streams (format change!)
#   make check-devstate-uapi / -unit / -tool / -fuzz   one suite, TAP

DS_DIR := drivers/vfio/devstate
DS_T := tools/testing/devstate
DS_OUT := $(BUILD)/devstate
DS_LIB := tools/lib/vfio_devstate
DS_CODEC := $(addprefix $(DS_DIR)/,crc.c encode.c decode.c compat.c text.c) \
	$(addprefix $(DS_LIB)/,crc32c.c desc_parse.c)
DS_HDRS := $(wildcard $(DS_DIR)/*.h $(DS_LIB)/*.h tools/include/*/*.h) \
	include/linux/vfio_devstate.h \
	include/uapi/linux/vfio_devstate.h $(DS_T)/sample.h
DS_CC ?= gcc
DS_CLANG ?= $(firstword $(shell command -v clang-14 clang 2>/dev/null))
DS_CFLAGS := -std=gnu11 -g -O2 -Wall -Wextra -Wno-sign-compare \
	-Wno-unused-parameter -Wno-missing-field-initializers \
	-Itools/include -Iinclude -I$(DS_LIB) -I$(DS_DIR) -I$(DS_T)
DS_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
FUZZ_SECONDS ?= 300
# Seconds per fuzz target within make check.
FUZZ_CHECK_SECONDS ?= 20
# make fuzz-long: executions per target, and the corpus that persists
# (outside the clone, like the other caches) with its coverage.log.
FUZZ_LONG_RUNS ?= 10000000
FUZZ_CORPUS_DIR ?= $(CACHE_DIR)/fuzz-corpus
DS_FUZZERS = $(DS_OUT)/fuzz_decode $(DS_OUT)/fuzz_compat $(DS_OUT)/fuzz_split

CHECK_SUITES += devstate-uapi devstate-unit devstate-tool devstate-fuzz

.PHONY: tool fuzz fuzz-long devstate-golden check-devstate-uapi check-devstate-unit \
	check-devstate-tool check-devstate-fuzz

$(DS_OUT):
	@mkdir -p $@

$(DS_OUT)/test_codec: $(DS_T)/test_codec.c $(DS_T)/sample.c $(DS_CODEC) \
		$(DS_HDRS) | $(DS_OUT)
	$(DS_CC) $(DS_CFLAGS) $(DS_SAN) -o $@ $(filter %.c,$^)

$(DS_OUT)/vfio-devstate: tools/vfio-devstate/vfio-devstate.c $(DS_CODEC) \
		$(DS_HDRS) | $(DS_OUT)
	$(DS_CC) $(DS_CFLAGS) -o $@ $(filter %.c,$^)

$(DS_OUT)/gen_golden: $(DS_T)/gen_golden.c $(DS_T)/sample.c $(DS_CODEC) \
		$(DS_HDRS) | $(DS_OUT)
	$(DS_CC) $(DS_CFLAGS) -o $@ $(filter %.c,$^)

$(DS_OUT)/fuzz_%: $(DS_T)/fuzz_%.c $(DS_T)/sample.c $(DS_CODEC) \
		$(DS_HDRS) | $(DS_OUT)
	$(DS_CLANG) $(DS_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(filter %.c,$^)

# The split target is the decoder's, with the segmentation from the input.
$(DS_OUT)/fuzz_split: $(DS_T)/fuzz_decode.c $(DS_T)/sample.c $(DS_CODEC) \
		$(DS_HDRS) | $(DS_OUT)
	$(DS_CLANG) $(DS_CFLAGS) -DFUZZ_SPLIT -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(filter %.c,$^)

tool: $(DS_OUT)/vfio-devstate

devstate-golden: $(DS_OUT)/gen_golden
	mkdir -p $(DS_T)/golden
	$< $(DS_T)/golden

check-devstate-uapi:
	@$(DS_T)/check-uapi.sh

check-devstate-unit: $(DS_OUT)/test_codec
	@$(DS_OUT)/test_codec

check-devstate-tool: $(DS_OUT)/vfio-devstate $(DS_OUT)/gen_golden
	@$(DS_T)/test_tool.sh $(DS_OUT) $(DS_T)

check-devstate-fuzz:
	@$(DS_T)/run-fuzz.sh $(DS_OUT) $(DS_T) $(FUZZ_CHECK_SECONDS) \
		"$(MAKE) --no-print-directory -s $(DS_FUZZERS)"

fuzz:
	@$(DS_T)/run-fuzz.sh $(DS_OUT) $(DS_T) $(FUZZ_SECONDS) \
		"$(MAKE) --no-print-directory -s $(DS_FUZZERS)"

fuzz-long:
	@mkdir -p $(FUZZ_CORPUS_DIR)
	@FUZZ_RUNS=$(FUZZ_LONG_RUNS) FUZZ_CORPUS=$(FUZZ_CORPUS_DIR) \
		$(DS_T)/run-fuzz.sh $(DS_OUT) $(DS_T) 0 \
		"$(MAKE) --no-print-directory -s $(DS_FUZZERS)"
