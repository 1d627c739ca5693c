// libFuzzer target: insmod's parameter string ("a=1 b=\"x y\" arr=1,2") as
// apply_module_params() splits it (Linux's next_arg()) and hands each value to the standard
// setters of kernel/params.c, every type once, plain and as arrays; then each value is read
// back as /sys/module/NAME/parameters/ would (ops->get into a page), set again at run time
// (write_module_param) and freed as at unload. The same bytes also go to each kstrto*()
// with every base: kstrtox is what the numeric setters stand on.
#include "kernel/kernel.h"
#include "kernel/module_params.h"

#include <linux/errno.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using namespace lkmfs::kernel;

Kernel &kernel() {
    static Kernel *k = [] {
        KernelOptions options;
        options.console_loglevel = 0; // the setters' complaints stay in the ring
        options.log_buf_bytes = 64 * 1024;
        return new Kernel(options); // lives as long as the process, as the daemon's
    }();
    return *k;
}

void check(bool condition) {
    if (!condition)
        std::abort();
}

// Each narrower kstrto*() must agree with the widest one of its signedness: when it
// accepts the text, the wide one accepts it too, with the same value.
template <class T, class Wide>
void agrees(const char *what, unsigned base, int rc, T value, int wide_rc, Wide wide) {
    if ((rc == 0 || rc == -EINVAL || rc == -ERANGE) &&
        (rc != 0 || (wide_rc == 0 && static_cast<Wide>(value) == wide)))
        return;
    std::fprintf(stderr, "%s base %u: %d (%lld) but the wide parse: %d (%lld)\n", what, base, rc,
                 static_cast<long long>(value), wide_rc, static_cast<long long>(wide));
    std::abort();
}

void kstrtox_all(const std::string &s) {
    const char *text = s.c_str();
    for (unsigned base : {0U, 8U, 10U, 16U}) {
        unsigned long long ull = 0;
        long long ll = 0;
        int rull = kstrtoull(text, base, &ull);
        int rll = kstrtoll(text, base, &ll);
        check(rull == 0 || rull == -EINVAL || rull == -ERANGE);
        check(rll == 0 || rll == -EINVAL || rll == -ERANGE);
        unsigned long ul = 0;
        long l = 0;
        unsigned int ui = 0;
        int i = 0;
        u16 u16v = 0;
        s16 s16v = 0;
        u8 u8v = 0;
        s8 s8v = 0;
        int rc = 0; // each call first: the order of a call's arguments is unspecified
        rc = kstrtoul(text, base, &ul);
        agrees("kstrtoul", base, rc, ul, rull, ull);
        rc = kstrtol(text, base, &l);
        agrees("kstrtol", base, rc, l, rll, ll);
        rc = kstrtouint(text, base, &ui);
        agrees("kstrtouint", base, rc, ui, rull, ull);
        rc = kstrtoint(text, base, &i);
        agrees("kstrtoint", base, rc, i, rll, ll);
        rc = kstrtou16(text, base, &u16v);
        agrees("kstrtou16", base, rc, u16v, rull, ull);
        rc = kstrtos16(text, base, &s16v);
        agrees("kstrtos16", base, rc, s16v, rll, ll);
        rc = kstrtou8(text, base, &u8v);
        agrees("kstrtou8", base, rc, u8v, rull, ull);
        rc = kstrtos8(text, base, &s8v);
        agrees("kstrtos8", base, rc, s8v, rll, ll);
    }
    bool b = false;
    int rb = kstrtobool(text, &b);
    check(rb == 0 || rb == -EINVAL);
}

// One module's worth of parameters, fresh for each input (a module's statics at load).
struct Params {
    unsigned char byte_v = 1;
    short short_v = 1;
    unsigned short ushort_v = 1;
    int int_v = 1;
    unsigned int uint_v = 1;
    long long_v = 1;
    unsigned long ulong_v = 1;
    unsigned long long ullong_v = 1;
    unsigned int hexint_v = 1;
    char *charp_v = const_cast<char *>("default"); // a literal, as in a module
    bool bool_v = false;
    bool invbool_v = false;
    int bint_v = 0;
    std::array<char, 16> string_buf{};
    kparam_string string_v{16, string_buf.data()};
    std::array<int, 4> ints{};
    unsigned int ints_num = 0;
    kparam_array ints_v{4, sizeof(int), &ints_num, &param_ops_int, ints.data()};
    std::array<char *, 8> strs{};
    unsigned int strs_num = 0;
    kparam_array strs_v{8, sizeof(char *), &strs_num, &param_ops_charp, strs.data()};
    std::array<bool, 3> flags{};
    kparam_array flags_v{3, sizeof(bool), nullptr, &param_ops_bool, flags.data()};

    static kernel_param p(const char *name, const kernel_param_ops *ops, const void *arg) {
        return kernel_param{name, nullptr, ops, 0644, -1, 0, {const_cast<void *>(arg)}};
    }
    std::array<kernel_param, 17> table{{
        p("byte", &param_ops_byte, &byte_v),
        p("short", &param_ops_short, &short_v),
        p("ushort", &param_ops_ushort, &ushort_v),
        p("int", &param_ops_int, &int_v),
        p("uint", &param_ops_uint, &uint_v),
        p("long", &param_ops_long, &long_v),
        p("ulong", &param_ops_ulong, &ulong_v),
        p("ullong", &param_ops_ullong, &ullong_v),
        p("hex_int", &param_ops_hexint, &hexint_v),
        p("charp", &param_ops_charp, &charp_v),
        p("bool", &param_ops_bool, &bool_v),
        p("invbool", &param_ops_invbool, &invbool_v),
        p("bint", &param_ops_bint, &bint_v),
        p("string", &param_ops_string, &string_v),
        p("ints", &param_array_ops, &ints_v),
        p("strs", &param_array_ops, &strs_v),
        p("flags", &param_array_ops, &flags_v),
    }};
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    kernel();
    std::string args(reinterpret_cast<const char *>(data), size);
    args = args.c_str(); // insmod's argument is a C string: it ends at the first NUL
    kstrtox_all(args);

    Params params;
    const kernel_param *begin = params.table.data();
    const kernel_param *end = begin + params.table.size();
    (void)apply_module_params("fuzz", args, begin, end);
    std::string value;
    for (const kernel_param &kp : params.table) {
        if (read_module_param(&kp, &value) == 0 && value.size() >= 4096)
            std::abort(); // a page, newline dropped: at most 4095 bytes
        (void)module_param_type(&kp);
    }
    // At run time the whole text is one value (as a write to the sysfs file).
    for (const char *name : {"ints", "strs", "charp", "string"})
        if (const kernel_param *kp = find_module_param(begin, end, name))
            (void)write_module_param(kp, args);
    free_module_params(begin, end);
    return 0;
}
