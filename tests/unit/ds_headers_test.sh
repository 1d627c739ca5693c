#!/usr/bin/env bash
# Each data-structure header of the SDK, included alone, compiles warning-free as a module
# compiles it (not as a system header): in C (gnu11) and in C++ (gnu++20), with -Wall
# -Wextra -Werror, and its macros expand cleanly in a use of them (ds_c_api.c covers the
# behaviour; this covers the diagnostics a module author would see).
#
# usage: ds_headers_test.sh SDK_INCLUDE_DIR GENERATED_INCLUDE_DIR USE_FILE
#   environment: CC, CXX (optional)
set -euo pipefail

include_dir=$1
generated_dir=$2
use_file=$3
cc=${CC:-cc}
cxx=${CXX:-c++}
headers=(list rbtree rbtree_types idr kref bitops bitmap circ_buf kfifo hash hashtable log2)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lkmfs-ds-headers.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failures=0
compile() { # LANG-DRIVER SOURCE DESCRIPTION FLAGS...
    local driver=$1 source=$2 what=$3
    shift 3
    if "$driver" "$@" -I"$include_dir" -I"$generated_dir" -DMODULE -D__LKMFS__ -Wall -Wextra \
        -Werror -fsyntax-only "$source" 2>"$scratch/err"; then
        echo "ok: $what"
    else
        echo "FAIL: $what" >&2
        cat "$scratch/err" >&2
        failures=$((failures + 1))
    fi
}

for h in "${headers[@]}"; do
    printf '#include <linux/%s.h>\n' "$h" >"$scratch/$h.c"
    cp "$scratch/$h.c" "$scratch/$h.cpp"
    compile "$cc" "$scratch/$h.c" "<linux/$h.h> in C" -std=gnu11
    compile "$cxx" "$scratch/$h.cpp" "<linux/$h.h> in C++" -std=gnu++20
done
cp "$use_file" "$scratch/use.cpp"
compile "$cc" "$use_file" "the macros used in C" -std=gnu11 -Wshadow -I"$(dirname "$use_file")"
compile "$cxx" "$scratch/use.cpp" "the macros used in C++" -std=gnu++20 -Wshadow -I"$(dirname "$use_file")"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)" >&2; exit 1; }
