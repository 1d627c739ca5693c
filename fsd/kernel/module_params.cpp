#include "module_params.h"
#include "oops.h"

#include "slab_registry.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

namespace {

// `name` and `param` match when they differ only in '-' versus '_' (parameq).
bool param_name_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] == '-' ? '_' : a[i];
        char y = b[i] == '-' ? '_' : b[i];
        if (x != y)
            return false;
    }
    return true;
}

struct Arg {
    std::string name;
    bool has_value = false;
    std::string value;
};

// Splits arguments as Linux's next_arg() does: an argument ends at the first space outside
// double quotes; quotes stay part of the text except a quote opening the whole argument or
// the value, whose closing quote at the argument's end is dropped with it. So
// `s="a b"` gives "a b" while `s=a"b c"d` keeps its quotes.
std::vector<Arg> split_args(std::string_view args) {
    std::vector<Arg> out;
    auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::size_t pos = 0;
    while (true) {
        while (pos < args.size() && is_space(args[pos]))
            ++pos;
        if (pos == args.size())
            break;
        bool whole_quoted = args[pos] == '"';
        if (whole_quoted)
            ++pos;
        bool in_quote = whole_quoted;
        std::size_t start = pos;
        std::size_t eq = std::string_view::npos;
        for (; pos < args.size(); ++pos) {
            char c = args[pos];
            if (is_space(c) && !in_quote)
                break;
            if (c == '=' && eq == std::string_view::npos)
                eq = pos - start;
            if (c == '"')
                in_quote = !in_quote;
        }
        std::string token(args.substr(start, pos - start));
        bool drop_closing_quote = whole_quoted;
        Arg arg;
        if (eq == std::string_view::npos) {
            arg.name = token;
        } else {
            arg.name = token.substr(0, eq);
            arg.has_value = true;
            arg.value = token.substr(eq + 1);
            if (!arg.value.empty() && arg.value.front() == '"') {
                arg.value.erase(0, 1);
                drop_closing_quote = true;
            }
        }
        std::string &tail = arg.has_value ? arg.value : arg.name;
        if (drop_closing_quote && !token.empty() && token.back() == '"' && !tail.empty() &&
            tail.back() == '"')
            tail.pop_back();
        out.push_back(std::move(arg));
    }
    return out;
}

} // namespace

namespace lkmfs::kernel {

Status apply_module_params(std::string_view module_name, std::string_view args,
                           const kernel_param *begin, const kernel_param *end) {
    // As parse_args(): every argument is tried; each failure is logged; the last one is
    // the result.
    std::string doing(module_name);
    Status result = Status::ok();
    for (const Arg &arg : split_args(args)) {
        const kernel_param *kp = nullptr;
        for (const kernel_param *p = begin; p != nullptr && p < end; ++p)
            if (param_name_equal(p->name, arg.name))
                kp = p;
        if (kp == nullptr) {
            printk(KERN_WARNING "%s: unknown parameter '%s' ignored\n", doing.c_str(),
                   arg.name.c_str());
            continue;
        }
        int err = 0;
        if (!arg.has_value && !(kp->ops->flags & KERNEL_PARAM_OPS_FL_NOARG))
            err = -EINVAL; // only flag-like parameters may go without a value
        else if (!run_contained("param set", [&] {
                     err = kp->ops->set(arg.has_value ? arg.value.c_str() : nullptr, kp);
                 }))
            err = -EFAULT; // a custom setter (module_param_cb) oopsed
        if (err == 0)
            continue;
        const char *val = arg.value.c_str();
        if (err == -ENOSPC)
            printk(KERN_ERR "%s: `%s' too large for parameter `%s'\n", doing.c_str(), val,
                   arg.name.c_str());
        else
            printk(KERN_ERR "%s: `%s' invalid for parameter `%s'\n", doing.c_str(), val,
                   arg.name.c_str());
        result = Status::error(-err, "invalid value '" + arg.value + "' for parameter '" +
                                         arg.name + "'");
    }
    return result;
}

void free_module_params(const kernel_param *begin, const kernel_param *end) {
    for (const kernel_param *p = begin; p != nullptr && p < end; ++p)
        if (p->ops->free != nullptr)
            p->ops->free(p->arg);
}

} // namespace lkmfs::kernel

