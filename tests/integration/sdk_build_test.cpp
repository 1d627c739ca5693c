// The module SDK as a module author meets it: their own sources and the seed's Makefile in
// a folder of their own, `make KDIR=...` against the build tree's or the install tree's
// lib/lkmfs/build, and the result loaded by lkmfsd. C modules build as gnu11, C++ modules as
// C++20, NAME-objs links several sources, `make clean` removes what make made, and the
// <linux/...> headers work alone and next to glibc's in either order, from C and C++.
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace lkmfs::testing {
namespace {

namespace fs = std::filesystem;

const char *kSeedMakefile = "obj-m := %NAME%.o\n"
                            "%OBJS%"
                            "KDIR ?= /lib/modules/$(shell uname -r)/build\n"
                            "all:\n"
                            "\t$(MAKE) -C $(KDIR) M=$(PWD) modules\n"
                            "clean:\n"
                            "\t$(MAKE) -C $(KDIR) M=$(PWD) clean\n";

// The seed's Makefile for module `name`, from `objs` if given (NAME-objs := ...).
std::string seed_makefile(const std::string &name, const std::string &objs = "") {
    std::string text = kSeedMakefile;
    text.replace(text.find("%NAME%"), 6, name);
    text.replace(text.find("%OBJS%"), 6, objs.empty() ? "" : name + "-objs := " + objs + "\n");
    return text;
}

// A folder of the user's with `files` in it.
std::string make_folder(const TempDir &tmp, const std::string &name,
                        const std::vector<std::pair<std::string, std::string>> &files) {
    std::string dir = tmp / name;
    fs::create_directories(dir);
    for (const auto &[file, content] : files)
        tmp.write(name + "/" + file, content);
    return dir;
}

// `make ARGS` in `dir`, as typed in a shell there (so $(PWD) is `dir`), not as a child of
// the make or ctest that runs this test.
RunResult make_in(const std::string &dir, const std::vector<std::string> &args) {
    std::vector<std::string> argv = {"make"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.cwd = dir;
    options.env = {{"PWD", dir}, {"MAKEFLAGS", ""}, {"MFLAGS", ""}, {"MAKELEVEL", ""}};
    options.timeout = std::chrono::milliseconds(100000);
    return run(argv, options);
}

std::set<std::string> files_in(const std::string &dir) {
    std::set<std::string> names;
    for (const auto &e : fs::directory_iterator(dir))
        names.insert(e.path().filename().string());
    return names;
}

std::string kmod_modinfo_field(const std::string &field, const std::string &ko) {
    RunResult r =
        run({"modinfo", "-F", field, ko}, {.env = {{"PATH", "/usr/sbin:/sbin:/usr/bin:/bin"}}});
    return r.out;
}

const char *kHelloC = R"(// The seed's simplest module.
#include <linux/module.h> /* Needed by all modules */
#include <linux/kernel.h> /* Needed for KERN_INFO */

static int __init hello_init(void)
{
	printk(KERN_INFO "LKM: I am in the Linux kernel.\n");
	return 0;
}

static void __exit hello_exit(void)
{
	printk(KERN_INFO "LKM: I am no longer in the Linux kernel.\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("PBS");
MODULE_DESCRIPTION("The simplest kernel module");
)";

TEST(SdkBuild, SeedMakefileBuildsLoadsAndCleansAUsersModule) {
    TempDir tmp;
    std::string dir =
        make_folder(tmp, "hello", {{"hello.c", kHelloC}, {"Makefile", seed_makefile("hello")}});
    RunResult built = make_in(dir, {"KDIR=" + BuildTree::kdir()});
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    ASSERT_TRUE(fs::exists(dir + "/hello.ko")) << built.out;
    EXPECT_TRUE(LacksText(built.out + built.err, "warning:"));
    EXPECT_EQ(kmod_modinfo_field("license", dir + "/hello.ko"), "GPL\n");
    EXPECT_EQ(kmod_modinfo_field("author", dir + "/hello.ko"), "PBS\n");
    EXPECT_EQ(kmod_modinfo_field("description", dir + "/hello.ko"), "The simplest kernel module\n");

    {
        Daemon d;
        ASSERT_TRUE(d.started()) << d.output();
        RunResult ins = d.lkmctl({"insmod", "./hello.ko"}, {.cwd = dir});
        EXPECT_EQ(ins.status, 0) << ins.err;
        EXPECT_EQ(d.lkmctl({"rmmod", "hello"}).status, 0);
        std::string log = d.lkmctl({"dmesg"}).out;
        EXPECT_TRUE(Contains(log, "LKM: I am in the Linux kernel."));
        EXPECT_TRUE(Contains(log, "LKM: I am no longer in the Linux kernel."));
    }

    RunResult cleaned = make_in(dir, {"KDIR=" + BuildTree::kdir(), "clean"});
    EXPECT_EQ(cleaned.status, 0) << cleaned.out << cleaned.err;
    EXPECT_EQ(files_in(dir), (std::set<std::string>{"hello.c", "Makefile"}))
        << "make clean leaves files behind";
}

TEST(SdkBuild, CModulesAreGnu11AndCppModulesCxx20) {
    TempDir tmp;
    std::string c_dir = make_folder(tmp, "gnu", {{"Makefile", seed_makefile("gnu")}, {"gnu.c", R"(
#include <linux/module.h>
#include <linux/kernel.h>

#ifdef __STRICT_ANSI__
#error "C modules must be built as gnu11, not c11"
#endif
_Static_assert(__STDC_VERSION__ == 201112L, "C modules are built as gnu11");

static int __init gnu_init(void)
{
	int x = ({ int y = 6; y * 7; });
	typeof(x) z = x;

	pr_info("gnu: %d %ld\n", z, __STDC_VERSION__);
	return 0;
}

static void __exit gnu_exit(void)
{
}

module_init(gnu_init);
module_exit(gnu_exit);
MODULE_LICENSE("GPL");
)"}});
    std::string cxx_dir =
        make_folder(tmp, "cxx", {{"Makefile", seed_makefile("cxx")}, {"cxx.cpp", R"(
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>

static_assert(__cplusplus == 202002L, "C++ modules are built as C++20");

template <typename T>
concept Small = sizeof(T) <= 8;

consteval int answer()
{
	return 42;
}

static ssize_t cxx_read(struct file *, char __user *, size_t, loff_t *)
{
	return 0;
}

/* Designated initialisers, in the kernel's field order. */
static const struct proc_ops cxx_ops = {
	.proc_open = nullptr,
	.proc_read = cxx_read,
	.proc_release = nullptr,
};

static int __init cxx_init()
{
	auto square = []<Small T>(T v) { return v * v; };
	pr_info("cxx: %d %d %ld\n", answer(), square(3), __cplusplus);
	return proc_create("cxx", 0, nullptr, &cxx_ops) ? 0 : -ENOMEM;
}

static void __exit cxx_exit()
{
	remove_proc_entry("cxx", nullptr);
}

module_init(cxx_init);
module_exit(cxx_exit);
MODULE_LICENSE("GPL");
)"}});
    for (const std::string &dir : {c_dir, cxx_dir}) {
        RunResult built = make_in(dir, {"KDIR=" + BuildTree::kdir()});
        EXPECT_EQ(built.status, 0) << dir << ":\n" << built.out << built.err;
        EXPECT_TRUE(LacksText(built.out + built.err, "warning:"));
    }
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult gnu = d.lkmctl({"insmod", c_dir + "/gnu.ko"});
    EXPECT_EQ(gnu.status, 0) << gnu.err;
    RunResult cxx = d.lkmctl({"insmod", cxx_dir + "/cxx.ko"});
    EXPECT_EQ(cxx.status, 0) << cxx.err;
    std::string log = d.lkmctl({"dmesg"}).out;
    EXPECT_TRUE(Contains(log, "gnu: 42 201112"));
    EXPECT_TRUE(Contains(log, "cxx: 42 9 202002"));
    EXPECT_EQ(run({"stat", d.path("cxx")}).status, 0);
}

TEST(SdkBuild, NameObjsLinksSeveralSourcesIntoOneModule) {
    TempDir tmp;
    std::string dir = make_folder(tmp, "pair",
                                  {{"Makefile", seed_makefile("pair", "first.o second.o")},
                                   {"first.c", R"(
#include <linux/module.h>
#include <linux/kernel.h>

int second_value(void);

static int __init pair_init(void)
{
	pr_info("pair: second says %d\n", second_value());
	return 0;
}

static void __exit pair_exit(void)
{
}

module_init(pair_init);
module_exit(pair_exit);
MODULE_LICENSE("GPL");
)"},
                                   {"second.c", R"(
int second_value(void)
{
	return 2;
}
)"}});
    RunResult built = make_in(dir, {"KDIR=" + BuildTree::kdir()});
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    EXPECT_TRUE(fs::exists(dir + "/pair.ko"));
    EXPECT_FALSE(fs::exists(dir + "/first.ko"));
    EXPECT_FALSE(fs::exists(dir + "/second.ko"));
    EXPECT_EQ(kmod_modinfo_field("name", dir + "/pair.ko"), "pair\n");

    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", dir + "/pair.ko"});
    EXPECT_EQ(ins.status, 0) << ins.err;
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "pair: second says 2"));

    RunResult cleaned = make_in(dir, {"KDIR=" + BuildTree::kdir(), "clean"});
    EXPECT_EQ(cleaned.status, 0) << cleaned.out << cleaned.err;
    EXPECT_EQ(files_in(dir), (std::set<std::string>{"Makefile", "first.c", "second.c"}));
}

TEST(SdkBuild, BoolParametersCompileInC) {
    // In C the kernel's `bool` is a typedef; module_param(name, bool, perm) pastes the type
    // name into param_ops_bool, which a `#define bool _Bool` (<stdbool.h>) would turn into
    // param_ops__Bool.
    TempDir tmp;
    std::string dir =
        make_folder(tmp, "flags", {{"Makefile", seed_makefile("flags")}, {"flags.c", R"(
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>

static bool flag;
static bool flags[2];
static unsigned int nflags;
module_param(flag, bool, 0444);
module_param_array(flags, bool, &nflags, 0444);

static int __init flags_init(void)
{
	pr_info("flags: %d %u %d %d\n", flag, nflags, flags[0], flags[1]);
	return 0;
}

static void __exit flags_exit(void)
{
}

module_init(flags_init);
module_exit(flags_exit);
MODULE_LICENSE("GPL");
)"}});
    RunResult built = make_in(dir, {"KDIR=" + BuildTree::kdir()});
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    std::string types = kmod_modinfo_field("parmtype", dir + "/flags.ko");
    EXPECT_TRUE(Contains(types, "flag:bool\n"));
    EXPECT_TRUE(Contains(types, "flags:array of bool\n"));

    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", dir + "/flags.ko", "flag=y", "flags=1,n"});
    EXPECT_EQ(ins.status, 0) << ins.err;
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "flags: 1 2 1 0"));
}

// The <linux/...> headers every module of the course uses.
const std::vector<std::string> kRequiredHeaders = {
    "module.h", "kernel.h", "init.h",  "printk.h", "proc_fs.h", "uaccess.h", "slab.h",
    "sched.h",  "fs.h",     "types.h", "errno.h",  "string.h",  "stat.h"};

std::string include_all_linux_headers() {
    std::string out;
    for (const std::string &h : kRequiredHeaders)
        out += "#include <linux/" + h + ">\n";
    return out;
}

TEST(SdkBuild, RequiredHeadersExistAndEachStandsAloneInCAndCpp) {
    std::string objs = "main.o";
    std::vector<std::pair<std::string, std::string>> files;
    for (const std::string &h : kRequiredHeaders) {
        EXPECT_TRUE(fs::exists(BuildTree::kdir() + "/include/linux/" + h)) << h;
        std::string stem = h.substr(0, h.size() - 2);
        // Each header first in its translation unit: it must include what it needs.
        files.emplace_back("c_" + stem + ".c",
                           "#include <linux/" + h + ">\nint c_" + stem + "_compiled = 1;\n");
        files.emplace_back("cxx_" + stem + ".cpp",
                           "#include <linux/" + h + ">\nint cxx_" + stem + "_compiled = 1;\n");
        objs += " c_" + stem + ".o cxx_" + stem + ".o";
    }
    files.emplace_back("main.c", R"(
#include <linux/module.h>

static int __init alone_init(void)
{
	return 0;
}

module_init(alone_init);
MODULE_LICENSE("GPL");
)");
    files.emplace_back("Makefile", seed_makefile("alone", objs));
    TempDir tmp;
    std::string dir = make_folder(tmp, "alone", files);
    RunResult built = make_in(dir, {"-j2", "KDIR=" + BuildTree::kdir()});
    EXPECT_EQ(built.status, 0) << built.out << built.err;
    EXPECT_TRUE(fs::exists(dir + "/alone.ko"));
    EXPECT_TRUE(LacksText(built.out + built.err, "warning:"));
    EXPECT_TRUE(LacksText(built.out + built.err, "error:"));
}

TEST(SdkBuild, HeadersMixWithGlibcInEitherOrderFromCAndCpp) {
    const std::string c_glibc = "#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>\n"
                                "#include <errno.h>\n#include <stdint.h>\n#include <stddef.h>\n"
                                "#include <stdbool.h>\n#include <limits.h>\n"
                                "#include <sys/types.h>\n#include <sys/stat.h>\n"
                                "#include <fcntl.h>\n";
    const std::string cxx_glibc =
        "#include <cstdio>\n#include <cstring>\n#include <cstdlib>\n"
        "#include <cerrno>\n#include <cstdint>\n#include <climits>\n"
        "#include <stdio.h>\n#include <string.h>\n"
        "#include <sys/types.h>\n#include <sys/stat.h>\n"
        "#include <fcntl.h>\n#include <type_traits>\n#include <utility>\n";
    // The C++ library's containers and algorithms use the names __init, __ref and current,
    // which the kernel's headers define as macros: a C++ module includes them first.
    const std::string cxx_library = "#include <algorithm>\n#include <memory>\n"
                                    "#include <string>\n#include <vector>\n";
    // Uses names both sides define: libc's string functions, errno values, file modes.
    auto body = [](const std::string &name, bool cxx, bool algorithm) {
        std::string s = "int " + name + "(void);\nint " + name + "(void)\n{\n";
        s += "\tchar buf[32];\n\tchar *copy = (char *)kmalloc(8, GFP_KERNEL);\n";
        s += "\tint n = snprintf(buf, sizeof(buf), \"%d\", EINVAL);\n";
        s += "\tn += (int)strlen(buf) + (S_IRUSR == 0400) + (int)sizeof(u32);\n";
        if (cxx)
            s += "\tn += std::is_same_v<u8, unsigned char> ? 0 : 1000;\n";
        if (algorithm)
            s += "\tn = std::min(n, 100);\n";
        s += "\tkfree(copy);\n\treturn n;\n}\n";
        return s;
    };
    auto cxx_decl = [](const std::string &name) {
        return "extern \"C\" int " + name + "(void);\n";
    };
    std::string linux_headers = include_all_linux_headers();
    std::vector<std::pair<std::string, std::string>> files = {
        {"Makefile", seed_makefile("mixed", "main.o c_glibc_first.o c_linux_first.o "
                                            "cxx_glibc_first.o cxx_linux_first.o")},
        {"c_glibc_first.c", c_glibc + linux_headers + body("c_glibc_first", false, false)},
        {"c_linux_first.c", linux_headers + c_glibc + body("c_linux_first", false, false)},
        {"cxx_glibc_first.cpp", cxx_library + cxx_glibc + linux_headers +
                                    cxx_decl("cxx_glibc_first") +
                                    body("cxx_glibc_first", true, true)},
        {"cxx_linux_first.cpp", linux_headers + cxx_glibc + cxx_decl("cxx_linux_first") +
                                    body("cxx_linux_first", true, false)},
        {"main.c", R"(
#include <linux/module.h>
#include <linux/kernel.h>

int c_glibc_first(void);
int c_linux_first(void);
int cxx_glibc_first(void);
int cxx_linux_first(void);

static int __init mixed_init(void)
{
	pr_info("mixed: %d %d %d %d\n", c_glibc_first(), c_linux_first(), cxx_glibc_first(),
		cxx_linux_first());
	return 0;
}

static void __exit mixed_exit(void)
{
}

module_init(mixed_init);
module_exit(mixed_exit);
MODULE_LICENSE("GPL");
)"}};
    TempDir tmp;
    std::string dir = make_folder(tmp, "mixed", files);
    RunResult built = make_in(dir, {"-j2", "KDIR=" + BuildTree::kdir()});
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    EXPECT_TRUE(LacksText(built.out + built.err, "warning:"));

    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", dir + "/mixed.ko"});
    EXPECT_EQ(ins.status, 0) << ins.err;
    // snprintf of EINVAL (22): 2 characters, 2 + 2 + 1 + 4 = 9.
    EXPECT_TRUE(Contains(d.lkmctl({"dmesg"}).out, "mixed: 9 9 9 9"));
}

// ---- the install tree ---------------------------------------------------------------------

// An installed lkmfsd in the foreground on a fresh mountpoint, stopped and unmounted by the
// destructor whatever happens.
class InstalledDaemon {
  public:
    InstalledDaemon(const std::string &prefix, const TempDir &dir) : dir_(dir) {
        mnt_ = dir / "mnt";
        socket_ = dir / "control.sock";
        fs::create_directories(mnt_);
        dir.write("lkmfs.yaml",
                  "modules:\n  load: [hello, hello2, kbuf]\ncontrol:\n  socket: " + socket_ + "\n");
        std::string log = dir / "daemon.log";
        std::vector<std::string> argv = {prefix + "/bin/lkmfsd", mnt_, "-f", "--config",
                                         dir / "lkmfs.yaml"};
        pid_ = fork();
        if (pid_ == 0) {
            int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            std::vector<char *> cargv;
            for (auto &a : argv)
                cargv.push_back(a.data());
            cargv.push_back(nullptr);
            execv(cargv[0], cargv.data());
            _exit(127);
        }
        started_ = wait_for(
            [&] {
                if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                    pid_ = -1;
                    return true;
                }
                // Serving: mounted, listening, and the configured modules loaded.
                return is_mounted(mnt_) && Contains(output(), "lkmfsd: serving ");
            },
            10000);
        started_ = started_ && pid_ > 0;
    }
    ~InstalledDaemon() {
        stop();
        if (is_mounted(mnt_))
            run({"fusermount3", "-u", "-z", mnt_});
    }
    InstalledDaemon(const InstalledDaemon &) = delete;
    InstalledDaemon &operator=(const InstalledDaemon &) = delete;

    bool started() const { return started_; }
    std::string path(const std::string &rel) const { return mnt_ + "/" + rel; }
    const std::string &mnt() const { return mnt_; }
    std::string output() const { return run({"cat", dir_ / "daemon.log"}).out; }
    RunResult lkmctl(const std::string &prefix, const std::vector<std::string> &args) const {
        std::vector<std::string> argv = {prefix + "/bin/lkmctl"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, {.env = {{"LKMFS_SOCKET", socket_}}});
    }
    // SIGTERM, then SIGKILL after 10 s; the exit status, or -1.
    int stop() {
        if (pid_ <= 0)
            return -1;
        kill(pid_, SIGTERM);
        int status = 0;
        bool exited = wait_for([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, 10000);
        if (!exited) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
        return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    const TempDir &dir_;
    std::string mnt_;
    std::string socket_;
    pid_t pid_ = -1;
    bool started_ = false;
};

TEST(SdkBuild, InstallTreeBuildsModulesAndRunsTheDaemonWithItsSamples) {
    TempDir tmp;
    const std::string prefix = tmp / "prefix";
    RunResult install = run({"cmake", "--install", LKMFS_BUILD_DIR, "--prefix", prefix},
                            {.timeout = std::chrono::milliseconds(100000)});
    ASSERT_EQ(install.status, 0) << install.out << install.err;

    const std::string kdir = prefix + "/lib/lkmfs/build";
    for (const char *file :
         {"bin/lkmfsd", "bin/lkmctl", "lib/lkmfs/build/Makefile",
          "lib/lkmfs/build/scripts/Makefile.build", "lib/lkmfs/modules/hello.ko",
          "lib/lkmfs/modules/hello2.ko", "lib/lkmfs/modules/kbuf.ko",
          "lib/lkmfs/modules/kbuf_cpp.ko", "lib/lkmfs/build/include/lkmfs/proc.hpp",
          "share/lkmfs/modules/kbuf_cpp/kbuf_cpp.cpp"})
        EXPECT_TRUE(fs::exists(prefix + "/" + file)) << file;
    for (const std::string &h : kRequiredHeaders)
        EXPECT_TRUE(fs::exists(kdir + "/include/linux/" + h)) << h;
    for (const char *program : {"bin/lkmfsd", "bin/lkmctl"})
        EXPECT_TRUE(LacksText(run({"ldd", prefix + "/" + program}).out, LKMFS_BUILD_DIR))
            << program << " depends on the build tree";

    // A user's module against the installed KDIR.
    std::string dir = make_folder(tmp, "myhello",
                                  {{"myhello.c", kHelloC}, {"Makefile", seed_makefile("myhello")}});
    RunResult built = make_in(dir, {"KDIR=" + kdir});
    ASSERT_EQ(built.status, 0) << built.out << built.err;
    EXPECT_EQ(kmod_modinfo_field("vermagic", dir + "/myhello.ko"),
              kmod_modinfo_field("vermagic", BuildTree::sample_module("hello")));

    // The installed daemon finds its installed samples by name.
    TempDir run_dir;
    InstalledDaemon d(prefix, run_dir);
    ASSERT_TRUE(d.started()) << d.output();
    RunResult lsmod = d.lkmctl(prefix, {"lsmod"});
    EXPECT_EQ(lsmod.status, 0) << lsmod.err;
    for (const char *name : {"hello ", "hello2 ", "kbuf "})
        EXPECT_FALSE(line_starting(lsmod.out, name).empty()) << name << "\n" << lsmod.out;
    RunResult echo = sh("echo hi > " + d.path("kbuf") + " && cat " + d.path("kbuf"));
    EXPECT_EQ(echo.out, "hi\n") << echo.err;

    RunResult ins = d.lkmctl(prefix, {"insmod", dir + "/myhello.ko"});
    EXPECT_EQ(ins.status, 0) << ins.err;
    EXPECT_FALSE(line_starting(run({"cat", d.path("modules")}).out, "myhello ").empty());
    EXPECT_EQ(d.lkmctl(prefix, {"rmmod", "myhello"}).status, 0);
    EXPECT_EQ(count_of(d.lkmctl(prefix, {"dmesg"}).out, "LKM: I am in the Linux kernel."), 2u)
        << "the sample hello and myhello";
    EXPECT_EQ(d.stop(), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
}

} // namespace
} // namespace lkmfs::testing
