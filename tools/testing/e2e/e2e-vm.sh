#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end live migration of a QEMU guest with an ivshmem device passed
# through by ivshmem-vfio-pci. Runs inside the test VM (busybox sh), with
# QEMU 10 as the nested QEMU, or, for the native baseline, anywhere.
#
# Modes (E2E_MODE, or the first argument):
#   check   TAP, at QEMU's defaults (no downtime-limit; no
#           enable-migration= where the kernel lets the driver offer DMA
#           logging): what QEMU's defaults do with the device; ping-pong
#           A<->B (64 MiB, E2E_PINGPONG migrations) and D->E (256 MiB)
#           with a guest dirtying a bounded working set; a guest
#           dirtying all of BAR2 nonstop; a refused migration to C;
#           QEMU 10.0 <-> 11.1 where the lane has both
#   demo    one migration and its native twin, with pre-copy shown as it
#           happens, then the refusal
#   bench   vfio migrations and native ones, E2E_BENCH_RUNS of each at
#           each BAR2 size, figures side by side; no timed assertions
#   xfer    through a file on the test VM's disk, to or from another boot
#           (another kernel or driver release): E2E_XFER=import,export
#
# Every migration prints one line:
#   # figures: kind=vfio|native bar2=SIZE dirty=PAGES/S total_ms=N
#     downtime_ms=N precopy_dev_bytes=N stopcopy_dev_bytes=N
# For vfio the device bytes are the driver's own count (debugfs); for an
# emulated device, whose memory QEMU migrates as RAM, they are QEMU's RAM
# precopy-bytes and downtime-bytes, guest RAM included.
#
# Environment: IVSHMEM_A..E (BDFs, set by the test VM's init), E2E_QEMU,
# E2E_GUEST (the nested guest ELF), E2E_DIR (work dir), E2E_PINGPONG,
# E2E_BENCH_RUNS, E2E_DIRTY_WS (working set, pages), E2E_DIRTY_RATE
# (pages/s), E2E_DOWNTIME_LIMIT (ms; empty: QEMU's default),
# E2E_CONVERGE_BOUND (seconds of pre-copy before the operator steps in),
# E2E_VFIO_OPTS (extra vfio-pci options; default: what the kernel needs),
# E2E_TIMEOUT (seconds for one migration), E2E_VERBOSE=1 (QMP on stderr).

set -eu

mode=${1:-${E2E_MODE:-${e2emode:-check}}}
# The nested QEMUs: QEMU 10.0 (bookworm-backports), and QEMU 11.1
# (trixie-backports) where the lane put it in (tools/testing/e2e/prepare.sh
# E2E_QEMU11=1).  E2E_QEMU_MAIN=11.1 (boot option e2eqemu=11.1) makes 11.1
# the one the flows use; both run the QEMU cross flow.
qemu10=qemu-system-x86_64
qemu11=qemu-system-x86_64-11.1
case ${E2E_QEMU_MAIN:-${e2eqemu:-10.0}} in
11*) qemu=${E2E_QEMU:-$qemu11} ;;
*) qemu=${E2E_QEMU:-$qemu10} ;;
esac
guest=${E2E_GUEST:-/usr/share/e2e/e2e-guest.elf}
dir=${E2E_DIR:-/tmp/e2e}
pingpong=${E2E_PINGPONG:-${e2epingpong:-2}}
bench_runs=${E2E_BENCH_RUNS:-${e2ebenchruns:-3}}
# QEMU switches over once it expects the rest (RAM still dirty, and the
# device's MIG_DATA_SIZE: registers and the pages still dirty) to go
# within downtime-limit at the bandwidth it measured.  Empty: QEMU's
# default, 300 ms.
downtime_limit=${E2E_DOWNTIME_LIMIT:-${e2edowntimelimit:-}}
# The nested guest's working set and dirty rate (pages per second).
dirty_ws=${E2E_DIRTY_WS:-${e2edirtyws:-1024}}
dirty_rate=${E2E_DIRTY_RATE:-${e2edirtyrate:-500}}
# A pre-copy that cannot converge (the guest rewrites all of BAR2) and
# has not after this many seconds is what an operator (libvirt's
# migrate-setmaxdowntime) resolves by allowing a longer downtime:
# escalate_limit ms.
converge_bound=${E2E_CONVERGE_BOUND:-${e2econvergebound:-30}}
escalate_limit=20000
# The downtime-limit where the kernel cannot give QEMU DMA dirty logs.
type1_limit=${E2E_TYPE1_LIMIT:-8000}
mig_timeout=${E2E_TIMEOUT:-400}
# check mode: "full" (everything above) or "basic" (what QEMU's defaults
# do, the 64 MiB ping-pong, the refusal).
flows=${E2E_FLOWS:-${e2eflows:-full}}
verbose=${E2E_VERBOSE:-0}
mem=${E2E_GUEST_MEM:-32}

