#!/usr/bin/env bash
# The module build, as a course student meets it: copy a sample folder, run `make` with the
# seed's Makefile against the build tree's KDIR, get NAME.ko that kmod's modinfo reads;
# `make clean` removes what make made. Then checks every staged sample .ko (C, C++,
# several objects): its .modinfo, and that it defines nothing but __this_module for other
# objects to bind to and needs nothing but kernel API names and libc string functions.
#
# usage: sample_modules_test.sh KDIR MODULES_STAGE_DIR MODULES_SOURCE_DIR
#   environment: CC, CXX (optional) - the compilers the build tree uses
set -euo pipefail

kdir=$1
stage_dir=$2
source_dir=$3

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lkmfs-sample-modules.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Run as `make` is run by a user, not as a child of the make (or ctest) that started us.
unset MAKEFLAGS MFLAGS MAKELEVEL
make_vars=(KDIR="$kdir")
[[ -n ${CC:-} ]] && make_vars+=(CC="$CC")
[[ -n ${CXX:-} ]] && make_vars+=(CXX="$CXX")

release=$(cat "$kdir/include/config/kernel.release")

# The names the SDK declares as the kernel API: those between KAPI_BEGIN and KAPI_END.
kapi_names="$scratch/kapi-names"
find "$kdir/include" -name '*.h' -exec cat {} + |
    awk '/KAPI_BEGIN/ { inside = 1; next } /KAPI_END/ { inside = 0 } inside' |
    grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u >"$kapi_names"
[[ -s $kapi_names ]] || fail "found no KAPI_BEGIN/KAPI_END declarations under $kdir/include"

# libc functions a module may call as the kernel's own (see <linux/string.h>), and what
# the toolchain's shared-object start files reference weakly.
libc_names='^(mem(cpy|move|set|cmp|chr)|str(len|nlen|cmp|ncmp|casecmp|ncasecmp|cpy|ncpy|cat|ncat|chr|rchr|str|spn|cspn|pbrk|sep)|v?snprintf|v?sprintf|v?sscanf)$'
crt_weak_names='^(__cxa_finalize|__gmon_start__|_ITM_registerTMCloneTable|_ITM_deregisterTMCloneTable)$'
# What a C++ module's global with a destructor registers it through (run at unmap time).
cxx_global_names='^__cxa_atexit$'