// ---- the standard parameter types (kernel/params.c) -------------------------------------

namespace {

template <class T, class Parse>
int set_number(const char *val, const kernel_param *kp, Parse parse) {
    if (val == nullptr)
        return -EINVAL;
    T value;
    int err = parse(val, 0, &value);
    if (err == 0)
        *static_cast<T *>(kp->arg) = value;
    return err;
}

template <class T>
int get_number(char *buffer, const kernel_param *kp, const char *fmt) {
    return std::snprintf(buffer, 4096, fmt, *static_cast<T *>(kp->arg));
}

int set_bool(const char *val, const kernel_param *kp) {
    bool value;
    int err = kstrtobool(val == nullptr ? "1" : val, &value);
    if (err == 0)
        *static_cast<bool *>(kp->arg) = value;
    return err;
}
int get_bool(char *buffer, const kernel_param *kp) {
    return std::snprintf(buffer, 4096, "%c\n", *static_cast<bool *>(kp->arg) ? 'Y' : 'N');
}
int set_invbool(const char *val, const kernel_param *kp) {
    bool value;
    int err = kstrtobool(val == nullptr ? "1" : val, &value);
    if (err == 0)
        *static_cast<bool *>(kp->arg) = !value;
    return err;
}
int get_invbool(char *buffer, const kernel_param *kp) {
    return std::snprintf(buffer, 4096, "%c\n", *static_cast<bool *>(kp->arg) ? 'N' : 'Y');
}
int set_bint(const char *val, const kernel_param *kp) {
    bool value;
    int err = kstrtobool(val == nullptr ? "1" : val, &value);
    if (err == 0)
        *static_cast<int *>(kp->arg) = value ? 1 : 0;
    return err;
}

// Frees a charp value only if it is a kmalloc'd one (set by insmod), as
// maybe_kfree_parameter(): the module's own default is not ours to free.
void free_charp(void *arg) {
    char **p = static_cast<char **>(arg);
    if (*p != nullptr && lkmfs::kernel::is_live_kmalloc_object(*p)) {
        kfree(*p);
        *p = nullptr;
    }
}

int set_charp(const char *val, const kernel_param *kp) {
    if (val == nullptr)
        return -EINVAL;
    if (std::strlen(val) > 1024) {
        printk(KERN_ERR "%s: string parameter too long\n", kp->name);
        return -ENOSPC;
    }
    char *copy = kstrdup(val, GFP_KERNEL);
    if (copy == nullptr)
        return -ENOMEM;
    // A value set earlier was ours (kmalloc'd); the module's default is a literal, not.
    free_charp(kp->arg);
    *static_cast<char **>(kp->arg) = copy;
    return 0;
}
int get_charp(char *buffer, const kernel_param *kp) {
    const char *s = *static_cast<char **>(kp->arg);
    return std::snprintf(buffer, 4096, "%s\n", s != nullptr ? s : "(null)");
}

int set_string(const char *val, const kernel_param *kp) {
    if (val == nullptr)
        return -EINVAL;
    const kparam_string *str = kp->str;
    if (std::strlen(val) + 1 > str->maxlen) {
        printk(KERN_ERR "%s: string doesn't fit in %u chars.\n", kp->name, str->maxlen - 1);
        return -ENOSPC;
    }
    std::strcpy(str->string, val);
    return 0;
}
int get_string(char *buffer, const kernel_param *kp) {
    return std::snprintf(buffer, 4096, "%s\n", kp->str->string);
}

int set_array(const char *val, const kernel_param *kp) {
    if (val == nullptr)
        return -EINVAL;
    const kparam_array *arr = kp->arr;
    std::string values(val);
    unsigned int count = 0;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = values.find(',', start);
        std::string item = values.substr(start, comma - start);
        if (count == arr->max) {
            printk(KERN_ERR "%s: can only take %u arguments\n", kp->name, arr->max);
            return -EINVAL;
        }
        kernel_param element{kp->name, kp->mod, arr->ops, kp->perm, kp->level, kp->flags, {}};
        element.arg = static_cast<char *>(arr->elem) + std::size_t{arr->elemsize} * count;
        int err = arr->ops->set(item.c_str(), &element);
        if (err != 0)
            return err;
        ++count;
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    if (arr->num != nullptr)
        *arr->num = count;
    return 0;
}

// The elements joined by commas, cut to fit the page as scnprintf() would: a charp array's
// strings may add up to more than a page.
int get_array(char *buffer, const kernel_param *kp) {
    constexpr std::size_t kPage = 4096;
    const kparam_array *arr = kp->arr;
    unsigned int count = arr->num != nullptr ? *arr->num : arr->max;
    std::string text;
    for (unsigned int i = 0; i < count && text.size() < kPage; ++i) {
        kernel_param element{kp->name, kp->mod, arr->ops, kp->perm, kp->level, kp->flags, {}};
        element.arg = static_cast<char *>(arr->elem) + std::size_t{arr->elemsize} * i;
        char item[kPage] = "";
        int n = arr->ops->get(item, &element);
        if (n < 0)
            return n;
        std::string_view value(item, std::min(static_cast<std::size_t>(n), std::strlen(item)));
        if (!value.empty() && value.back() == '\n')
            value.remove_suffix(1);
        if (i > 0)
            text += ',';
        text += value;
    }
    text += '\n';
    std::size_t length = std::min(text.size(), kPage - 1);
    std::memcpy(buffer, text.data(), length);
    buffer[length] = '\0';
    return static_cast<int>(length);
}

// As param_array_free(): each element's own free (a charp array's strings).
void free_array(void *arg) {
    const auto *arr = static_cast<const kparam_array *>(arg);
    if (arr->ops->free == nullptr)
        return;
    for (unsigned int i = 0; i < arr->max; ++i)
        arr->ops->free(static_cast<char *>(arr->elem) + std::size_t{arr->elemsize} * i);
}

} // namespace