mkdir -p "$dir"
rm -f "$dir"/*.serial "$dir"/*.qmp "$dir"/*.qout "$dir"/*.qin \
	"$dir"/*.log "$dir"/mig.sock

# --- output ------------------------------------------------------------------

# The TAP library: in the tree on the host, where prepare.sh put it in the
# test VM.
tap_lib=$(dirname "$0")/../lib/tap.sh
[ -f "$tap_lib" ] || tap_lib=/usr/share/e2e/tap.sh
# shellcheck disable=SC1090 # one of two copies
. "$tap_lib"
tap() { # ok|not-ok DESCRIPTION
	if [ "$mode" = demo ]; then
		if [ "$1" = ok ]; then
			echo "e2e: PASS: $2"
		else
			echo "e2e: FAIL: $2"
			tap_failed=$((tap_failed + 1))
		fi
	elif [ "$1" = ok ]; then
		tap_ok "$2"
	else
		tap_not_ok "$2"
	fi
}
check() { # DESCRIPTION COMMAND...: a TAP line from COMMAND's status
	local d=$1
	shift
	if "$@"; then tap ok "$d"; else tap not-ok "$d"; fi
}
say() { # progress, readable in demo mode, a TAP comment otherwise
	if [ "$mode" = demo ]; then echo "e2e: $*"; else echo "# $*"; fi
}
indent() {
	if [ "$mode" = demo ]; then sed 's/^/e2e:      /'; else sed 's/^/#     /'; fi
}
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# --- QMP over a persistent socat connection ------------------------------------
#
# qmp_open NAME: connect to $dir/NAME.qmp; the commands go through the
# fifo NAME.qin (kept open on a file descriptor of this shell), the
# answers and events accumulate in NAME.qout.

fd_next=5
qmp_open() {
	local name=$1 i=0 fd
	while [ ! -S "$dir/$name.qmp" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.1
	done
	rm -f "$dir/$name.qin"
	mkfifo "$dir/$name.qin"
	: >"$dir/$name.qout"
	socat - "UNIX-CONNECT:$dir/$name.qmp" <"$dir/$name.qin" \
		>"$dir/$name.qout" 2>"$dir/$name.socat.log" &
	eval "qpid_socat_$name=$!"
	fd=$fd_next
	fd_next=$((fd_next + 1))
	[ $fd_next -le 9 ] || fd_next=5
	eval "exec $fd>\"$dir/$name.qin\""
	eval "qfd_$name=$fd"
	echo 0 >"$dir/$name.qid"
	qmp "$name" '"qmp_capabilities"' >/dev/null
}

qmp_close() {
	local name=$1 fd p
	eval "fd=\${qfd_$name:-}"
	[ -n "$fd" ] || return 0
	eval "exec $fd>&-"
	eval "qfd_$name="
	eval "p=\${qpid_socat_$name:-}"
	[ -n "$p" ] && wait "$p" 2>/dev/null || true
}

# qmp NAME 'COMMAND'[ 'ARGUMENTS-JSON']: print the answer line.
qmp() {
	local name=$1 cmd=$2 qargs=${3:-} fd id line ans i
	# Callers often run in a subshell ($(qmp ...)): count in a file.
	eval "fd=\$qfd_$name"
	id=$(($(cat "$dir/$name.qid") + 1))
	echo $id >"$dir/$name.qid"
	if [ -n "$qargs" ]; then
		line="{\"execute\": $cmd, \"arguments\": $qargs, \"id\": $id}"
	else
		line="{\"execute\": $cmd, \"id\": $id}"
	fi
	[ "$verbose" = 1 ] && echo "qmp $name <- $line" >&2
	echo "$line" >&"$fd"
	i=0
	while :; do
		ans=$(grep -E "\"id\": $id[,}]" "$dir/$name.qout" | tail -n 1 || true)
		[ -n "$ans" ] && break
		i=$((i + 1))
		if [ $i -ge 600 ]; then
			echo "qmp $name: no answer to $line" >&2
			return 1
		fi
		sleep 0.1
	done
	[ "$verbose" = 1 ] && echo "qmp $name -> $ans" >&2
	echo "$ans"
	case $ans in
	*'"error"'*) return 1 ;;
	esac
}

# json_num KEY TEXT: the first number after "KEY": in TEXT.
json_num() {
	echo "$2" | grep -o "\"$1\": [0-9]*" | head -n 1 | sed 's/.*: //'
}
json_str() {
	echo "$2" | grep -o "\"$1\": \"[^\"]*\"" | head -n 1 |
		sed 's/^[^:]*: "//; s/"$//'
}

# --- nested QEMUs --------------------------------------------------------------
#
# start_vm NAME DEVICE [incoming]: DEVICE is vfio:BDF or emul:SIZE.

start_vm() {
	local name=$1 dev=$2 inc=${3:-} devargs incargs
	case $dev in
	vfio:*)
		devargs="-device vfio-pci,host=${dev#vfio:},id=shm,addr=0x5${vfio_opts:+,$vfio_opts}"
		;;
	emul:*)
		devargs="-object memory-backend-ram,id=shmmem,size=${dev#emul:},share=on"
		devargs="$devargs -device ivshmem-plain,id=shm,memdev=shmmem,master=on,addr=0x5"
		;;
	esac
	incargs=
	[ -n "$inc" ] && incargs="-incoming defer"
	: >"$dir/$name.serial"
	# Word splitting of devargs and incargs is wanted.
	# shellcheck disable=SC2086
	# vm_qemu, vm_machine: this QEMU's binary and machine type (the
	# cross-version flow sets them); QEMU 11.1 traces its switchover-ack
	# handling, for the checks of migrate_ok.
	q=${vm_qemu:-$qemu}
	eval "qemu_$name=\$q"
	case $q in *-11.1) devargs="$devargs -trace *switchover_ack*" ;; esac
	set -- -name "$name" -accel tcg,tb-size=64 -M "${vm_machine:-q35}" -m "$mem" \
		-nodefaults -no-user-config -display none -monitor none \
		-serial "file:$dir/$name.serial" \
		-qmp "unix:$dir/$name.qmp,server=on,wait=off" \
		-kernel "$guest" -append "${guest_args:-}" $devargs $incargs \
		${E2E_QEMU_ARGS:-}
	echo "$q $*" >"$dir/$name.cmdline"
	eval "dev_$name=\${dev#*:}"
	timeout -k 5 1800 "$q" "$@" >"$dir/$name.log" 2>&1 &
	eval "qpid_$name=$!"
	qmp_open "$name"
}

# stop_vm NAME: quit QEMU NAME (if it still runs) and reap it.
stop_vm() {
	local name=$1 p rc
	eval "p=\${qpid_$name:-}"
	[ -n "$p" ] || return 0
	if kill -0 "$p" 2>/dev/null; then
		qmp "$name" '"quit"' >/dev/null 2>&1 || kill "$p" 2>/dev/null || true
	fi
	qmp_close "$name"
	rc=0
	wait "$p" 2>/dev/null || rc=$?
	eval "qpid_$name="
	return 0
}

cleanup() {
	for v in $(set | sed -n 's/^qpid_\([a-z0-9]*\)=.*/\1/p'); do
		case $v in socat_*) continue ;; esac
		stop_vm "$v" 2>/dev/null || true
	done
}
trap cleanup EXIT

