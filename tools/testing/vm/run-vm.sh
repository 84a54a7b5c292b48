#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM built by prepare.sh and report.
#
#   run-vm.sh check   run the guest's selftests, print TAP, exit non-zero
#                     on any failure (including kernel warnings)
#   run-vm.sh demo    print the guest demo's output as it comes
#   run-vm.sh shell   interactive shell on the serial console (Ctrl-A x
#                     quits QEMU)
#
# The guest's results come on its second serial port (see init); the
# kernel console goes to a file. Logs of the last run of each mode are in
# $VM_BUILD/<mode>/: console.log, results.log, dmesg.log, qemu.log.
#
# Environment (defaults in tools/testing/vm/vm.mk): VM_BUILD, VM_KERNEL,
# VM_DEVICES, VM_DRIVER, VM_KVM, VM_SMP, VM_MEM, VM_TIMEOUT,
# VM_BOOT_TIMEOUT, VM_TEST_TIMEOUT, VM_APPEND, VM_QEMU, VM_QEMU_ARGS,
# VM_LOG_IGNORE.

set -eu

mode=${1:-check}
top=$(cd "$(dirname "$0")/../../.." && pwd)
VM_BUILD=${VM_BUILD:-$top/build/vm}
kernel=${VM_KERNEL:?VM_KERNEL is not set}
initrd=$VM_BUILD/initramfs.cpio.gz
devices=${VM_DEVICES:-A:64M B:64M C:32M}
driver=${VM_DRIVER:-ivshmem-vfio-pci}
kvm=${VM_KVM:-0}
total_timeout=${VM_TIMEOUT:-300}
test_timeout=${VM_TEST_TIMEOUT:-120}
qemu=${VM_QEMU:-qemu-system-x86_64}
# Kernel log lines that fail a check run; VM_LOG_IGNORE (an ERE) exempts
# known harmless ones.
bad_log='WARNING:|BUG:|BUG |kernel BUG|Oops|general protection fault'
bad_log+='|Kernel panic|possible circular locking|possible recursive locking'
bad_log+='|inconsistent lock state|suspicious RCU usage|KASAN|UBSAN'
bad_log+='|kmemleak: [0-9]+ new suspected|unreferenced object'
bad_log+='|soft lockup|hard LOCKUP|detected stalls|blocked for more than'
bad_log+='|Call Trace:|list_(add|del) corruption|refcount_t:'
log_ignore=${VM_LOG_IGNORE:-}
# Taint flags that mean the kernel hit trouble: M, B, D, W, L.
bad_taint=$(((1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

case $mode in
check | demo | shell) ;;
*) echo "usage: $0 check|demo|shell" >&2; exit 2 ;;
esac

# Logs go to $VM_BUILD/<mode>/, or to a fresh directory if another run
# in this clone is using that one.
out=$VM_BUILD/$mode
mkdir -p "$out"
exec 8>"$out.lock"
if ! flock -n 8; then
	out=$(mktemp -d "$VM_BUILD/$mode.XXXXXX")
fi
console=$out/console.log results=$out/results.log dmesg=$out/dmesg.log
: >"$console"
: >"$results"
: >"$dmesg"
rm -f "$out/boot-timeout"

# --- TAP output (check mode) or readable progress (demo mode) -----------

. "$top/tools/testing/lib/tap.sh"
tap() { # ok|not-ok DESCRIPTION
	if [ "$1" = ok ]; then
		tap_ok "$2"
	else
		tap_not_ok "$2"
	fi
}
note() {
	echo "# $*"
}
progress() {
	if [ "$mode" = check ]; then
		note "$*"
	else
		echo "vm: $*"
	fi
}
fail() { # DESCRIPTION: a failure, in either mode
	if [ "$mode" = check ]; then
		tap not-ok "$1"
	else
		echo "vm: FAILED: $1"
		tap_failed=$((tap_failed + 1))
	fi
}

# --- QEMU command line -------------------------------------------------------

[ -f "$kernel" ] || { fail "kernel $kernel does not exist"; exit 1; }
[ -f "$initrd" ] || { fail "no initramfs at $initrd (run prepare.sh)"; exit 1; }

if [ "$kvm" = 1 ]; then
	if [ ! -w /dev/kvm ]; then
		fail "VM_KVM=1 but /dev/kvm is not usable"
		exit 1
	fi
	accel=(-accel kvm -cpu host)
	# A broken KVM makes QEMU hang rather than exit: give up early.
	boot_timeout=${VM_BOOT_TIMEOUT:-20}
else
	# VM_TCG_THREAD=single: one host thread for all vCPUs (slower, but
	# clear of multi-threaded TCG's own races).
	accel=(-accel "tcg${VM_TCG_THREAD:+,thread=$VM_TCG_THREAD}" -cpu max)
	boot_timeout=${VM_BOOT_TIMEOUT:-90}
fi

# shellcheck disable=SC2054 # commas belong to QEMU options
args=(-machine q35,kernel-irqchip=split "${accel[@]}"
	-smp "${VM_SMP:-1}" -m "${VM_MEM:-2G}"
	-nodefaults -no-reboot
	-device intel-iommu,intremap=on,caching-mode=on)
i=0 devmap='' names=''
for d in $devices; do
	name=${d%%:*} size=${d#*:}
	if ! [[ $name =~ ^[A-Z][A-Z0-9_]*$ && $size =~ ^[0-9]+[KMG]$ ]]; then
		fail "bad VM_DEVICES entry '$d' (want NAME:SIZE, e.g. A:64M)"
		exit 1
	fi
	[ $i -lt 16 ] || { fail "too many devices in VM_DEVICES"; exit 1; }
	slot=$(printf '%02x' $((0x10 + i)))
	args+=(-device "pcie-root-port,id=rp$i,bus=pcie.0,addr=0x$slot,chassis=$((i + 1)),slot=$((i + 1))"
		-object "memory-backend-ram,id=shm$i,size=$size,share=on"
		-device "ivshmem-plain,id=ivshmem$name,memdev=shm$i,bus=rp$i")
	devmap+=${devmap:+,}$name:$slot
	names+=" $name"
	i=$((i + 1))
done

append="console=ttyS0 panic=-1 loglevel=4 intel_iommu=on iommu=pt"
append+=" vmmode=$mode vmdriver=$driver vmdevs=$devmap"
append+=" vmtesttimeout=$test_timeout"
[ -n "${VM_TEST_EXCLUDE:-}" ] && append+=" vmtestexclude=$VM_TEST_EXCLUDE"
append+=" ${VM_APPEND:-}"
args+=(-kernel "$kernel" -initrd "$initrd" -append "$append")
# VM_QEMU_ARGS: more QEMU options, split on spaces on purpose.
# shellcheck disable=SC2206
args+=(${VM_QEMU_ARGS:-})

if [ "$mode" = shell ]; then
	echo "vm: booting $kernel with devices$names; Ctrl-A x quits"
	exec "$qemu" "${args[@]}" -display none -serial mon:stdio \
		-serial "file:$results"
fi

args+=(-display none -monitor none -serial "file:$console"
	-serial "file:$results")

# --- run ---------------------------------------------------------------------

progress "booting $(basename "$kernel") ($([ "$kvm" = 1 ] && echo KVM || echo TCG)," \
	"devices$names, timeout ${total_timeout}s)"

# launch: start QEMU (qpid) and the boot watchdog (wpid): the guest must
# report within boot_timeout seconds.
launch() {
	: >"$console"
	: >"$results"
	rm -f "$out/boot-timeout"
	start=$SECONDS
	timeout -k 5 "$total_timeout" "$qemu" "${args[@]}" </dev/null \
		>"$out/qemu.log" 2>&1 &
	qpid=$!
	(
		while kill -0 $qpid 2>/dev/null; do
			grep -q '^@@ booted' "$results" && exit 0
			if [ $((SECONDS - start)) -ge "$boot_timeout" ]; then
				touch "$out/boot-timeout"
				kill $qpid
				exit 0
			fi
			sleep 0.5
		done
	) >/dev/null 2>&1 &
	wpid=$!
}

trap 'kill $qpid 2>/dev/null || true' EXIT
# A guest kernel that dies before it reaches init, with none of our code
# loaded yet, is the emulator's doing (multi-threaded TCG was seen to Oops
# on patched kernel text): say so and boot once more.  Anything later, or
# a hang, counts.
for attempt in 1 2; do
	launch
	while kill -0 $qpid 2>/dev/null && ! grep -q '^@@ booted' "$results"; do
		sleep 0.2
	done
	if grep -q '^@@ booted' "$results" || [ $attempt = 2 ] ||
		[ -e "$out/boot-timeout" ] || ! grep -q 'Kernel panic' "$console"; then
		break
	fi
	note "the guest kernel died before init; booting once more:"
	tr -d '\r' <"$console" | grep -E 'Oops|RIP:|Kernel panic' | head -n 5 |
		sed 's/^/#   /'
	wait $qpid || true
	wait $wpid || true
done

booted=0 finished=0 taint='' debug_locks='' in_dmesg=0
mods_ok=1 mods_list='' mods_done=0
bind_ok=1 bind_done=0 bind_list=
test='' test_results=0 test_failed=0 test_plan='' test_skipped=0
unload_ok=1 unload_done=0

# test_line LINE: a line of the current selftest's output, as top-level TAP.
test_line() {
	local l=$1 rest
	if [[ $l =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
		rest=${BASH_REMATCH[2]}
		rest=${rest# }
		rest=${rest#- }
		test_results=$((test_results + 1))
		if [ -n "${BASH_REMATCH[1]}" ]; then
			tap not-ok "$test: $rest"
			test_failed=1
		else
			tap ok "$test: $rest"
		fi
	elif [[ $l =~ ^1\.\.([0-9]+)(.*)$ ]]; then
		# Copied out: the =~ below resets BASH_REMATCH.
		test_plan=${BASH_REMATCH[1]}
		rest=${BASH_REMATCH[2]}
		# "1..0 # SKIP reason": the whole binary is skipped.
		if [ "$test_plan" = 0 ]; then
			test_results=1
			if [[ $rest =~ [Ss][Kk][Ii][Pp] ]]; then
				tap ok "$test ${rest# }"
				test_skipped=1
			else
				# Every variant left out (VM_TEST_EXCLUDE).
				note "$test: no test for this kernel"
				test_plan=
			fi
		fi
	elif [[ $l =~ ^# ]]; then
		echo "$l"
	elif [[ $l =~ ^TAP\ version ]]; then
		:
	else
		echo "#   $l"
	fi
}

test_end() { # RC
	local rc=$1 sig
	if [ $test_skipped = 1 ] && { [ "$rc" = 0 ] || [ "$rc" = 4 ]; }; then
		: # skipped whole, with exit status 0 or KSFT_SKIP
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ] || [ "$rc" = 143 ]; then
		# timeout's SIGTERM, then SIGKILL (busybox: the test's status)
		tap not-ok "$test: killed after ${test_timeout}s (VM_TEST_TIMEOUT)"
	elif [ "$rc" -gt 128 ] && [ "$rc" -lt 192 ]; then
		# 128 + the signal it died of: a crash, even after a "not ok"
		sig=$(kill -l $((rc - 128)) 2>/dev/null) || sig=
		tap not-ok "$test: killed by signal $((rc - 128))${sig:+ (SIG$sig)}"
	elif [ "$rc" -ne 0 ] && [ $test_failed = 0 ]; then
		tap not-ok "$test: exited with status $rc"
	elif [ -n "$test_plan" ] && [ "$test_plan" != 0 ] &&
		[ "$test_plan" -ne $test_results ]; then
		tap not-ok "$test: planned $test_plan tests, reported $test_results"
	elif [ $test_results = 0 ]; then
		tap not-ok "$test: printed no TAP result"
	fi
	test=
}

event() { # the "@@ ..." lines of the guest
	local -a w
	local ev
	read -ra w <<<"$1"
	ev=${w[1]}
	set -- "${w[@]:2}"
	case $ev in
	booted)
		booted=1
		if [ "$mode" = check ]; then
			tap ok "vm booted (kernel $1, ${2#uptime=} s)"
		else
			progress "booted kernel $1 after ${2#uptime=} s"
		fi
		;;
	mod)
		if [ "$1" = ok ]; then
			mods_list+=" $2"
		else
			mods_ok=0
			mods_list+=" $2(FAILED: ${*:3})"
		fi
		;;
	mods-done)
		mods_done=1
		if [ $mods_ok = 0 ]; then
			fail "modules loaded:$mods_list"
		elif [ "$mode" = check ]; then
			tap ok "modules loaded:${mods_list:- none}"
		else
			progress "modules loaded:${mods_list:- none}"
		fi
		;;
	bind)
		if [ "$1" = ok ]; then
			bind_list+=" $2=$3($4)"
			if [ "$mode" != check ]; then
				progress "device $2 $3 bound to $driver, IOMMU $4," \
					"BAR2 $((${5#bar2=} / 1048576)) MiB"
			fi
		else
			bind_ok=0
			bind_list+=" $2:FAILED(${*:3})"
			if [ "$mode" != check ]; then
				progress "device $2 NOT bound to $driver: ${*:3}"
			fi
		fi
		;;
	bind-done)
		bind_done=1
		if [ -z "$bind_list" ]; then
			fail "devices bound to $driver: no device configured"
		elif [ $bind_ok = 0 ]; then
			fail "devices bound to $driver:$bind_list"
		elif [ "$mode" = check ]; then
			tap ok "devices bound to $driver:$bind_list"
		fi
		;;
	test-begin)
		test=$1 test_results=0 test_failed=0 test_plan='' test_skipped=0
		note "selftest $test"
		;;
	test-end)
		test_end "$2"
		;;
	unload)
		if [ "$1" = ok ]; then
			:
		else
			unload_ok=0
			note "rmmod $2: ${*:3}"
		fi
		;;
	unload-done)
		unload_done=1
		if [ $unload_ok = 1 ]; then
			tap ok "modules unloaded"
		else
			tap not-ok "modules unloaded"
		fi
		;;
	demo-end)
		[ "$1" = 0 ] || fail "the demo exited with status $1"
		;;
	klog) note "kernel report while $1 ran: ${*:2}" ;;
	taint) taint=$1 ;;
	lockdep) debug_locks=$1 ;;
	dmesg-begin) in_dmesg=1 ;;
	done) finished=1 ;;
	esac
}

