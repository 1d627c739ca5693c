// Module parameters (fsd/kernel/module_params.cpp) against Linux 6.1's kernel/params.c:
// every param_ops_* type set through apply_module_params() with hand-made kernel_param
// arrays, quoting, '-'/'_' equivalence, unknown names, and the kernel's messages for
// values a setter rejects; and the run-time reads and writes behind `lkmctl param`.
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/loaded_module.h"
#include "kernel/module_params.h"
#include "kernel/slab_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

namespace lkmfs::kernel {
namespace {

using ::testing::HasSubstr;

constexpr const char *kModule = "params_test";

kernel_param param(const char *name, const kernel_param_ops *ops, const void *arg) {
    return kernel_param{name, nullptr, ops, 0644, -1, 0, {const_cast<void *>(arg)}};
}

class KernelModuleParamsTest : public ::testing::Test {
  protected:
    static KernelOptions quiet() {
        KernelOptions options;
        options.console_loglevel = 0;
        return options;
    }
    Status apply(const std::vector<kernel_param> &params, std::string_view args) {
        return apply_module_params(kModule, args, params.data(), params.data() + params.size());
    }
    std::vector<LogRecord> new_records() {
        std::vector<LogRecord> out;
        for (const LogRecord &r : kernel_.log().snapshot())
            if (r.seq >= start_)
                out.push_back(r);
        return out;
    }
    std::vector<std::string> new_texts() {
        std::vector<std::string> out;
        for (const LogRecord &r : new_records())
            out.push_back(r.text);
        return out;
    }
    static std::string get(const kernel_param &kp) {
        std::string buffer(4096, '\0');
        int n = kp.ops->get(buffer.data(), &kp);
        EXPECT_GE(n, 0);
        buffer.resize(static_cast<std::size_t>(n < 0 ? 0 : n));
        return buffer;
    }

    Kernel kernel_{quiet()};
    std::uint64_t start_ = kernel_.log().next_seq();
};

// ---- numbers ----------------------------------------------------------------------------

TEST_F(KernelModuleParamsTest, NumericTypes) {
    int i = 1;
    unsigned int ui = 1;
    long l = 1;
    unsigned long ul = 1;
    unsigned long long ull = 1;
    short s = 1;
    unsigned short us = 1;
    unsigned char b = 1;
    unsigned int hex = 1;
    std::vector<kernel_param> params = {
        param("i", &param_ops_int, &i),        param("ui", &param_ops_uint, &ui),
        param("l", &param_ops_long, &l),       param("ul", &param_ops_ulong, &ul),
        param("ull", &param_ops_ullong, &ull), param("s", &param_ops_short, &s),
        param("us", &param_ops_ushort, &us),   param("b", &param_ops_byte, &b),
        param("hex", &param_ops_hexint, &hex),
    };
    Status st = apply(params, "i=-42 ui=4294967295 l=-9223372036854775808 ul=0x10 "
                              "ull=18446744073709551615 s=-32768 us=65535 b=255 hex=0x1f");
    ASSERT_TRUE(st) << st.message;
    EXPECT_EQ(i, -42);
    EXPECT_EQ(ui, 4294967295u);
    EXPECT_EQ(l, LONG_MIN);
    EXPECT_EQ(ul, 16u);
    EXPECT_EQ(ull, 18446744073709551615ull);
    EXPECT_EQ(s, -32768);
    EXPECT_EQ(us, 65535);
    EXPECT_EQ(b, 255);
    EXPECT_EQ(hex, 0x1fu);
    EXPECT_TRUE(new_records().empty());

    EXPECT_EQ(get(params[0]), "-42\n");
    EXPECT_EQ(get(params[1]), "4294967295\n");
    EXPECT_EQ(get(params[2]), "-9223372036854775808\n");
    EXPECT_EQ(get(params[3]), "16\n");
    EXPECT_EQ(get(params[4]), "18446744073709551615\n");
    EXPECT_EQ(get(params[5]), "-32768\n");
    EXPECT_EQ(get(params[6]), "65535\n");
    EXPECT_EQ(get(params[7]), "255\n");
    EXPECT_EQ(get(params[8]), "0x00001f\n"); // "%#08x"
}

TEST_F(KernelModuleParamsTest, NumbersAreParsedWithBaseZero) {
    int i = 0;
    unsigned int u = 0;
    std::vector<kernel_param> params = {param("i", &param_ops_int, &i),
                                        param("u", &param_ops_uint, &u)};
    ASSERT_TRUE(apply(params, "i=010 u=0x10"));
    EXPECT_EQ(i, 8);
    EXPECT_EQ(u, 16u);
    ASSERT_TRUE(apply(params, "i=+7"));
    EXPECT_EQ(i, 7);
}

TEST_F(KernelModuleParamsTest, BadNumberFailsWithTheKernelMessage) {
    int i = 5;
    std::vector<kernel_param> params = {param("count", &param_ops_int, &i)};
    Status st = apply(params, "count=abc");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_EQ(i, 5);
    auto records = new_records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].level, 3);
    EXPECT_EQ(records[0].text, "params_test: `abc' invalid for parameter `count'");
}