#define LKMFS_NUMBER_PARAM(name, type, parse, fmt)                                                 \
    extern "C" const kernel_param_ops param_ops_##name = {                                         \
        0,                                                                                         \
        [](const char *val, const kernel_param *kp) { return set_number<type>(val, kp, parse); },  \
        [](char *buffer, const kernel_param *kp) { return get_number<type>(buffer, kp, fmt); },    \
        nullptr}

LKMFS_NUMBER_PARAM(byte, u8, kstrtou8, "%hhu\n");
LKMFS_NUMBER_PARAM(short, s16, kstrtos16, "%hi\n");
LKMFS_NUMBER_PARAM(ushort, u16, kstrtou16, "%hu\n");
LKMFS_NUMBER_PARAM(int, int, kstrtoint, "%i\n");
LKMFS_NUMBER_PARAM(uint, unsigned int, kstrtouint, "%u\n");
LKMFS_NUMBER_PARAM(long, long, kstrtol, "%li\n");
LKMFS_NUMBER_PARAM(ulong, unsigned long, kstrtoul, "%lu\n");
LKMFS_NUMBER_PARAM(ullong, unsigned long long, kstrtoull, "%llu\n");
LKMFS_NUMBER_PARAM(hexint, unsigned int, kstrtouint, "%#08x\n");

extern "C" const kernel_param_ops param_ops_bool = {KERNEL_PARAM_OPS_FL_NOARG, set_bool, get_bool,
                                                    nullptr};
extern "C" const kernel_param_ops param_ops_invbool = {0, set_invbool, get_invbool, nullptr};
extern "C" const kernel_param_ops param_ops_bint = {
    KERNEL_PARAM_OPS_FL_NOARG, set_bint,
    [](char *buffer, const kernel_param *kp) { return get_number<int>(buffer, kp, "%i\n"); },
    nullptr};