while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	if [ $in_dmesg = 1 ]; then
		if [ "$line" = '@@ dmesg-end' ]; then
			in_dmesg=0
		else
			echo "$line" >>"$dmesg"
		fi
	elif [[ $line == '@@ '* ]]; then
		event "$line"
	elif [ -n "$test" ] && [ "$mode" = check ]; then
		test_line "$line"
	elif [ "$mode" = check ]; then
		echo "#   $line"
	else
		echo "$line"
	fi
done < <(tail -s 0.1 -n +1 -f --pid=$qpid "$results" 2>/dev/null)

rc=0
wait $qpid || rc=$?
wait $wpid || true
trap - EXIT
elapsed=$((SECONDS - start))

# --- verdicts ----------------------------------------------------------------

why=
if [ -e "$out/boot-timeout" ]; then
	why="the VM did not boot within ${boot_timeout}s (VM_BOOT_TIMEOUT)"
elif [ $rc = 124 ] || [ $rc = 137 ]; then
	why="the VM did not finish within ${total_timeout}s (VM_TIMEOUT)"
elif [ $finished = 0 ] && grep -q 'Kernel panic' "$console"; then
	why="the guest kernel panicked"
elif [ $finished = 0 ]; then
	why="the VM stopped before the end of the run (QEMU status $rc)"