TEST_F(KernelModuleParamsTest, OutOfRangeNumberFailsWithErange) {
    unsigned char b = 9;
    std::vector<kernel_param> params = {param("b", &param_ops_byte, &b)};
    Status st = apply(params, "b=256");
    EXPECT_EQ(st.err, ERANGE);
    EXPECT_EQ(b, 9);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("params_test: `256' invalid for parameter `b'"));
}

TEST_F(KernelModuleParamsTest, NumberWithoutValueIsInvalid) {
    int i = 5;
    std::vector<kernel_param> params = {param("i", &param_ops_int, &i)};
    Status st = apply(params, "i");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_EQ(i, 5);
    EXPECT_THAT(new_texts(), ::testing::ElementsAre("params_test: `' invalid for parameter `i'"));
}

// ---- booleans ---------------------------------------------------------------------------

TEST_F(KernelModuleParamsTest, Bool) {
    bool flag = false;
    std::vector<kernel_param> params = {param("flag", &param_ops_bool, &flag)};
    ASSERT_TRUE(apply(params, "flag=y"));
    EXPECT_TRUE(flag);
    EXPECT_EQ(get(params[0]), "Y\n");
    ASSERT_TRUE(apply(params, "flag=N"));
    EXPECT_FALSE(flag);
    EXPECT_EQ(get(params[0]), "N\n");
    ASSERT_TRUE(apply(params, "flag")); // no value means "set"
    EXPECT_TRUE(flag);
    ASSERT_TRUE(apply(params, "flag=off"));
    EXPECT_FALSE(flag);
    ASSERT_TRUE(apply(params, "flag=1"));
    EXPECT_TRUE(flag);
    Status st = apply(params, "flag=2");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_TRUE(flag);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("params_test: `2' invalid for parameter `flag'"));
}

TEST_F(KernelModuleParamsTest, Invbool) {
    bool quiet = false;
    std::vector<kernel_param> params = {param("verbose", &param_ops_invbool, &quiet)};
    ASSERT_TRUE(apply(params, "verbose=y"));
    EXPECT_FALSE(quiet);
    EXPECT_EQ(get(params[0]), "Y\n");
    ASSERT_TRUE(apply(params, "verbose=0"));
    EXPECT_TRUE(quiet);
    EXPECT_EQ(get(params[0]), "N\n");
    EXPECT_EQ(apply(params, "verbose=maybe").err, EINVAL);
    EXPECT_TRUE(quiet);
}

