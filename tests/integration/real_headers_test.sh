#!/usr/bin/env bash
# Proof of fidelity: every C module of the repository (the samples and the test modules)
# builds unchanged against the real Linux 6.1 headers - Debian 12's linux-headers-amd64 -
# with the real kbuild, so the SDK's headers cannot drift from the kernel's API unnoticed.
#
# Each module folder is copied to a scratch folder and built with
# `make -C REAL_KDIR M=COPY modules`; it must compile without a compiler diagnostic and
# produce NAME.ko. Modules that call another module's exports get that module's
# Module.symvers (KBUILD_EXTRA_SYMBOLS), as with a real kernel. C++ modules are skipped:
# Linux has no C++ support.
#
# usage: real_headers_test.sh MODULES_DIR...   (e.g. modules tests/modules)
#   environment: LKMFS_REAL_KDIR - the real headers' build folder; by default the newest
#                /usr/src/linux-headers-*-amd64
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 MODULES_DIR..." >&2
    exit 2
fi

# Modules that are not checked, each with the reason. Keep this list minimal: a module
# that needs something only lkmfs has belongs here, anything else must build.
declare -A skip_reasons=()

# Modules the real build refuses by design, at modpost: what modpost must say, one message
# per line (paths relative to the module folder). Their sources must still compile
# cleanly. lkmfs has no modpost; its loader refuses these modules for the same reasons.
declare -A expected_modpost=(
    [kl_gplonly]="ERROR: modpost: GPL-incompatible module kl_gplonly.ko uses GPL-only symbol 'kl_provider_gpl_answer'"
    [kl_unknown]='ERROR: modpost: "no_such_fn" [kl_unknown.ko] undefined!
ERROR: modpost: "printf" [kl_unknown.ko] undefined!'
)

# --- the real headers -----------------------------------------------------------------------
kdir=${LKMFS_REAL_KDIR:-}
if [[ -z $kdir ]]; then
    kdir=$(compgen -G '/usr/src/linux-headers-*-amd64' | sort -V | tail -n 1 || true)
fi
if [[ -z $kdir || ! -f $kdir/Makefile ]]; then
    echo "FAIL: the real Linux headers are not installed (no /usr/src/linux-headers-*-amd64" \
        "with a Makefile${LKMFS_REAL_KDIR:+; LKMFS_REAL_KDIR=$LKMFS_REAL_KDIR})." >&2
    echo "      Run scripts/install-deps.sh: it installs Debian's linux-headers-amd64." >&2
    exit 1
fi
release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || basename "$kdir")
echo "real headers: $kdir (Linux $release)"

