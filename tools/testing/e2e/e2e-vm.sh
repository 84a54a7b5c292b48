#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end live migration of a QEMU guest with an ivshmem device passed
# through by ivshmem-vfio-pci. Runs inside the test VM (busybox sh), with
# QEMU 10 as the nested QEMU, or, for the native baseline, anywhere.
#
# Modes (E2E_MODE, or the first argument):
#   check   TAP: one migration A->B, ping-pong A<->B (E2E_PINGPONG
#           migrations in all, default 10), a refused migration to C
#   demo    the same flow, once each way, with readable progress
#   bench   vfio migrations and native ones (emulated ivshmem-plain of
#           the same size), figures side by side; no timed assertions
#
# Environment: IVSHMEM_A, IVSHMEM_B, IVSHMEM_C (BDFs, set by the test VM's
# init), E2E_QEMU, E2E_GUEST (the nested guest ELF), E2E_DIR (work dir),
# E2E_PINGPONG, E2E_BENCH_RUNS, E2E_DOWNTIME_LIMIT (ms), E2E_TIMEOUT
# (seconds for one migration), E2E_VERBOSE=1 (QMP traffic on stderr).

set -eu

mode=${1:-${E2E_MODE:-${e2emode:-check}}}
qemu=${E2E_QEMU:-qemu-system-x86_64}
guest=${E2E_GUEST:-/usr/share/e2e/e2e-guest.elf}
dir=${E2E_DIR:-/tmp/e2e}
pingpong=${E2E_PINGPONG:-${e2epingpong:-10}}
bench_runs=${E2E_BENCH_RUNS:-${e2ebenchruns:-3}}
# QEMU switches over once it expects the rest (for vfio: the whole device
# state, BAR2 included) to go within downtime-limit at the bandwidth it
# measured; under nested TCG the 300 ms default is never met.
downtime_limit=${E2E_DOWNTIME_LIMIT:-${e2edowntimelimit:-20000}}
mig_timeout=${E2E_TIMEOUT:-120}
verbose=${E2E_VERBOSE:-0}
mem=${E2E_GUEST_MEM:-32}