# check_symbols KO: defined global symbols with default or protected visibility (the ones
# another object can bind to) must be __this_module; undefined ones must be kernel API,
# libc string functions, the start files' weak references, or __cxa_atexit.
check_symbols() {
    local ko=$1 name bad=0
    local -a fields
    while read -r -a fields; do
        # Num: Value Size Type Bind Vis Ndx Name
        [[ ${#fields[@]} -ge 8 && ${fields[0]} =~ ^[0-9]+:$ ]] || continue
        local bind=${fields[4]} vis=${fields[5]} ndx=${fields[6]} sym=${fields[7]%%@*}
        [[ $bind == LOCAL ]] && continue
        if [[ $ndx == UND ]]; then
            if grep -qxF -- "$sym" "$kapi_names" || [[ $sym =~ $libc_names ]]; then
                continue
            fi
            if [[ $bind == WEAK && $sym =~ $crt_weak_names ]]; then
                continue
            fi
            if [[ $sym =~ $cxx_global_names ]]; then
                continue
            fi
            fail "$(basename "$ko"): undefined symbol $sym ($bind) is not a kernel API name"
            bad=1
        elif [[ $vis == DEFAULT || $vis == PROTECTED ]]; then
            [[ $sym == __this_module ]] && continue
            fail "$(basename "$ko"): defines $sym ($bind $vis) for other objects to bind to"
            bad=1
        fi
    done < <(readelf --dyn-syms -W "$ko")
    if ! readelf --dyn-syms -W "$ko" | grep -qE ' GLOBAL +DEFAULT +[0-9]+ __this_module$'; then
        fail "$(basename "$ko"): __this_module is not a defined global symbol"
        bad=1
    fi
    [[ $bad == 0 ]] && pass "$(basename "$ko"): dynamic symbols"
    return 0
}

# expect_field KO FIELD VALUE: kmod's modinfo -F FIELD prints exactly VALUE.
expect_field() {
    local ko=$1 field=$2 want=$3 got
    got=$(modinfo -F "$field" "$ko" 2>&1) || true
    if [[ $got == "$want" ]]; then
        pass "$(basename "$ko"): modinfo $field = $want"
    else
        fail "$(basename "$ko"): modinfo $field: want '$want', got '$got'"
    fi
}

# --- hello, from a scratch copy, with the seed's Makefile ---------------------------------
work="$scratch/hello"
cp -r "$source_dir/hello" "$work"
(cd "$work" && find . -type f | sort) >"$scratch/files-before"

if (cd "$work" && make "${make_vars[@]}") >"$scratch/build.log" 2>&1; then
    pass "make builds hello.ko from the seed Makefile"
else
    fail "make failed:"
    cat "$scratch/build.log" >&2
fi
if grep -qE 'warning:|error:' "$scratch/build.log"; then
    fail "the build printed diagnostics:"
    cat "$scratch/build.log" >&2
fi

ko="$work/hello.ko"
if [[ -f $ko ]]; then
    # From inside the folder, as the course does it: kmod resolves ./hello.ko as a path.
    if (cd "$work" && modinfo ./hello.ko) >"$scratch/modinfo.log" 2>&1; then
        pass "modinfo ./hello.ko"
    else
        fail "modinfo ./hello.ko: $(cat "$scratch/modinfo.log")"
    fi
    expect_field "$ko" license GPL
    expect_field "$ko" author PBS
    expect_field "$ko" description "The simplest kernel module"
    expect_field "$ko" name hello
    expect_field "$ko" vermagic "$(grep -oE '"[^"]+"' "$kdir/include/linux/vermagic.h" | tr -d '"')"
    [[ $(modinfo -F vermagic "$ko") == "$release "* ]] ||
        fail "hello.ko: vermagic does not start with the kernel release $release"

    modinfo_section=$(readelf -p .modinfo "$ko" 2>&1) || true
    for entry in license=GPL author=PBS name=hello "vermagic=$release"; do
        grep -qF -- "$entry" <<<"$modinfo_section" || fail "hello.ko: .modinfo lacks $entry"
    done
    check_symbols "$ko"
    readelf --dyn-syms -W "$ko" | grep -qE ' UND _printk$' ||
        fail "hello.ko: printk does not reach the kernel as _printk"
fi

if (cd "$work" && make "${make_vars[@]}" clean) >"$scratch/clean.log" 2>&1; then
    (cd "$work" && find . -type f | sort) >"$scratch/files-after"
    if diff -u "$scratch/files-before" "$scratch/files-after" >"$scratch/clean.diff"; then
        pass "make clean leaves only the sources"
    else
        fail "make clean left files behind:"
        cat "$scratch/clean.diff" >&2
    fi
else
    fail "make clean failed: $(cat "$scratch/clean.log")"
fi

# --- every sample the build tree staged -----------------------------------------------------
declare -A descriptions=(
    [hello]="The simplest kernel module"
    [hello2]="A /proc entry that logs open, read, write and close"
    [kbuf]="A /proc entry backed by a kmalloc'd buffer of \`size\` bytes"
    [hello_cpp]="A module written in C++20"
    [kbuf_cpp]="kbuf in modern C++: RAII /proc entry, handlers as lambdas, span user copies"
    [multi]="A module linked from two source files"
)
for name in "${!descriptions[@]}"; do
    ko="$stage_dir/$name.ko"
    if [[ ! -f $ko ]]; then
        fail "$ko was not built"
        continue
    fi
    expect_field "$ko" name "$name"
    expect_field "$ko" license GPL
    expect_field "$ko" description "${descriptions[$name]}"
    check_symbols "$ko"
done

# The module parameter of kbuf (and of its C++ twin), as modinfo shows it.
expect_field "$stage_dir/kbuf.ko" parm "size:Capacity of the buffer in bytes (default 4096) (uint)"
expect_field "$stage_dir/kbuf_cpp.ko" parm \
    "size:Capacity of the buffer in bytes (default 4096) (uint)"
# The C++ sample was compiled as C++: its symbol table holds mangled names.
if [[ -f $stage_dir/hello_cpp.ko ]]; then
    if nm "$stage_dir/hello_cpp.ko" | grep -qE ' _Z[A-Za-z0-9_]+$'; then
        pass "hello_cpp.ko was compiled as C++"
    else
        fail "hello_cpp.ko has no mangled symbols: was hello_cpp.cpp compiled as C++?"
    fi
fi
# The C++ layer is templates over the C API: kbuf_cpp.ko needs no C++ runtime name (the
# check above), and it reaches the core through the same calls as kbuf.
if [[ -f $stage_dir/kbuf_cpp.ko ]]; then
    for sym in proc_create_data proc_remove pde_data copy_from_user simple_read_from_buffer \
        kmalloc kfree mutex_lock mutex_unlock; do
        readelf --dyn-syms -W "$stage_dir/kbuf_cpp.ko" | grep -qE " UND $sym\$" ||
            fail "kbuf_cpp.ko does not call $sym"
    done
    pass "kbuf_cpp.ko calls the C API underneath"
fi
# Both objects of multi.ko were linked in: main.o's init prints the string from helper.o.
if [[ -f $stage_dir/multi.ko ]]; then
    if nm "$stage_dir/multi.ko" | grep -qE ' t multi_helper_greeting$' &&
        nm "$stage_dir/multi.ko" | grep -qE ' t init_module$'; then
        pass "multi.ko links main.o and helper.o"
    else
        fail "multi.ko lacks init_module or multi_helper_greeting (a local symbol)"
    fi
fi

if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all checks passed"