# vm_status NAME: QEMU NAME's run state (running, postmigrate, ...).
vm_status() {
	json_str status "$(qmp "$1" '"query-status"' 2>/dev/null || true)"
}

rounds_ok() { # NAME: number of "round N ok" lines in its serial output
	grep -c 'e2e-guest: round [0-9]* ok' "$dir/$1.serial" 2>/dev/null || true
}
guest_bad() { # NAME: the guest reported a mismatch or a fatal error
	grep -qE 'MISMATCH|FAIL|FATAL' "$dir/$1.serial" 2>/dev/null
}

# wait_rounds NAME COUNT [SECONDS]: wait until NAME's guest reported
# COUNT more good rounds than now; fail on a bad line.
wait_rounds() {
	local name=$1 want=$(($(rounds_ok "$1") + $2)) limit=$((${3:-60} * 10)) i=0
	while [ "$(rounds_ok "$name")" -lt $want ]; do
		guest_bad "$name" && return 1
		i=$((i + 1))
		[ $i -lt $limit ] || return 1
		sleep 0.1
	done
	! guest_bad "$name"
}

# show_guest_errors NAME [SOURCE]: what went wrong in QEMU NAME's guest;
# the first mismatch may have been found before it migrated, on SOURCE.
show_guest_errors() {
	if [ -n "${2:-}" ] && grep -q MISMATCH "$dir/$2.serial" 2>/dev/null; then
		say "on the source, $2, before the migration:"
		grep -E 'MISMATCH|FATAL' "$dir/$2.serial" | head -n 10 | indent
	fi
	grep -E 'MISMATCH|FAIL|FATAL' "$dir/$1.serial" | head -n 20 | indent
	tail -n 5 "$dir/$1.log" | indent
}

# --- one migration -------------------------------------------------------------
#
# migrate SRC DST: migrate QEMU SRC to the waiting QEMU DST (started with
# "incoming"), polling query-migrate. Sets mig_status, mig_error, and the
# figures mig_total, mig_downtime, mig_setup, mig_ram, mig_vfio (bytes),
# mig_wall (ms, as seen from here).
caps='{"capabilities": [{"capability": "return-path", "state": true}, {"capability": "switchover-ack", "state": true}]}'

migrate() {
	src=$1 dst=$2
	mig_status= mig_error= mig_total= mig_downtime= mig_ram= mig_vfio=
	mig_setup= mig_escalated=0
	qmp "$dst" '"migrate-set-capabilities"' "$caps" >/dev/null || {
		mig_status=setup-error mig_error="destination refused the capabilities"
		return 0
	}
	qmp "$dst" '"migrate-incoming"' "{\"uri\": \"unix:$dir/mig.sock\"}" \
		>/dev/null
	qmp "$src" '"migrate-set-capabilities"' "$caps" >/dev/null
	if [ -n "$downtime_limit" ]; then
		qmp "$src" '"migrate-set-parameters"' \
			"{\"downtime-limit\": $downtime_limit}" >/dev/null
	fi
	t0=$(now_ms)
	if ! ans=$(qmp "$src" '"migrate"' "{\"uri\": \"unix:$dir/mig.sock\"}"); then
		mig_status=error mig_error=$(json_str desc "$ans")
		return 0
	fi
	last= shown=0
	while :; do
		ans=$(qmp "$src" '"query-migrate"') || true
		mig_status=$(json_str status "$ans")
		case $mig_status in
		completed | failed | cancelled) break ;;
		esac
		if [ "$mode" = demo ] && { [ "$mig_status" != "$last" ] ||
			[ $(($(now_ms) - shown)) -ge 1000 ]; }; then
			demo_progress "$ans"
			last=$mig_status shown=$(now_ms)
		fi
		# Only for a guest that cannot converge: a bounded one must.
		if [ "$mig_escalated" = 0 ] && [ -z "${guest_args:-}" ] &&
			[ $(($(now_ms) - t0)) -gt $((converge_bound * 1000)) ]; then
			say "pre-copy has not converged in ${converge_bound} s:" \
				"allowing a downtime of ${escalate_limit} ms"
			qmp "$src" '"migrate-set-parameters"' \
				"{\"downtime-limit\": $escalate_limit}" >/dev/null
			mig_escalated=1
		fi
		if [ $(($(now_ms) - t0)) -gt $((mig_timeout * 1000)) ]; then
			qmp "$src" '"migrate_cancel"' >/dev/null 2>&1 || true
			mig_status=timeout
			break
		fi
		sleep 0.2
	done
	mig_wall=$(($(now_ms) - t0))
	mig_error=$(json_str error-desc "$ans")
	mig_total=$(json_num total-time "$ans")
	mig_downtime=$(json_num downtime "$ans")
	mig_setup=$(json_num setup-time "$ans")
	# "ram": {"transferred": N, ...}, "vfio": {"transferred": N}
	mig_ram=$(echo "$ans" | grep -o '"ram": {[^}]*}' |
		grep -o '"transferred": [0-9]*' | sed 's/.*: //')
	mig_vfio=$(echo "$ans" | grep -o '"vfio": {[^}]*}' |
		grep -o '"transferred": [0-9]*' | sed 's/.*: //')
	mig_ram_pre=$(echo "$ans" | grep -o '"ram": {[^}]*}' |
		grep -o '"precopy-bytes": [0-9]*' | sed 's/.*: //')
	mig_ram_down=$(echo "$ans" | grep -o '"ram": {[^}]*}' |
		grep -o '"downtime-bytes": [0-9]*' | sed 's/.*: //')
	if [ "$verbose" = 1 ]; then echo "query-migrate: $ans" >&2; fi
	return 0
}