fi
if [ -n "$why" ]; then
	if [ "$mode" != check ]; then
		echo "vm: $why"
	else
		note "$why"
	fi
	if [ -s "$out/qemu.log" ]; then
		note "QEMU said:"
		sed 's/^/#   /' "$out/qemu.log" | tail -n 10
	fi
	note "last console lines ($console):"
	tr -d '\r' <"$console" | tail -n 25 | sed 's/^/#   /'
fi

[ $booted = 1 ] || fail "vm booted: $why"
if [ $booted = 1 ] && [ $mods_done = 0 ]; then
	fail "modules loaded: the guest did not get there"
fi
if [ $booted = 1 ] && [ $bind_done = 0 ]; then
	fail "devices bound to $driver: the guest did not get there"
fi
[ -n "$test" ] && tap not-ok "$test: did not finish"
if [ "$mode" = check ] && [ $booted = 1 ] && [ $unload_done = 0 ]; then
	tap not-ok "modules unloaded: the guest did not get there"
fi

# The kernel log: the guest's dmesg dump and the console (which has what
# came after the dump, or before a crash).
bad=$(tr -d '\r' <"$console" | cat "$dmesg" - |
	grep -E -- "$bad_log" | { [ -n "$log_ignore" ] && grep -vE -- "$log_ignore" || cat; } |
	awk '!seen[$0]++' || true)
