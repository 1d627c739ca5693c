#!/usr/bin/env bash
# The C++ layer's headers (<lkmfs/*.hpp>) as a module author meets them: each one, included
# alone, compiles warning-free with a module's C++ flags (gnu++20, no exceptions, no RTTI,
# -Wall -Wextra -Werror), before or after <linux/module.h> (whose macros would break the
# standard headers they include); and misuses fail to compile with the layer's message
# rather than pages of template errors.
#
# usage: cxx_headers_test.sh SDK_INCLUDE_DIR GENERATED_INCLUDE_DIR
#   environment: CXX (optional)
set -euo pipefail

include_dir=$1
generated_dir=$2
cxx=${CXX:-c++}
headers=(std result uaccess file handlers proc slab mutex)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lkmfs-cxx-headers.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failures=0
compile() { # SOURCE
    "$cxx" -std=gnu++20 -fno-exceptions -fno-rtti -I"$include_dir" -I"$generated_dir" \
        -DMODULE -D__LKMFS__ -DKBUILD_MODNAME='"cxx_headers"' -Wall -Wextra -Werror \
        -fsyntax-only "$1" 2>"$scratch/err"
}

for h in "${headers[@]}"; do
    for before in "" "#include <linux/module.h>"; do
        printf '%s\n#include <lkmfs/%s.hpp>\n' "$before" "$h" >"$scratch/$h.cpp"
        what="<lkmfs/$h.hpp>${before:+ after <linux/module.h>}"
        if compile "$scratch/$h.cpp"; then
            echo "ok: $what"
        else
            echo "FAIL: $what" >&2
            cat "$scratch/err" >&2
            failures=$((failures + 1))
        fi
    done
done

# must_fail NAME EXPECTED_MESSAGE BODY: BODY (inside a function, with the layer included)
# does not compile, and the compiler says EXPECTED_MESSAGE.
must_fail() {
    local name=$1 message=$2 body=$3
    cat >"$scratch/$name.cpp" <<EOF
#include <lkmfs/proc.hpp>
#include <lkmfs/slab.hpp>
#include <linux/module.h>
struct not_trivial { not_trivial(); ~not_trivial(); };
int misuse()
{
$body
	return 0;
}
EOF
    if compile "$scratch/$name.cpp"; then
        echo "FAIL: $name compiles" >&2
        failures=$((failures + 1))
    elif grep -qF -- "$message" "$scratch/err"; then
        echo "ok: $name is refused: $message"
    else
        echo "FAIL: $name is refused without '$message':" >&2
        cat "$scratch/err" >&2
        failures=$((failures + 1))
    fi
}

must_fail read_with_pointer_pos "lkmfs::handlers: .read must be callable as" '
	auto f = lkmfs::proc_file::create("x", 0444, nullptr, lkmfs::handlers{
		.read = [](lkmfs::file_ref, lkmfs::user_out, loff_t *) -> ssize_t { return 0; } });
	return f.error();'
must_fail write_given_user_out "lkmfs::handlers: .write must be callable as" '
	auto f = lkmfs::proc_file::create("x", 0222, nullptr, lkmfs::handlers{
		.write = [](lkmfs::file_ref, lkmfs::user_out, loff_t &) -> ssize_t { return 0; } });
	return f.error();'
must_fail open_without_result "lkmfs::handlers: .open must be callable as" '
	auto f = lkmfs::proc_file::create("x", 0444, nullptr, lkmfs::handlers{
		.open = [](lkmfs::file_ref) {} });
	return f.error();'
must_fail bare_lambda "pass the handlers as lkmfs::handlers{...}" '
	auto f = lkmfs::proc_file::create("x", 0444, nullptr,
		[](lkmfs::file_ref, lkmfs::user_out, loff_t &) -> ssize_t { return 0; });
	return f.error();'
must_fail copied_entry "use of deleted function" '
	lkmfs::proc_file a;
	lkmfs::proc_file b(a);'
must_fail karray_of_objects "holds trivially copyable objects only" '
	auto a = lkmfs::karray<not_trivial>::create(1);
	return a.error();'
must_fail copy_out_of_ints "no matching function" '
	int values[2] = { 1, 2 };
	return (int)lkmfs::user_out().copy_out(values);'

[[ $failures -eq 0 ]] || {
    echo "$failures failure(s)" >&2
    exit 1
}