mib() {
	echo $((${1:-0} / 1048576))
}

# dev_stat BDF KEY: a field of the driver's debugfs view of its saving
# streams, or nothing.
dev_stat() {
	sed -n "s/^$2 //p" "/sys/kernel/debug/ivshmem-vfio-pci/$1/save" \
		2>/dev/null
}

demo_progress() { # QUERY-MIGRATE-ANSWER
	r=$(echo "$1" | grep -o '"ram": {[^}]*}' || true)
	v=$(echo "$1" | grep -o '"vfio": {[^}]*}' || true)
	line="e2e:    $(json_str status "$1"): RAM pass $(json_num dirty-sync-count "$r"),"
	line="$line $(mib "$(json_num transferred "$r")") MiB sent in all"
	if [ -n "${src_bdf:-}" ]; then
		line="$line; device: $(mib "$(dev_stat "$src_bdf" current_bytes)") MiB read,"
		line="$line pass $(dev_stat "$src_bdf" current_passes),"
		line="$line $(dev_stat "$src_bdf" dirty_pages) pages dirty now"
	fi
	echo "$line"
}

figures() {
	echo "total ${mig_total:-?} ms, downtime ${mig_downtime:-?} ms," \
		"setup ${mig_setup:-?} ms, stream ${mig_ram:-0} B," \
		"vfio ${mig_vfio:-0} B, wall ${mig_wall:-?} ms"
}

# The figures line of the migration just done: KIND (vfio|native) SIZE.
figures_line() {
	local pre stop
	if [ "$1" = vfio ]; then
		pre=$(dev_stat "$src_bdf" last_precopy_bytes)
		stop=$(dev_stat "$src_bdf" last_stopcopy_bytes)
	else
		pre=$mig_ram_pre stop=$mig_ram_down
	fi
	fig_pre=${pre:-0} fig_stop=${stop:-0}
	if [ "$mode" = demo ]; then
		if [ "$1" = vfio ]; then
			echo "e2e:    device state: $(mib "$fig_pre") MiB sent while the guest ran ($(dev_stat "$src_bdf" last_precopy_passes) passes over BAR2), $fig_stop bytes while it was stopped ($(dev_stat "$src_bdf" last_stopcopy_dirty_pages) dirty pages)"
		else
			echo "e2e:    RAM and device memory: $(mib "$fig_pre") MiB sent while the guest ran, $fig_stop bytes while it was stopped"
		fi
		echo "e2e:    downtime ${mig_downtime:-?} ms of ${mig_total:-?} ms in all"
	fi
	echo "# figures: kind=$1 bar2=$2 dirty=$(rate_label) total_ms=${mig_total:-0} downtime_ms=${mig_downtime:-0} precopy_dev_bytes=$fig_pre stopcopy_dev_bytes=$fig_stop"
	echo "$1 $2 $(rate_label) ${mig_total:-0} ${mig_downtime:-0} $fig_pre $fig_stop" >>"$dir/figures"
}

# The nested guest's dirty rate in the figures: pages/s, "max" for all
# of BAR2 as fast as it can, 0 for an idle guest.
rate_label() {
	case ${guest_args:-} in
	"") echo max ;;
	*idle=1*) echo 0 ;;
	*) echo "${guest_args##*rate=}" | sed 's/ .*//' ;;
	esac
}

# A successful migration SRC -> DST of the running guest: asserts and
# figures. The source QEMU is quit afterwards.
migrate_ok() { # LABEL SRC DST KIND SIZE
	label=$1 src=$2 dst=$3 dst_serial=$dir/$3.serial
	eval "src_bdf=\${bdf_$2:-}"
	migrate "$src" "$dst"
	if [ "$mig_status" = completed ]; then
		esc=
		[ "$mig_escalated" = 1 ] &&
			esc=", after the operator raised downtime-limit to $escalate_limit ms"
		tap ok "$label: migration completed ($(figures)$esc)"
	else
		tap not-ok "$label: migration $mig_status${mig_error:+: $mig_error}"
		tail -n 5 "$dir/$dst.log" | indent
		eval "bdf=\$dev_$dst"
		say "kernel messages about $bdf:"
		dmesg | grep -F "$bdf" | tail -n 4 | indent
		return 1
	fi
	figures_line "$4" "$5"
	# A bounded working set must converge at QEMU's default
	# downtime-limit; another limit (type1) depends on the bandwidth.
	if [ "$(rate_label)" != max ] && [ -z "$downtime_limit" ]; then
		check "$label: pre-copy converged at QEMU's default downtime-limit (300 ms)" \
			[ "$mig_escalated" = 0 ]
	fi
	s=$(vm_status "$src") d=$(vm_status "$dst")
	check "$label: source is $s, destination is $d" \
		test "$s" = postmigrate -a "$d" = running
	if wait_rounds "$dst" 2 90; then
		[ "$mode" = demo ] && echo "e2e:    destination guest says:" \
			"$(grep 'e2e-guest: round' "$dst_serial" | tail -n 1)"
		tap ok "$label: destination guest verified BAR2 and registers ($(rounds_ok "$dst") rounds reported, no mismatch)"
	elif [ "$4" = native ]; then
		# The baseline is QEMU's own migration of an emulated device:
		# what it gets wrong is QEMU's (TCG dirty logging was seen to
		# lose a write), reported here, not a failure of this driver.
		say "native baseline: the destination guest found a mismatch after QEMU's own migration:"
		show_guest_errors "$dst" "$src"
		echo "$label" >>"$dir/native.mismatch"
	else
		tap not-ok "$label: destination guest verification"
		show_guest_errors "$dst" "$src"
	fi
	[ "$4" = vfio ] && precopy_v2_checks "$label" "$src" "$dst"
	stop_vm "$src"
}