// param_ops_invbool has no KERNEL_PARAM_OPS_FL_NOARG in Linux 6.1: parse_one() refuses a
// bare name with -EINVAL before the setter runs.
TEST_F(KernelModuleParamsTest, InvboolWithoutValueIsInvalid) {
    bool quiet = true;
    std::vector<kernel_param> params = {param("verbose", &param_ops_invbool, &quiet)};
    Status st = apply(params, "verbose");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_TRUE(quiet);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("params_test: `' invalid for parameter `verbose'"));
}

TEST_F(KernelModuleParamsTest, Bint) {
    int on = 7;
    std::vector<kernel_param> params = {param("on", &param_ops_bint, &on)};
    ASSERT_TRUE(apply(params, "on=Y"));
    EXPECT_EQ(on, 1);
    ASSERT_TRUE(apply(params, "on=f"));
    EXPECT_EQ(on, 0);
    ASSERT_TRUE(apply(params, "on"));
    EXPECT_EQ(on, 1);
    EXPECT_EQ(get(params[0]), "1\n");
    EXPECT_EQ(apply(params, "on=7").err, EINVAL);
    EXPECT_EQ(on, 1);
}

// A setter without KERNEL_PARAM_OPS_FL_NOARG never sees a NULL value in Linux: parse_one()
// answers -EINVAL itself. Module setters rely on it (they strlen/kstrto* the value).
int g_custom_calls = 0;
bool g_custom_saw_null = false;
int custom_set(const char *val, const kernel_param *) {
    ++g_custom_calls;
    g_custom_saw_null = val == nullptr;
    return 0;
}
int custom_get(char *buffer, const kernel_param *) {
    return scnprintf(buffer, 4096, "custom\n");
}
const kernel_param_ops custom_ops = {0, custom_set, custom_get, nullptr};

TEST_F(KernelModuleParamsTest, CustomSetterNeverGetsNullValue) {
    g_custom_calls = 0;
    g_custom_saw_null = false;
    int dummy = 0;
    std::vector<kernel_param> params = {param("custom", &custom_ops, &dummy)};
    ASSERT_TRUE(apply(params, "custom=x"));
    EXPECT_EQ(g_custom_calls, 1);
    EXPECT_FALSE(g_custom_saw_null);
    Status st = apply(params, "custom");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_EQ(g_custom_calls, 1) << "the setter was called without a value";
    EXPECT_FALSE(g_custom_saw_null);
}

// ---- strings ----------------------------------------------------------------------------

TEST_F(KernelModuleParamsTest, Charp) {
    char *name = const_cast<char *>("default");
    std::vector<kernel_param> params = {param("name", &param_ops_charp, &name)};
    EXPECT_EQ(get(params[0]), "default\n");
    ASSERT_TRUE(apply(params, "name=hello"));
    ASSERT_NE(name, nullptr);
    EXPECT_STREQ(name, "hello");
    EXPECT_EQ(get(params[0]), "hello\n");
    char *first = name;
    ASSERT_TRUE(apply(params, "name=\"two words\""));
    EXPECT_STREQ(name, "two words");
    kfree(first);
    kfree(name);

    name = nullptr;
    EXPECT_EQ(get(params[0]), "(null)\n");
    EXPECT_EQ(apply(params, "name").err, EINVAL);
    EXPECT_EQ(name, nullptr);
}

TEST_F(KernelModuleParamsTest, CharpTooLongIsRejected) {
    char *name = nullptr;
    std::vector<kernel_param> params = {param("name", &param_ops_charp, &name)};
    std::string value(1025, 'v');
    Status st = apply(params, "name=" + value);
    EXPECT_EQ(st.err, ENOSPC);
    EXPECT_EQ(name, nullptr);
    auto texts = new_texts();
    ASSERT_FALSE(texts.empty());
    EXPECT_EQ(texts.back(), "params_test: `" + value + "' too large for parameter `name'");

    std::string limit(1024, 'w');
    ASSERT_TRUE(apply(params, "name=" + limit));
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(std::string(name), limit);
    kfree(name);
}

