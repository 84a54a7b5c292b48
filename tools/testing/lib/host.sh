# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the test bed's host-side bash scripts share: source it.
#
#   CACHE_DIR                 the caches every clone on this machine shares
#                             (the top Makefile exports its own, which wins;
#                             this default is for a script run by hand)
#   apt_missing PKG...        print those of PKG not installed on the host
#   apt_install UPDATE PKG... install those of PKG not installed yet with
#                             apt-get, running the command UPDATE (e.g. the
#                             caller's apt_update, or :) first if one is
#                             missing; fails if apt-get does

CACHE_DIR=${CACHE_DIR:-/var/cache/vfio-devstate}

apt_missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			echo "$p"
	done
}

apt_install() {
	local update=$1 missing
	shift
	missing=$(apt_missing "$@")
	[ -n "$missing" ] || return 0
	$update
	printf '# apt: installing %s\n' "${missing//$'\n'/ }" >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $missing >&2
}