# QEMU 11.1 opts in to PRECOPY_INFO v2 where the kernel has it (7.x) and
# asks the destination for a switchover-ack again whenever the device
# reports REINIT; this driver never does (its initial data, the stream
# header, never changes), so each device is acked once.  The checks read
# the source's view before it quits (the opt-in ends with the last close).
precopy_v2_checks() { # LABEL SRC DST
	local q v2 acks req
	eval "q=\$qemu_$2"
	case $q in *-11.1) ;; *) return 0 ;; esac
	case $(uname -r) in [0-6].*) return 0 ;; esac
	v2=$(dev_stat "$src_bdf" precopy_info_v2)
	check "$1: QEMU 11.1 opted in to PRECOPY_INFO v2 (debugfs precopy_info_v2=${v2:-none}; $(grep -c 'precopy info v2' "$dir/$2.log" || true) warnings)" \
		eval '[ "$v2" = 1 ] && ! grep -q "precopy info v2" "$dir/$2.log"'
	# A QEMU 10.0 destination speaks the older protocol: the source
	# requests its one ack at the start ("legacy").  Only a REINIT makes
	# vfio request another.
	say "$1: the source's switchover-ack trace:"
	grep 'switchover_ack' "$dir/$2.log" | sed 's/^[0-9@.]* *//' | head -n 8 | indent
	acks=$(grep -c 'switchover_acked' "$dir/$2.log" || true)
	req=$(grep -c 'vfio_query_precopy_size_request_switchover_ack' "$dir/$2.log" || true)
	check "$1: switchover-ack: the destination acked ($acks), no REINIT asked for another ($req requests from vfio)" \
		[ "$acks" -ge 1 -a "$req" = 0 ]
}

# QEMU 10.0 -> 11.1 (an upgrade) and 11.1 -> 10.0 (its rollback), both
# with machine type pc-q35-10.0, which both know; needs QEMU 11.1.
qemu_cross_flow() {
	local a b
	command -v "$qemu11" >/dev/null || return 0
	a=$(bdf_or_die A) || return 0
	b=$(bdf_or_die B) || return 0
	say "QEMU versions: $($qemu10 --version | head -n 1) and $($qemu11 --version | head -n 1), machine pc-q35-10.0"
	vm_machine=pc-q35-10.0
	vm_qemu=$qemu10
	boot_source xv1 "vfio:$a" || { vm_machine= vm_qemu=; return 0; }
	vm_qemu=$qemu11
	start_vm xv2 "vfio:$b" incoming
	bdf_xv2=$b
	if migrate_ok "QEMU 10.0 -> 11.1 (A->B)" xv1 xv2 vfio 64M; then
		vm_qemu=$qemu10
		start_vm xv3 "vfio:$a" incoming
		bdf_xv3=$a
		migrate_ok "QEMU 11.1 -> 10.0, the rollback (B->A)" xv2 xv3 vfio 64M ||
			stop_vm xv2
		stop_vm xv3
	else
		stop_vm xv2
		stop_vm xv1
	fi
	vm_machine= vm_qemu=
}

bdf_or_die() { # NAME: BDF of ivshmem NAME, or a failed test
	eval "b=\${IVSHMEM_$1:-}"
	if [ -z "$b" ] || [ ! -e "/sys/bus/pci/devices/$b" ]; then
		tap not-ok "ivshmem $1 present (IVSHMEM_$1=${b:-unset})"
		return 1
	fi
	echo "$b"
}

qemu_version() {
	"$qemu" --version | head -n 1
}

# --- the flows -----------------------------------------------------------------

boot_source() { # NAME DEVICE
	start_vm "$1" "$2"
	eval "bdf_$1=\${2#vfio:}"
	if wait_rounds "$1" 2 120; then
		tap ok "guest on $1 running: $(grep -m1 'e2e-guest: dev' \
			"$dir/$1.serial" | sed 's/e2e-guest: //'), $(grep -m1 'e2e-guest: mode' \
			"$dir/$1.serial" | sed 's/e2e-guest: //')"
	else
		tap not-ok "guest on $1 running"
		show_guest_errors "$1"
		return 1
	fi
}