extern "C" const kernel_param_ops param_ops_charp = {0, set_charp, get_charp, free_charp};
extern "C" const kernel_param_ops param_ops_string = {0, set_string, get_string, nullptr};
extern "C" const kernel_param_ops param_array_ops = {0, set_array, get_array, free_array};

// ---- at run time ------------------------------------------------------------------------

namespace {

// The standard ops and the names module_param() gives their types.
struct NamedOps {
    const kernel_param_ops *ops;
    const char *name;
};
constexpr NamedOps kStandardOps[] = {
    {&param_ops_byte, "byte"},   {&param_ops_short, "short"},   {&param_ops_ushort, "ushort"},
    {&param_ops_int, "int"},     {&param_ops_uint, "uint"},     {&param_ops_long, "long"},
    {&param_ops_ulong, "ulong"}, {&param_ops_ullong, "ullong"}, {&param_ops_hexint, "hexint"},
    {&param_ops_charp, "charp"}, {&param_ops_bool, "bool"},     {&param_ops_invbool, "invbool"},
    {&param_ops_bint, "bint"},   {&param_ops_string, "string"},
};

const char *standard_type(const kernel_param_ops *ops) {
    for (const NamedOps &n : kStandardOps)
        if (n.ops == ops)
            return n.name;
    return nullptr;
}

} // namespace

namespace lkmfs::kernel {

const kernel_param *find_module_param(const kernel_param *begin, const kernel_param *end,
                                      std::string_view name) {
    for (const kernel_param *p = begin; p != nullptr && p < end; ++p)
        if (param_name_equal(p->name, name))
            return p;
    return nullptr;
}

int read_module_param(const kernel_param *kp, std::string *value) {
    value->clear();
    if (kp->ops->get == nullptr)
        return -EPERM;
    // A page, as sysfs gives show(); the standard getters write at most that.
    std::string page(4096, '\0');
    int n = 0;
    if (!run_contained("param get", [&] { n = kp->ops->get(page.data(), kp); }))
        return -EFAULT;
    if (n < 0)
        return n;
    page.resize(std::min(static_cast<std::size_t>(n), std::strlen(page.c_str())));
    if (!page.empty() && page.back() == '\n')
        page.pop_back();
    *value = std::move(page);
    return 0;
}

int write_module_param(const kernel_param *kp, std::string_view value) {
    if (kp->ops->set == nullptr)
        return -EPERM;
    std::string text(value);
    // Linux's param_array_set() leaves the elements before a bad one changed; values that
    // own nothing (numbers, bools) can simply be put back. Arrays of charp cannot: their
    // setter already freed the strings replaced.
    const kparam_array *arr = kp->ops == &param_array_ops ? kp->arr : nullptr;
    bool restorable = arr != nullptr && arr->ops->free == nullptr;
    std::vector<unsigned char> saved;
    unsigned int saved_num = 0;
    if (restorable) {
        const auto *elem = static_cast<const unsigned char *>(arr->elem);
        saved.assign(elem, elem + std::size_t{arr->max} * arr->elemsize);
        if (arr->num != nullptr)
            saved_num = *arr->num;
    }
    int err = 0;
    if (!run_contained("param set", [&] { err = kp->ops->set(text.c_str(), kp); }))
        err = -EFAULT;
    if (err != 0 && restorable) {
        std::memcpy(arr->elem, saved.data(), saved.size());
        if (arr->num != nullptr)
            *arr->num = saved_num;
    }
    return err;
}

std::string module_param_type(const kernel_param *kp) {
    if (kp->ops == &param_array_ops) {
        const char *elem = standard_type(kp->arr->ops);
        return elem != nullptr ? std::string("array of ") + elem : "array";
    }
    const char *type = standard_type(kp->ops);
    return type != nullptr ? type : "";
}

} // namespace lkmfs::kernel