if [ -n "$taint" ] && [ $((taint & bad_taint)) -ne 0 ]; then
	bad+=${bad:+$'\n'}"kernel tainted: $taint"
fi
if [ "$debug_locks" = 0 ]; then
	bad+=${bad:+$'\n'}"lockdep is off (debug_locks=0): it reported, or was turned off"
fi
if [ "$mode" = check ]; then
	if [ -z "$why" ]; then
		tap ok "vm ran to the end ($elapsed s)"
	else
		tap not-ok "vm ran to the end: $why"
	fi
fi
# KUnit suites (VM_KUNIT) that our modules ran when loaded: their KTAP
# results are in the kernel log, one TAP line per case.
for suite in ${VM_KUNIT:-}; do
	[ "$mode" = check ] && [ $booted = 1 ] || break
	cases=$(sed 's/^\[[^]]*\] //' "$dmesg" | awk -v s="$suite" '
		$0 ~ ("# Subtest: " s "$") { on = 1; next }
		on && /^    (not )?ok [0-9]+ / { sub(/^    /, ""); print; next }
		on && /^(not )?ok [0-9]+ / { exit }')
	if [ -z "$cases" ]; then
		tap not-ok "kunit $suite: no results in the kernel log"
		continue
	fi
	while IFS= read -r c; do
		if [[ $c =~ ^ok\ [0-9]+\ (.*)$ ]]; then
			tap ok "kunit $suite: ${BASH_REMATCH[1]}"
		else
			tap not-ok "kunit $suite: ${c#not ok }"
		fi
	done <<<"$cases"
done

if [ -n "$bad" ]; then
	fail "kernel log clean: $(echo "$bad" | wc -l) bad lines (see $out/)"
	echo "$bad" | head -n 60 | sed 's/^/#   /'
elif [ "$mode" = check ]; then
	tap ok "kernel log clean (no WARNING, BUG, Oops, lockdep, KASAN, UBSAN, kmemleak)"
fi

if [ "$mode" = check ]; then
	tap_done || :
elif [ "$tap_failed" = 0 ] && [ -z "$why" ]; then
	echo "vm: done in $elapsed s"
fi
[ "$tap_failed" = 0 ] && [ -z "$why" ]