// param_set_charp() says why before parse_args() says what.
TEST_F(KernelModuleParamsTest, CharpTooLongLogsTheSetterMessage) {
    char *name = nullptr;
    std::vector<kernel_param> params = {param("name", &param_ops_charp, &name)};
    std::string value(1025, 'v');
    EXPECT_EQ(apply(params, "name=" + value).err, ENOSPC);
    EXPECT_THAT(new_texts(), ::testing::Contains("name: string parameter too long"));
}

TEST_F(KernelModuleParamsTest, String) {
    char buf[8] = "init";
    const kparam_string str = {sizeof buf, buf};
    std::vector<kernel_param> params = {param("label", &param_ops_string, &str)};
    ASSERT_TRUE(apply(params, "label=hello"));
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(get(params[0]), "hello\n");
    ASSERT_TRUE(apply(params, "label=1234567")); // 7 characters and the NUL fit
    EXPECT_STREQ(buf, "1234567");

    Status st = apply(params, "label=12345678");
    EXPECT_EQ(st.err, ENOSPC);
    EXPECT_STREQ(buf, "1234567");
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("label: string doesn't fit in 7 chars.",
                                       "params_test: `12345678' too large for parameter `label'"));
}

// ---- arrays -----------------------------------------------------------------------------

TEST_F(KernelModuleParamsTest, IntArray) {
    int values[4] = {0, 0, 0, 0};
    unsigned int num = 99;
    const kparam_array arr = {4, sizeof(int), &num, &param_ops_int, values};
    std::vector<kernel_param> params = {param("vals", &param_array_ops, &arr)};
    ASSERT_TRUE(apply(params, "vals=1,-2,0x3"));
    EXPECT_EQ(num, 3u);
    EXPECT_EQ(values[0], 1);
    EXPECT_EQ(values[1], -2);
    EXPECT_EQ(values[2], 3);
    EXPECT_EQ(values[3], 0);
    EXPECT_EQ(get(params[0]), "1,-2,3\n");

    ASSERT_TRUE(apply(params, "vals=9"));
    EXPECT_EQ(num, 1u);
    EXPECT_EQ(values[0], 9);
    EXPECT_EQ(get(params[0]), "9\n");
}

TEST_F(KernelModuleParamsTest, ArrayTooManyValues) {
    int values[2] = {0, 0};
    unsigned int num = 0;
    const kparam_array arr = {2, sizeof(int), &num, &param_ops_int, values};
    std::vector<kernel_param> params = {param("vals", &param_array_ops, &arr)};
    Status st = apply(params, "vals=1,2,3");
    EXPECT_EQ(st.err, EINVAL);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("vals: can only take 2 arguments",
                                       "params_test: `1,2,3' invalid for parameter `vals'"));
}

TEST_F(KernelModuleParamsTest, ArrayBadElement) {
    int values[4] = {0, 0, 0, 0};
    const kparam_array arr = {4, sizeof(int), nullptr, &param_ops_int, values};
    std::vector<kernel_param> params = {param("vals", &param_array_ops, &arr)};
    EXPECT_EQ(apply(params, "vals=1,x").err, EINVAL);
    EXPECT_EQ(apply(params, "vals=1,,2").err, EINVAL);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("params_test: `1,x' invalid for parameter `vals'",
                                       "params_test: `1,,2' invalid for parameter `vals'"));
    // Without a count pointer the array still takes values, and get shows all of them.
    ASSERT_TRUE(apply(params, "vals=4,5,6,7"));
    EXPECT_EQ(values[3], 7);
    EXPECT_EQ(get(params[0]), "4,5,6,7\n");
}