# What QEMU's defaults do with the device.  Where the kernel lets the
# driver offer DMA logging, vfio-pci takes it with no option and no
# warning, and the flows run so.  Where it cannot (the vfio core of a
# kernel without CONFIG_IOMMUFD_DRIVER fails every dirty report), QEMU's
# defaults block the migration, and the flows add enable-migration=on.
defaults_flow() {
	a=$(bdf_or_die A) || return 0
	vfio_opts=${E2E_VFIO_OPTS:-}
	guest_args="ws=$dirty_ws rate=$dirty_rate"
	boot_source dflt "vfio:$a" || return 0
	if dmesg | grep -q "DMA logging not offered"; then
		ans=$(qmp dflt '"migrate"' "{\"uri\": \"unix:$dir/nowhere.sock\"}" || true)
		err=$(json_str desc "$ans")
		check "QEMU defaults: this kernel cannot report DMA dirty logs, and QEMU blocks the migration: ${err:-no error}" \
			eval 'echo "$err" | grep -q "dirty tracking"'
		vfio_opts=${E2E_VFIO_OPTS-enable-migration=on}
		# The type1 IOMMU then reports all DMA-mapped guest RAM dirty
		# at every sync: at the 300 ms default that never converges
		# under nested TCG (a few MB/s), whatever the device sends.
		# Allow the time to resend the guest's RAM, but not BAR2 too,
		# so that QEMU still waits for the device's pre-copy.
		downtime_limit=${downtime_limit:-$type1_limit}
		say "so the flows below use vfio-pci,$vfio_opts and downtime-limit $downtime_limit ms"
	else
		w=$(grep -c "dirty tracking" "$dir/dflt.log" || true)
		check "QEMU defaults: vfio-pci took the device with no enable-migration= and no dirty-tracking warning ($w warnings)" \
			[ "$w" = 0 ]
	fi
	stop_vm dflt
}

refused_flow() { # SRC: migrate SRC's guest to device C, must be refused
	src=$1
	c=$(bdf_or_die C) || return 0
	dmesg_before=$(dmesg | wc -l)
	start_vm incompat "vfio:$c" incoming
	say "migrating $src to ivshmem C ($c, $(bar2_mib "$c") MiB BAR2):" \
		"the destination must refuse it"
	before=$(rounds_ok "$src")
	stops=$(grep -c '"event": "STOP"' "$dir/$src.qout" || true)
	migrate "$src" incompat
	check "refused: migration to C failed (status $mig_status: ${mig_error:-no error text})" \
		[ "$mig_status" = failed ]
	s=$(vm_status "$src")
	check "refused: source still $s after the failure" [ "$s" = running ]
	check "refused: the source was never stopped (no STOP event)" \
		[ "$(grep -c '"event": "STOP"' "$dir/$src.qout" || true)" = "$stops" ]
	if wait_rounds "$src" 2 60 && [ "$(rounds_ok "$src")" -gt "$before" ]; then
		tap ok "refused: source guest keeps running, BAR2 and registers intact ($(rounds_ok "$src") rounds, no mismatch)"
	else
		tap not-ok "refused: source guest keeps running with its device state"
		show_guest_errors "$src"
	fi
	err=$(cat "/sys/bus/pci/devices/$c/vfio_devstate/last_error" 2>/dev/null || true)
	check "refused: C's vfio_devstate/last_error: ${err:-empty}" \
		eval 'echo "$err" | grep -q bar2_size'
	msg=$(dmesg | tail -n +"$((dmesg_before + 1))" | grep -F "$c" |
		grep -i bar2_size | head -n 1 || true)
	check "refused: reason in dmesg: ${msg:-none}" [ -n "$msg" ]
	say "destination QEMU said:"
	tail -n 3 "$dir/incompat.log" | indent
	i=0
	while eval "kill -0 \$qpid_incompat" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stop_vm incompat
}

bar2_mib() {
	sed -n 3p "/sys/bus/pci/devices/$1/resource" | {
		read -r s e _
		echo $(((e - s + 1) >> 20))
	}
}

# vfio_flow FROM TO COUNT [TAG]: COUNT migrations between ivshmem FROM
# and TO, back and forth, with the guest_args set; leaves the running
# QEMU's name in $cur.  vm_seq numbers the QEMUs of the whole run.
vm_seq=0
vfio_flow() {
	local from=$1 to=$2 total=$3 x y k=1 size next
	x=$(bdf_or_die "$from") || return 0
	y=$(bdf_or_die "$to") || return 0
	size=$(bar2_mib "$x")M
	say "source: guest ($guest_args) on ivshmem $from ($x, $size), destination: ivshmem $to ($y)"
	vm_seq=$((vm_seq + 1))
	cur=vm$vm_seq
	boot_source "$cur" "vfio:$x" || { cur=; return 0; }
	[ "$vm_seq" = 1 ] && say "source command line: $(cat "$dir/$cur.cmdline")"
	cur_dev=$x other=$y
	while [ $k -le "$total" ]; do
		vm_seq=$((vm_seq + 1))
		next=vm$vm_seq
		start_vm "$next" "vfio:$other" incoming
		eval "bdf_$next=\$other"
		[ "$vm_seq" = 2 ] && say "destination command line: $(cat "$dir/$next.cmdline")"
		if [ "$cur_dev" = "$x" ]; then f=$from t=$to; else f=$to t=$from; fi
		say "migration $k/$total: $f -> $t"
		migrate_ok "${label_prefix:-}migration $k ($f->$t, $size)" "$cur" "$next" vfio "$size" ||
			{ stop_vm "$next"; stop_vm "$cur"; cur=; return 0; }
		t=$other other=$cur_dev cur_dev=$t cur=$next
		k=$((k + 1))
	done
}

native_flow() { # RUNS SIZE
	local runs=$1 size=$2 k=1
	vm_seq=$((vm_seq + 1))
	cur=nat$vm_seq
	start_vm "$cur" "emul:$size"
	if ! wait_rounds "$cur" 2 120; then
		tap not-ok "native: guest with emulated ivshmem-plain ($size) running"
		show_guest_errors "$cur"
		stop_vm "$cur"
		return 0
	fi
	while [ $k -le "$runs" ]; do
		vm_seq=$((vm_seq + 1))
		start_vm "nat$vm_seq" "emul:$size" incoming
		migrate_ok "native migration $k ($size)" "$cur" "nat$vm_seq" native "$size" ||
			{ stop_vm "nat$vm_seq"; stop_vm "$cur"; return 0; }
		cur=nat$vm_seq
		k=$((k + 1))
	done
	stop_vm "$cur"
}