mkdir -p "$dir"
rm -f "$dir"/*.serial "$dir"/*.qmp "$dir"/*.qout "$dir"/*.qin \
	"$dir"/*.log "$dir"/mig.sock

# --- output ------------------------------------------------------------------

n=0 failed=0
tap() { # ok|not-ok DESCRIPTION
	if [ "$mode" = demo ]; then
		if [ "$1" = ok ]; then
			echo "e2e: PASS: $2"
		else
			echo "e2e: FAIL: $2"
			failed=$((failed + 1))
		fi
		return 0
	fi
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
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
		ans=$(grep -F "\"id\": $id}" "$dir/$name.qout" | tail -n 1 || true)
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
		devargs="-device vfio-pci,host=${dev#vfio:},id=shm,addr=0x5,enable-migration=on"
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
	set -- -name "$name" -accel tcg,tb-size=64 -M q35 -m "$mem" \
		-nodefaults -no-user-config -display none -monitor none \
		-serial "file:$dir/$name.serial" \
		-qmp "unix:$dir/$name.qmp,server=on,wait=off" \
		-kernel "$guest" $devargs $incargs ${E2E_QEMU_ARGS:-}
	echo "$qemu $*" >"$dir/$name.cmdline"
	eval "dev_$name=\${dev#*:}"
	timeout -k 5 1800 "$qemu" "$@" >"$dir/$name.log" 2>&1 &
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

show_guest_errors() {
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
	mig_setup=
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
	if [ "$verbose" = 1 ]; then echo "query-migrate: $ans" >&2; fi
	return 0
}

mib() {
	echo $((${1:-0} / 1048576))
}

demo_progress() { # QUERY-MIGRATE-ANSWER
	r=$(echo "$1" | grep -o '"ram": {[^}]*}' || true)
	v=$(echo "$1" | grep -o '"vfio": {[^}]*}' || true)
	echo "e2e:    $(json_str status "$1"): $(mib "$(json_num transferred "$r")") MiB sent" \
		"(device state $(mib "$(json_num transferred "$v")") MiB)," \
		"RAM left $(mib "$(json_num remaining "$r")") MiB"
}

figures() {
	echo "total ${mig_total:-?} ms, downtime ${mig_downtime:-?} ms," \
		"setup ${mig_setup:-?} ms, stream ${mig_ram:-0} B," \
		"vfio ${mig_vfio:-0} B, wall ${mig_wall:-?} ms"
}

# A successful migration SRC -> DST of the running guest: asserts and
# figures. The source QEMU is quit afterwards.
migrate_ok() { # LABEL SRC DST
	label=$1 src=$2 dst=$3 dst_serial=$dir/$3.serial
	migrate "$src" "$dst"
	if [ "$mig_status" = completed ]; then
		tap ok "$label: migration completed ($(figures))"
	else
		tap not-ok "$label: migration $mig_status${mig_error:+: $mig_error}"
		tail -n 5 "$dir/$dst.log" | indent
		eval "bdf=\$dev_$dst"
		say "kernel messages about $bdf:"
		dmesg | grep -F "$bdf" | tail -n 4 | indent
		return 1
	fi
	s=$(vm_status "$src") d=$(vm_status "$dst")
	check "$label: source is $s, destination is $d" \
		test "$s" = postmigrate -a "$d" = running
	if wait_rounds "$dst" 2 60; then
		[ "$mode" = demo ] && echo "e2e:    destination guest says:" \
			"$(grep 'e2e-guest: round' "$dst_serial" | tail -n 1)"
		tap ok "$label: destination guest verified BAR2 and registers ($(rounds_ok "$dst") rounds reported, no mismatch)"
	else
		tap not-ok "$label: destination guest verification"
		show_guest_errors "$dst"
	fi
	stop_vm "$src"
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

# vfio_flow: returns with the name of the running QEMU in $cur and the
# device it holds in $cur_dev.
boot_source() { # NAME DEVICE
	start_vm "$1" "$2"
	if wait_rounds "$1" 2 120; then
		tap ok "guest on $1 running: $(grep -m1 'e2e-guest: dev' \
			"$dir/$1.serial" | sed 's/e2e-guest: //')"
	else
		tap not-ok "guest on $1 running"
		show_guest_errors "$1"
		return 1
	fi
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

vfio_flow() { # NUMBER-OF-MIGRATIONS
	total=$1
	a=$(bdf_or_die A) || return 0
	b=$(bdf_or_die B) || return 0
	say "nested QEMU: $(qemu_version)"
	say "source: guest on ivshmem A ($a), destination: ivshmem B ($b)"
	boot_source vm0 "vfio:$a" || return 0
	say "source command line: $(cat "$dir/vm0.cmdline")"
	cur=vm0 cur_dev=$a other=$b
	k=1
	while [ $k -le "$total" ]; do
		next=vm$k
		start_vm "$next" "vfio:$other" incoming
		[ $k = 1 ] && say "destination command line: $(cat "$dir/$next.cmdline")"
		from=A to=B
		[ "$cur_dev" = "$a" ] || { from=B to=A; }
		say "migration $k/$total: $from -> $to"
		migrate_ok "migration $k ($from->$to)" "$cur" "$next" || return 0
		echo "$mig_total $mig_downtime $mig_ram $mig_vfio $mig_wall" >>"$dir/vfio.figures"
		t=$other other=$cur_dev cur_dev=$t cur=$next
		k=$((k + 1))
	done
}

average() { # FILE COLUMN
	awk -v c="$2" '{ s += $c; n++ } END { if (n) printf "%.0f", s / n; else printf "-" }' "$1"
}
minmax() { # FILE COLUMN
	awk -v c="$2" 'NR == 1 || $c < lo { lo = $c } NR == 1 || $c > hi { hi = $c }
		END { if (NR) printf "%.0f-%.0f", lo, hi; else printf "-" }' "$1"
}

native_flow() { # RUNS SIZE
	runs=$1 size=$2
	start_vm nat0 "emul:$size"
	if ! wait_rounds nat0 2 120; then
		tap not-ok "native: guest with emulated ivshmem-plain running"
		show_guest_errors nat0
		return 0
	fi
	cur=nat0 k=1
	while [ $k -le "$runs" ]; do
		start_vm "nat$k" "emul:$size" incoming
		migrate_ok "native migration $k" "$cur" "nat$k" || return 0
		echo "$mig_total $mig_downtime $mig_ram $mig_vfio $mig_wall" >>"$dir/native.figures"
		cur=nat$k
		k=$((k + 1))
	done
}

print_table() {
	echo "# migration figures (average (min-max)), $mem MiB guest RAM, ivshmem BAR2 ${size:-64M}:"
	# query-migrate's ram.transferred counts every byte of the stream
	# (QEMU >= 8.1), device state included.
	printf '#   %-8s %5s %16s %16s %12s %12s\n' kind runs "total ms" "downtime ms" \
		"stream bytes" "vfio bytes"
	for k in vfio native; do
		f=$dir/$k.figures
		[ -s "$f" ] || continue
		printf '#   %-8s %5s %16s %16s %12s %12s\n' $k "$(wc -l <"$f")" \
			"$(average "$f" 1) ($(minmax "$f" 1))" \
			"$(average "$f" 2) ($(minmax "$f" 2))" \
			"$(average "$f" 3)" "$(average "$f" 4)"
	done
}

rm -f "$dir/vfio.figures" "$dir/native.figures"
case $mode in
check)
	echo "TAP version 13"
	vfio_flow "$pingpong"
	[ -n "${cur:-}" ] && refused_flow "$cur"
	[ -n "${cur:-}" ] && stop_vm "$cur"
	print_table
	echo "1..$n"
	;;
demo)
	echo "e2e: live migration of a QEMU guest with a passed-through ivshmem device"
	echo "e2e: the nested guest writes a pattern to BAR2 and BAR0 nonstop, and"
	echo "e2e: checks after each migration that nothing written before was lost"
	vfio_flow 1
	[ -n "${cur:-}" ] && refused_flow "$cur"
	[ -n "${cur:-}" ] && stop_vm "$cur"
	print_table | sed 's/^# /e2e: /'
	if [ $failed = 0 ]; then
		echo "e2e: all good: one migration completed, one refused by the driver"
	else
		echo "e2e: $failed check(s) FAILED; logs in $dir"
	fi
	;;
bench)
	echo "TAP version 13"
	if [ -n "${IVSHMEM_A:-}" ]; then
		vfio_flow "$bench_runs"
		[ -n "${cur:-}" ] && stop_vm "$cur"
		size=$(bar2_mib "$IVSHMEM_A")M
	else
		size=${E2E_EMUL_SIZE:-64M}
	fi
	native_flow "$bench_runs" "$size"
	[ -n "${cur:-}" ] && stop_vm "$cur"
	print_table
	echo "1..$n"
	;;
*)
	echo "usage: $0 check|demo|bench" >&2
	exit 2
	;;
esac
[ $failed = 0 ]
