#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the vfio-devstate headers compile on their own in user space.
. "$(dirname "$0")/../lib/tap.sh"
# t DESCRIPTION COMMAND...: a test of COMMAND's status, its output if it fails.
t() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
		tap_diag "$out"
	fi
}
tap_begin
t "uapi header alone: gcc -std=c90 -Wall -Werror -fsyntax-only" \
	gcc -std=c90 -Wall -Werror -fsyntax-only -I include/uapi \
	include/uapi/linux/vfio_devstate.h
t "uapi header included from C90 code, -pedantic" sh -c \
	'echo "#include <linux/vfio_devstate.h>
int x = sizeof(struct vfio_devstate_header) == 128 &&
	sizeof(struct vfio_devstate_param) == 48 &&
	sizeof(struct vfio_devstate_section) == 32 &&
	sizeof(struct vfio_devstate_end) == 16 ? 1 : -1;
typedef char check_sizes[sizeof(struct vfio_devstate_header) == 128 ? 1 : -1];" |
	gcc -x c -std=c90 -pedantic -Wall -Werror -fsyntax-only -I include/uapi -'
if command -v g++ >/dev/null; then
	t "uapi header in C++: g++ -Wall -Werror" sh -c \
		'echo "#include <linux/vfio_devstate.h>" |
		g++ -x c++ -Wall -Werror -fsyntax-only -I include/uapi -'
else
	tap_skip "uapi header in C++" "no g++"
fi
t "in-kernel API header builds in user space against tools/include" sh -c \
	'echo "#include <linux/vfio_devstate.h>" |
	gcc -x c -std=gnu11 -Wall -Werror -fsyntax-only -I tools/include \
		-I include -'
spec=Documentation/userspace-api/vfio-devstate.rst
if python3 -c 'import docutils' 2>/dev/null; then
	t "specification is valid reStructuredText" \
		python3 -m docutils --strict "$spec" /dev/null
else
	tap_skip "specification is valid reStructuredText" "no docutils"
fi
tap_done