# The figures table: average (min-max) per kind, size and dirty rate.
print_table() {
	[ -s "$dir/figures" ] || return 0
	echo "# migration figures, average (min-max), $mem MiB guest RAM:"
	printf '#   %-7s %5s %5s %4s %18s %18s %13s %13s\n' kind bar2 dirty runs \
		"total ms" "downtime ms" "precopy B" "stopcopy B"
	awk '{ k = $1 " " $2 " " $3; n[k]++; o[k] = o[k] ? o[k] : NR
		for (i = 4; i <= 7; i++) { s[k, i] += $i
			if (n[k] == 1 || $i < lo[k, i]) lo[k, i] = $i
			if (n[k] == 1 || $i > hi[k, i]) hi[k, i] = $i } }
	END { for (k in n) { split(k, f, " ")
		printf "%d #   %-7s %5s %5s %4d %18s %18s %13d %13d\n", o[k], f[1], f[2], f[3], n[k],
			sprintf("%.0f (%d-%d)", s[k, 4] / n[k], lo[k, 4], hi[k, 4]),
			sprintf("%.0f (%d-%d)", s[k, 5] / n[k], lo[k, 5], hi[k, 5]),
			s[k, 6] / n[k], s[k, 7] / n[k] } }' "$dir/figures" |
		sort -n | cut -d' ' -f2-
	if [ -s "$dir/native.mismatch" ]; then
		echo "# native migrations whose destination guest found a mismatch: $(wc -l <"$dir/native.mismatch")"
	fi
}

# --- migration through a file, across boots ------------------------------------
#
# xfer mode moves a guest from one boot of the test VM to the next (another
# kernel, another driver release) through a QEMU migration to a file,
# kept on the test VM's disk (virtio-blk, /dev/vda): a 512-byte label
# "e2e-stream LENGTH ORIGIN", then the stream from 1 MiB on.  As virsh
# save does, the guest is paused first and the file holds one stop-copy
# pass (a file has no return path, hence no switchover-ack); the restored
# guest is paused too until told to continue.  A paused guest needs no
# dirty tracking, so vfio-pci has enable-migration=on here on any kernel.
xfer_disk=${E2E_XFER_DISK:-/dev/vda}
xfer_origin=${E2E_XFER_ORIGIN:-${e2exferorigin:-$(uname -r)}}

# migrate_file SRC FILE: QEMU SRC's guest to FILE; sets mig_status.
migrate_file() {
	local ans i=0
	mig_status= mig_error=
	ans=$(qmp "$1" '"migrate"' "{\"uri\": \"file:$2\"}") || {
		mig_status=error mig_error=$(json_str desc "$ans")
		return 0
	}
	while [ $i -lt $((mig_timeout * 5)) ]; do
		ans=$(qmp "$1" '"query-migrate"') || true
		mig_status=$(json_str status "$ans")
		case $mig_status in completed | failed | cancelled) break ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	mig_error=$(json_str error-desc "$ans")
}

xfer_export() {
	local a len
	a=$(bdf_or_die A) || return 0
	vfio_opts=enable-migration=on
	guest_args="ws=$dirty_ws rate=$dirty_rate"
	fmt=${E2E_XFER_FORMAT:-${e2exferformat:-}}
	if [ -n "$fmt" ]; then
		attr=/sys/bus/pci/devices/$a/vfio_devstate/format_version
		echo "$fmt" >"$attr" 2>/dev/null || true
		check "export: format_version set to $fmt for a reader that may be older (reads $(cat "$attr" 2>/dev/null))" \
			[ "$(cat "$attr" 2>/dev/null)" = "$fmt" ]
	fi
	boot_source xsrc "vfio:$a" || return 0
	rm -f "$dir/stream"
	qmp xsrc '"stop"' >/dev/null || true
	# A paused guest has no downtime to bound, but QEMU still iterates
	# until the rest fits in downtime-limit: the type1 IOMMU reports all
	# DMA-mapped RAM dirty at every sync, which the 300 ms default may
	# never fit.  One pass is what is wanted.
	qmp xsrc '"migrate-set-parameters"' '{"downtime-limit": 60000}' >/dev/null
	migrate_file xsrc "$dir/stream"
	len=$(stat -c %s "$dir/stream" 2>/dev/null || echo 0)
	check "export: the guest on A ($xfer_origin) saved to a file ($mig_status${mig_error:+: $mig_error}, $len bytes)" \
		[ "$mig_status" = completed -a "$len" -gt 0 ]
	sec=$(dev_stat "$a" last_stopcopy_bytes || true)
	say "export: the driver wrote ${sec:-(no debugfs in this release)} bytes of device state"
	stop_vm xsrc
	[ "$mig_status" = completed ] || return 0
	printf 'e2e-stream %s %s\n' "$len" "$xfer_origin" |
		dd of="$xfer_disk" bs=512 count=1 conv=sync 2>/dev/null &&
		dd if="$dir/stream" of="$xfer_disk" bs=1M seek=1 conv=fsync 2>/dev/null
	check "export: the stream is on the disk for the next boot" [ $? = 0 ]
}