TEST_F(KernelModuleParamsTest, ArrayOfBoolsAndStrings) {
    bool flags[3] = {false, false, false};
    unsigned int nflags = 0;
    const kparam_array barr = {3, sizeof(bool), &nflags, &param_ops_bool, flags};
    char *names[2] = {nullptr, nullptr};
    unsigned int nnames = 0;
    const kparam_array carr = {2, sizeof(char *), &nnames, &param_ops_charp, names};
    std::vector<kernel_param> params = {param("flags", &param_array_ops, &barr),
                                        param("names", &param_array_ops, &carr)};
    ASSERT_TRUE(apply(params, "flags=y,n,on names=a,bc"));
    EXPECT_EQ(nflags, 3u);
    EXPECT_TRUE(flags[0]);
    EXPECT_FALSE(flags[1]);
    EXPECT_TRUE(flags[2]);
    EXPECT_EQ(get(params[0]), "Y,N,Y\n");
    ASSERT_EQ(nnames, 2u);
    EXPECT_STREQ(names[0], "a");
    EXPECT_STREQ(names[1], "bc");
    EXPECT_EQ(get(params[1]), "a,bc\n");
    kfree(names[0]);
    kfree(names[1]);
}

// Found by tests/fuzz (params): the joined elements of a charp array can be longer than
// the page ops->get writes into; get_array went on writing past it.
TEST_F(KernelModuleParamsTest, ArrayLongerThanAPageIsCutToThePage) {
    char *names[5] = {};
    unsigned int nnames = 0;
    const kparam_array arr = {5, sizeof(char *), &nnames, &param_ops_charp, names};
    std::vector<kernel_param> params = {param("names", &param_array_ops, &arr)};
    std::string long_name(1000, 'a');
    ASSERT_TRUE(apply(params, "names=" + long_name + "," + long_name + "," + long_name + "," +
                                  long_name + "," + long_name));
    ASSERT_EQ(nnames, 5u);
    std::string page(4096, 'X');
    std::string beyond(4096, 'X');
    page += beyond; // what lies after the page must stay untouched
    int n = params[0].ops->get(page.data(), &params[0]);
    EXPECT_EQ(n, 4095);
    EXPECT_EQ(page.substr(0, 1001), long_name + ",");
    EXPECT_EQ(page[4095], '\0');
    EXPECT_EQ(page.substr(4096), beyond);
    free_module_params(params.data(), params.data() + params.size());
}

// Found by tests/fuzz (params): unload freed charp values but not a charp array's
// strings (param_array_free() frees each element).
TEST_F(KernelModuleParamsTest, UnloadFreesACharpArraysStrings) {
    char *names[3] = {};
    unsigned int nnames = 0;
    const kparam_array arr = {3, sizeof(char *), &nnames, &param_ops_charp, names};
    std::vector<kernel_param> params = {param("names", &param_array_ops, &arr)};
    ASSERT_TRUE(apply(params, "names=a,bc"));
    ASSERT_NE(names[1], nullptr);
    char *second = names[1];
    EXPECT_TRUE(is_live_kmalloc_object(second));
    free_module_params(params.data(), params.data() + params.size());
    EXPECT_EQ(names[0], nullptr);
    EXPECT_EQ(names[1], nullptr);
    EXPECT_FALSE(is_live_kmalloc_object(second));
}

// ---- the command line -------------------------------------------------------------------

TEST_F(KernelModuleParamsTest, QuotingAndSpaces) {
    char *a = nullptr;
    char *b = nullptr;
    int n = 0;
    std::vector<kernel_param> params = {param("a", &param_ops_charp, &a),
                                        param("b", &param_ops_charp, &b),
                                        param("n", &param_ops_int, &n)};
    ASSERT_TRUE(apply(params, "   a=\"x  y\"   \"b=p q\"  n=3  "));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_STREQ(a, "x  y");
    EXPECT_STREQ(b, "p q");
    EXPECT_EQ(n, 3);
    kfree(a);
    kfree(b);
    a = nullptr;
    ASSERT_TRUE(apply(params, "a="));
    ASSERT_NE(a, nullptr);
    EXPECT_STREQ(a, ""); // "a=" is an empty value, not a missing one
    kfree(a);
    EXPECT_TRUE(apply(params, ""));
    EXPECT_TRUE(apply(params, "   "));
    EXPECT_TRUE(new_records().empty());
}