# Run as `make` is run by a user, not as a child of the make (or ctest) that started us;
# the kernel's Makefile chooses its own compiler (gcc-12 on Debian 12).
unset MAKEFLAGS MFLAGS MAKELEVEL CC CXX KBUILD_EXTRA_SYMBOLS KBUILD_MODPOST_WARN

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lkmfs-real-headers.XXXXXX")
cleanup() {
    local pids
    pids=$(jobs -p)
    # shellcheck disable=SC2086
    [[ -z $pids ]] || kill $pids 2>/dev/null || true
    wait 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT

# --- which modules ------------------------------------------------------------------------
declare -A source_of=()
exporters=()
users=()
skipped=0
for root in "$@"; do
    for dir in "$root"/*/; do
        dir=${dir%/}
        [[ -f $dir/Makefile || -f $dir/Kbuild ]] || continue
        name=$(basename "$dir")
        if [[ -n ${source_of[$name]:-} ]]; then
            echo "FAIL: two module folders are named $name: ${source_of[$name]} and $dir" >&2
            exit 1
        fi
        if compgen -G "$dir/*.cpp" >/dev/null || compgen -G "$dir/*.cc" >/dev/null; then
            echo "skip: $name (C++: Linux has no C++ support)"
            skipped=$((skipped + 1))
            continue
        fi
        if [[ -n ${skip_reasons[$name]:-} ]]; then
            echo "skip: $name (${skip_reasons[$name]})"
            skipped=$((skipped + 1))
            continue
        fi
        source_of[$name]=$dir
        if grep -qsE '\bEXPORT_SYMBOL(_GPL)?\(' "$dir"/*.c "$dir"/*.h; then
            exporters+=("$name")
        else
            users+=("$name")
        fi
    done
done
for name in "${!expected_modpost[@]}"; do
    [[ -n ${source_of[$name]:-} ]] ||
        echo "note: $name has an expected modpost message but is not among the modules" >&2
done

# --- build ----------------------------------------------------------------------------------
# build NAME [KBUILD_EXTRA_SYMBOLS]: scratch/NAME is the copy, scratch/NAME.log the output,
# scratch/NAME.rc make's exit status.
build() {
    local name=$1 extra=${2:-} rc=0
    local -a vars=()
    if [[ -n $extra ]]; then
        vars+=(KBUILD_EXTRA_SYMBOLS="$extra")
    fi
    cp -r "${source_of[$name]}" "$scratch/$name"
    nice -n 10 make -C "$kdir" M="$scratch/$name" "${vars[@]}" modules \
        >"$scratch/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$scratch/$name.rc"
}

# Two builds at a time at most: each is one short compile, and the machine may be busy.
jobs_max=$(nproc 2>/dev/null || echo 1)
if ((jobs_max > 2)); then
    jobs_max=2
fi
build_all() {
    local extra=$1 name running=0
    shift
    for name in "$@"; do
        build "$name" "$extra" &
        running=$((running + 1))
        if ((running >= jobs_max)); then
            wait -n || true
            running=$((running - 1))
        fi
    done
    wait
}

started=$SECONDS
# The exporting modules first: the others are built with their Module.symvers.
build_all "" "${exporters[@]}"
symvers=()
for name in "${exporters[@]}"; do
    if [[ -f $scratch/$name/Module.symvers ]]; then
        symvers+=("$scratch/$name/Module.symvers")
    fi
done
build_all "${symvers[*]}" "${users[@]}"

# --- check ----------------------------------------------------------------------------------
failed=()
checked=0
# fail NAME WHY: reports NAME with WHY and the first compiler or modpost error, then the
# whole build output (with the scratch folder's path left out).
fail() {
    local name=$1 why=$2 first
    failed+=("$name")
    first=$(grep -m 1 -E '(^|: )(fatal )?error:|^ERROR: modpost: ' "$scratch/$name.log" |
        sed "s|$scratch/||g" || true)
    echo "FAIL: $name: $why" >&2
    [[ -z $first ]] || echo "      first error: $first" >&2
    echo "----- make -C $kdir M=.../$name modules (from ${source_of[$name]}) -----" >&2
    grep -vE '^make(\[[0-9]+\])?: (Entering|Leaving) directory' "$scratch/$name.log" |
        sed "s|$scratch/||g" >&2 || true
    echo "-----" >&2
}

for name in $(printf '%s\n' "${!source_of[@]}" | sort); do
    checked=$((checked + 1))
    log=$scratch/$name.log
    rc=$(cat "$scratch/$name.rc" 2>/dev/null || echo "?")
    # The compiler's diagnostics (gcc's "file:line:col: error: ..."), then modpost's.
    if grep -qE '(^|: )(fatal )?(error|warning):' "$log"; then
        fail "$name" "the compiler reported errors or warnings against the real headers"
        continue
    fi
    got=$(grep -E '^(ERROR|WARNING): modpost: ' "$log" | sed "s|$scratch/$name/||g" | sort || true)
    want=$(printf '%s' "${expected_modpost[$name]:-}" | sort)
    if [[ -n $want ]]; then
        if [[ $got != "$want" ]]; then
            fail "$name" "modpost should have said exactly:
$want"
        elif [[ $rc == 0 ]]; then
            fail "$name" "the build should have been refused at modpost"
        else
            echo "ok: $name compiles; modpost refuses it as expected ($(wc -l <<<"$want") message(s))"
        fi
        continue
    fi
    if [[ -n $got ]]; then
        fail "$name" "modpost complained"
    elif [[ $rc != 0 ]]; then
        fail "$name" "make failed (exit status $rc)"
    elif [[ ! -f $scratch/$name/$name.ko ]]; then
        fail "$name" "make succeeded but made no $name.ko"
    else
        echo "ok: $name.ko"
    fi
done

echo "$checked module(s) checked against Linux $release in $((SECONDS - started)) s," \
    "$skipped skipped, ${#failed[@]} failed"
if ((${#failed[@]} > 0)); then
    echo "FAIL: ${#failed[@]} module(s) do not build against the real headers:" \
        "${failed[*]} (see above)" >&2
    exit 1
fi