xfer_import() {
	local a label len origin st i=0
	a=$(bdf_or_die A) || return 0
	vfio_opts=enable-migration=on
	label=$(dd if="$xfer_disk" bs=512 count=1 2>/dev/null | head -n 1)
	set -- $label
	if [ "${1:-}" != e2e-stream ]; then
		tap not-ok "import: a stream on the disk (found: ${label:-nothing})"
		return 0
	fi
	len=$2 origin=$3
	dd if="$xfer_disk" of="$dir/stream" bs=1M skip=1 count=$(((len >> 20) + 1)) 2>/dev/null
	truncate -s "$len" "$dir/stream"
	# The same command line as the source's: the guest reads it no more.
	guest_args="ws=$dirty_ws rate=$dirty_rate"
	start_vm xdst "vfio:$a" incoming
	qmp xdst '"migrate-incoming"' "{\"uri\": \"file:$dir/stream\"}" >/dev/null || true
	# inmigrate while loading, then paused, as the source was.
	while [ $i -lt 600 ]; do
		st=$(vm_status xdst)
		case $st in inmigrate) ;; *) break ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	check "import: a stream saved on $origin loaded on $xfer_origin (QEMU status ${st:-gone})" \
		[ "$st" = paused ]
	qmp xdst '"cont"' >/dev/null || true
	st=$(vm_status xdst)
	if [ "$st" = running ] && wait_rounds xdst 2 90; then
		tap ok "import: the guest runs on, BAR2 and registers as saved on $origin ($(rounds_ok xdst) rounds, no mismatch)"
	else
		tap not-ok "import: the guest runs on with its device state"
		show_guest_errors xdst
		say "kernel messages about $a:"
		dmesg | grep -F "$a" | tail -n 4 | indent
	fi
	stop_vm xdst
}

rm -f "$dir/figures" "$dir/native.mismatch"
bounded="ws=$dirty_ws rate=$dirty_rate"
case $mode in
check)
	tap_begin
	say "nested QEMU: $(qemu_version); QEMU's defaults${downtime_limit:+, but downtime-limit $downtime_limit}"
	defaults_flow
	if [ "$flows" = nonstop ]; then
		guest_args=
		label_prefix="nonstop dirtier: "
		vfio_flow A B "$pingpong"
		[ -n "${cur:-}" ] && stop_vm "$cur"
		print_table
		tap_done
		exit
	fi
	guest_args=$bounded
	vfio_flow A B "$pingpong"
	[ -n "${cur:-}" ] && refused_flow "$cur"
	[ -n "${cur:-}" ] && stop_vm "$cur"
	qemu_cross_flow
	if [ "$flows" = basic ]; then
		print_table
		tap_done
		exit
	fi
	# The native twins (figures only) are in bench and demo.
	if [ -n "${IVSHMEM_D:-}" ]; then
		vfio_flow D E 1
		[ -n "${cur:-}" ] && stop_vm "$cur"
	fi
	say "a guest that rewrites all of BAR2 as fast as it can"
	guest_args=
	label_prefix="nonstop dirtier: "
	vfio_flow A B 1
	label_prefix=
	[ -n "${cur:-}" ] && stop_vm "$cur"
	print_table
	tap_done
	;;
demo)
	echo "e2e: live migration of a QEMU guest with a passed-through ivshmem device"
	echo "e2e: the nested guest rewrites $dirty_ws pages of BAR2, $dirty_rate pages/s,"
	echo "e2e: and checks after each migration that nothing written before was lost"
	defaults_flow
	guest_args=$bounded
	vfio_flow A B 1
	[ -n "${cur:-}" ] && refused_flow "$cur"
	[ -n "${cur:-}" ] && stop_vm "$cur"
	if [ -n "${IVSHMEM_D:-}" ]; then
		echo "e2e: the same with four times the device memory (256 MiB):"
		vfio_flow D E 1
		[ -n "${cur:-}" ] && stop_vm "$cur"
	fi
	echo "e2e: the same guest with an emulated ivshmem-plain, migrated by QEMU itself:"
	native_flow 1 64M
	print_table | sed 's/^# /e2e: /'
	awk '{ printf "e2e: downtime %s, %s BAR2: %d ms, %d bytes of device state during it\n",
		$1 == "vfio" ? "through ivshmem-vfio-pci" : "native (emulated device)",
		$2, $5, $7 }' "$dir/figures"
	if [ -n "$downtime_limit" ]; then
		echo "e2e: (on this kernel QEMU resends all guest RAM at the stop: see above;"
		echo "e2e:  make demo E2E_LANE=debug shows it at QEMU's defaults)"
	fi
	if [ "$tap_failed" = 0 ]; then
		echo "e2e: all good: the migrations completed, one was refused by the driver"
	else
		echo "e2e: $tap_failed check(s) FAILED; logs in $dir"
	fi
	;;
bench)
	tap_begin
	defaults_flow
	for g in "idle=1" "$bounded"; do
		guest_args=$g
		for pair in "A B 64M" "D E 256M"; do
			set -- $pair
			eval "[ -n \"\${IVSHMEM_$1:-}\" ]" || continue
			vfio_flow "$1" "$2" "$bench_runs"
			[ -n "${cur:-}" ] && stop_vm "$cur"
			native_flow "$bench_runs" "$3"
		done
	done
	print_table
	tap_done
	;;
xfer)
	# e2exfer=import, export or import,export (in that order).
	tap_begin
	say "nested QEMU: $(qemu_version); through a file, as $xfer_origin"
	case ${E2E_XFER:-${e2exfer:-export}} in *import*) xfer_import ;; esac
	case ${E2E_XFER:-${e2exfer:-export}} in *export*) xfer_export ;; esac
	tap_done
	;;
*)
	echo "usage: $0 check|demo|bench|xfer" >&2
	exit 2
	;;
esac
[ "$tap_failed" = 0 ]