TEST_F(KernelModuleParamsTest, DashesAndUnderscoresAreEquivalent) {
    int v = 0;
    int w = 0;
    std::vector<kernel_param> params = {param("max_count", &param_ops_int, &v),
                                        param("min-count", &param_ops_int, &w)};
    ASSERT_TRUE(apply(params, "max-count=7 min_count=3"));
    EXPECT_EQ(v, 7);
    EXPECT_EQ(w, 3);
    ASSERT_TRUE(apply(params, "max_count=8"));
    EXPECT_EQ(v, 8);
    EXPECT_TRUE(new_records().empty());
}

TEST_F(KernelModuleParamsTest, UnknownNamesAreIgnoredWithAWarning) {
    int v = 0;
    std::vector<kernel_param> params = {param("known", &param_ops_int, &v)};
    Status st = apply(params, "nosuch=1 known=3 flag max_count=");
    ASSERT_TRUE(st) << st.message;
    EXPECT_EQ(v, 3);
    auto records = new_records();
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].level, 4);
    EXPECT_EQ(records[0].text, "params_test: unknown parameter 'nosuch' ignored");
    EXPECT_EQ(records[1].text, "params_test: unknown parameter 'flag' ignored");
    EXPECT_EQ(records[2].text, "params_test: unknown parameter 'max_count' ignored");
    // Names are not prefixes of each other.
    EXPECT_TRUE(apply(params, "know=1 knownx=2"));
    EXPECT_EQ(v, 3);
}

TEST_F(KernelModuleParamsTest, LastValueWins) {
    int v = 0;
    std::vector<kernel_param> params = {param("v", &param_ops_int, &v)};
    ASSERT_TRUE(apply(params, "v=1 v=2 v=3"));
    EXPECT_EQ(v, 3);
}

TEST_F(KernelModuleParamsTest, NoParametersAtAll) {
    EXPECT_TRUE(apply_module_params(kModule, "", nullptr, nullptr));
    Status st = apply_module_params(kModule, "x=1", nullptr, nullptr);
    EXPECT_TRUE(st);
    EXPECT_THAT(new_texts(), ::testing::ElementsAre("params_test: unknown parameter 'x' ignored"));
}

// parse_args() goes on after a bad value: every bad value is reported, the good ones
// after it are still set, and the last error is returned.
TEST_F(KernelModuleParamsTest, EveryBadValueIsReported) {
    int a = 0;
    int b = 0;
    unsigned char c = 0;
    std::vector<kernel_param> params = {param("a", &param_ops_int, &a),
                                        param("b", &param_ops_int, &b),
                                        param("c", &param_ops_byte, &c)};
    Status st = apply(params, "a=x b=2 c=300");
    EXPECT_EQ(st.err, ERANGE);
    EXPECT_EQ(b, 2);
    EXPECT_THAT(new_texts(),
                ::testing::ElementsAre("params_test: `x' invalid for parameter `a'",
                                       "params_test: `300' invalid for parameter `c'"));
}

// ---- at run time (lkmctl param) ---------------------------------------------------------

TEST_F(KernelModuleParamsTest, RuntimeReadStripsTheNewline) {
    int n = -4;
    const char *s = "text";
    kernel_param kn = param("n", &param_ops_int, &n);
    kernel_param ks = param("s", &param_ops_charp, &s);
    std::string value = "stale";
    EXPECT_EQ(read_module_param(&kn, &value), 0);
    EXPECT_EQ(value, "-4");
    EXPECT_EQ(read_module_param(&ks, &value), 0);
    EXPECT_EQ(value, "text");
}

TEST_F(KernelModuleParamsTest, RuntimeWriteKeepsTheOldValueOnError) {
    int n = 3;
    kernel_param kn = param("n", &param_ops_int, &n);
    EXPECT_EQ(write_module_param(&kn, "12"), 0);
    EXPECT_EQ(n, 12);
    EXPECT_EQ(write_module_param(&kn, "x"), -EINVAL);
    EXPECT_EQ(write_module_param(&kn, ""), -EINVAL);
    EXPECT_EQ(n, 12);
}

