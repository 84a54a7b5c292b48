#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the vfio-devstate headers compile on their own in user space.
n=0 fail=0
t() {
	n=$((n + 1))
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "$out" | sed 's/^/# /'
		fail=1
	fi
}
echo "TAP version 13"
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
	n=$((n + 1))
	echo "ok $n - uapi header in C++ # SKIP no g++"
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
	n=$((n + 1))
	echo "ok $n - specification is valid reStructuredText # SKIP no docutils"
fi
echo "1..$n"
exit $fail