TEST_F(KernelModuleParamsTest, RuntimeWriteOfABadArrayPutsTheArrayBack) {
    int values[3] = {1, 2, 3};
    unsigned int count = 3;
    kparam_array arr{3, static_cast<unsigned int>(sizeof(int)), &count, &param_ops_int, values};
    kernel_param kp = param("arr", &param_array_ops, &arr);
    EXPECT_EQ(write_module_param(&kp, "7,x"), -EINVAL);
    EXPECT_EQ(write_module_param(&kp, "7,8,9,10"), -EINVAL);
    EXPECT_EQ(values[0], 1);
    EXPECT_EQ(count, 3u);
    EXPECT_EQ(write_module_param(&kp, "7,8"), 0);
    EXPECT_EQ(values[0], 7);
    EXPECT_EQ(values[1], 8);
    EXPECT_EQ(count, 2u);
    std::string value;
    EXPECT_EQ(read_module_param(&kp, &value), 0);
    EXPECT_EQ(value, "7,8");
}

TEST_F(KernelModuleParamsTest, RuntimeWriteWithoutSetterOrGetterIsRefused) {
    int n = 0;
    kernel_param_ops no_ops{0, nullptr, nullptr, nullptr};
    kernel_param kp = param("n", &no_ops, &n);
    std::string value;
    EXPECT_EQ(read_module_param(&kp, &value), -EPERM);
    EXPECT_EQ(write_module_param(&kp, "1"), -EPERM);
}

// A charp value set at run time inside the module's context is the module's memory; a
// later value frees the earlier one, and unload frees the last.
TEST_F(KernelModuleParamsTest, RuntimeCharpIsAccountedToTheModule) {
    LoadedModule module("params_rt", "test", ModuleImage{});
    AllocStats *stats = module.alloc_stats();
    const char *s = "default";
    kernel_param kp = param("s", &param_ops_charp, &s);
    {
        ModuleScope scope(&module);
        EXPECT_EQ(write_module_param(&kp, "first"), 0);
        EXPECT_EQ(write_module_param(&kp, "second value"), 0);
    }
    EXPECT_STREQ(s, "second value");
    EXPECT_EQ(stats->live_objects.load(), 1u);
    {
        ModuleScope scope(&module);
        free_module_params(&kp, &kp + 1);
    }
    EXPECT_EQ(stats->live_objects.load(), 0u);
    EXPECT_EQ(stats->live_bytes.load(), 0u);
}

TEST_F(KernelModuleParamsTest, RuntimeTypesAndLookup) {
    int n = 0;
    bool b = false;
    int values[2] = {};
    kparam_array arr{2, static_cast<unsigned int>(sizeof(int)), nullptr, &param_ops_uint, values};
    kernel_param_ops own{0, nullptr, nullptr, nullptr};
    std::vector<kernel_param> params = {
        param("n", &param_ops_int, &n), param("dash_name", &param_ops_bool, &b),
        param("arr", &param_array_ops, &arr), param("own", &own, &n)};
    EXPECT_EQ(module_param_type(&params[0]), "int");
    EXPECT_EQ(module_param_type(&params[1]), "bool");
    EXPECT_EQ(module_param_type(&params[2]), "array of uint");
    EXPECT_EQ(module_param_type(&params[3]), "");
    const kernel_param *begin = params.data(), *end = params.data() + params.size();
    EXPECT_EQ(find_module_param(begin, end, "dash-name"), &params[1]);
    EXPECT_EQ(find_module_param(begin, end, "own"), &params[3]);
    EXPECT_EQ(find_module_param(begin, end, "none"), nullptr);
}

} // namespace
} // namespace lkmfs::kernel
