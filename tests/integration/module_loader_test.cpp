// The module loader through lkmctl against a real daemon: what insmod, rmmod, lsmod and
// modinfo print (kmod's words) and exit with, what the kernel logs (Linux's words), and
// MNT/modules in the /proc/modules format. The modules are tests/modules/kl_*.
#include "file_io.h"
#include "lkmfs_daemon.h"
#include "text_match.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lkmfs::testing {
namespace {

namespace fs = std::filesystem;

std::string ko(const std::string &name) {
    return BuildTree::test_module(name);
}

std::string modules_text(const Daemon &d) {
    return run({"cat", d.path("modules")}).out;
}

// The line of MNT/modules for `name`; "" if it is not listed.
std::string modules_line(const Daemon &d, const std::string &name) {
    return line_starting(modules_text(d), name + " ");
}

std::string dmesg(const Daemon &d) {
    return d.lkmctl({"dmesg"}).out;
}

bool is_loaded(const Daemon &d, const std::string &name) {
    return !line_starting(d.lkmctl({"lsmod"}).out, name + " ").empty();
}

std::string insmod_error(const std::string &file, const std::string &why) {
    return "insmod: ERROR: could not insert module " + file + ": " + why + "\n";
}

std::string read_bytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_bytes(const std::string &path, const std::string &bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// How many mappings (one per segment) of module images, the loader's memfd copies, the
// daemon has.
std::size_t mapped_module_images(const Daemon &d) {
    return count_of(read_bytes("/proc/" + std::to_string(d.pid()) + "/maps"), "lkmfs-module");
}

// A descriptor the test holds open, closed at the end of the scope (before the daemon
// goes, when declared after it).
struct OpenFile {
    int fd;
    explicit OpenFile(const std::string &path) : fd(::open(path.c_str(), O_RDONLY)) {}
    ~OpenFile() { close(); }
    void close() {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

constexpr const char *kLiveOE = R"( Live 0x[0-9a-f]{16} \(OE\))";

// ---- loading and unloading ---------------------------------------------------------------

TEST(ModuleLoader, InsmodLoadsAndRmmodUnloads) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", ko("kl_hello")});
    EXPECT_EQ(ins.status, 0) << ins.err;
    EXPECT_EQ(ins.out + ins.err, "");

    std::string line = modules_line(d, "kl_hello");
    EXPECT_TRUE(FullMatch(line, std::string(R"(kl_hello \d+ 0 -)") + kLiveOE));
    EXPECT_TRUE(LacksText(line, "0x0000000000000000")) << "root sees the load address";
    EXPECT_TRUE(
        FullMatch(line_starting(d.lkmctl({"lsmod"}).out, "kl_hello "), R"(kl_hello +\d+ +0)"));
    EXPECT_EQ(run({"cat", d.path("kl_hello")}).out, "loads=1 generation=7\n");
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_hello: loading out-of-tree module taints kernel."));
    EXPECT_TRUE(Contains(log, "kl_hello: init loads=1 generation=7"));

    RunResult rm = d.lkmctl({"rmmod", "kl_hello"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_EQ(rm.out + rm.err, "");
    EXPECT_TRUE(Contains(dmesg(d), "kl_hello: exit"));
    EXPECT_EQ(modules_line(d, "kl_hello"), "");
    EXPECT_FALSE(is_loaded(d, "kl_hello"));
    EXPECT_NE(run({"stat", d.path("kl_hello")}).status, 0);
}

TEST(ModuleLoader, ReinsmodAfterRmmodStartsFromAFreshImage) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        ASSERT_EQ(d.lkmctl({"insmod", ko("kl_hello")}).status, 0);
        EXPECT_GT(mapped_module_images(d), 0u);
        // Static variables start from their initial values: the image was mapped anew.
        EXPECT_EQ(run({"cat", d.path("kl_hello")}).out, "loads=1 generation=7\n");
        ASSERT_EQ(d.lkmctl({"rmmod", "kl_hello"}).status, 0);
        EXPECT_EQ(mapped_module_images(d), 0u) << "the module image stays mapped after rmmod";
    }
    EXPECT_EQ(count_of(dmesg(d), "kl_hello: init loads=1 generation=7"), 3u);
}

TEST(ModuleLoader, OldStyleInitModuleAndCleanupModule) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_oldstyle")}).status, 0);
    EXPECT_TRUE(Contains(dmesg(d), "kl_oldstyle: init_module called"));
    EXPECT_TRUE(
        FullMatch(modules_line(d, "kl_oldstyle"), std::string(R"(kl_oldstyle \d+ 0 -)") + kLiveOE));
    RunResult rm = d.lkmctl({"rmmod", "kl_oldstyle"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_TRUE(Contains(dmesg(d), "kl_oldstyle: cleanup_module called"));
}

TEST(ModuleLoader, CppModuleRunsConstructorsBeforeInitAndUnmapsOnRmmod) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        RunResult ins = d.lkmctl({"insmod", ko("kl_cpp")});
        ASSERT_EQ(ins.status, 0) << ins.err;
        RunResult rm = d.lkmctl({"rmmod", "kl_cpp"});
        EXPECT_EQ(rm.status, 0) << rm.err;
        EXPECT_EQ(mapped_module_images(d), 0u) << "the C++ module stays mapped after rmmod";
    }
    std::string log = dmesg(d);
    EXPECT_EQ(count_of(log, "kl_cpp: __cplusplus=202002 constructed=1 value=36 init_calls=1"), 2u)
        << log;
    EXPECT_EQ(count_of(log, "kl_cpp: exit"), 2u);
}

TEST(ModuleLoader, ModuleBuiltFromSeveralObjects) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult ins = d.lkmctl({"insmod", ko("kl_multi")});
    ASSERT_EQ(ins.status, 0) << ins.err;
    EXPECT_TRUE(Contains(dmesg(d), "kl_multi: main says 1, helper says 42"));
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_multi"}).status, 0);
}

// ---- modinfo ------------------------------------------------------------------------------

std::string kmod_modinfo() {
    for (const char *path : {"/usr/sbin/modinfo", "/sbin/modinfo"})
        if (access(path, X_OK) == 0)
            return path;
    return "modinfo";
}

TEST(ModuleLoader, KmodModinfoReadsEveryTag) {
    const std::string file = ko("kl_hello");
    auto field = [&](const std::string &name) {
        RunResult r = run({kmod_modinfo(), "-F", name, file});
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    };
    EXPECT_EQ(field("license"), "GPL\n");
    EXPECT_EQ(field("author"), "Loader Tests <loader@lkmfs.test>\n");
    EXPECT_EQ(field("description"), "A module with every tag\n");
    EXPECT_EQ(field("version"), "1.2.3\n");
    EXPECT_EQ(field("alias"), "kl-hello-alias\n");
    EXPECT_EQ(field("name"), "kl_hello\n");
    EXPECT_NE(field("vermagic"), "");

    RunResult all = run({kmod_modinfo(), file});
    EXPECT_EQ(all.status, 0) << all.err;
    EXPECT_TRUE(Contains(all.out, "filename:       " + file + "\n"));
    EXPECT_TRUE(Contains(all.out, "description:    A module with every tag\n"));

    RunResult params = run({kmod_modinfo(), ko("kl_params")});
    EXPECT_TRUE(Contains(params.out, "parm:           i:an int (int)\n"));
    EXPECT_TRUE(Contains(params.out, "parm:           cp:a string pointer (charp)\n"));
    EXPECT_TRUE(Contains(params.out, "parm:           arr:array of int\n"));
}

TEST(ModuleLoader, LkmctlModinfoOfALoadedModuleAndOfAFile) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    const std::string file = ko("kl_hello");
    RunResult kmod = run({kmod_modinfo(), file});
    ASSERT_EQ(kmod.status, 0) << kmod.err;

    RunResult of_file = d.lkmctl({"modinfo", file});
    EXPECT_EQ(of_file.status, 0) << of_file.err;
    EXPECT_EQ(of_file.out, kmod.out) << "lkmctl modinfo FILE prints what kmod prints";

    ASSERT_EQ(d.lkmctl({"insmod", file}).status, 0);
    RunResult loaded = d.lkmctl({"modinfo", "kl_hello"});
    EXPECT_EQ(loaded.status, 0) << loaded.err;
    for (const char *line :
         {"filename:       ", "license:        GPL\n",
          "author:         Loader Tests <loader@lkmfs.test>\n",
          "description:    A module with every tag\n", "version:        1.2.3\n",
          "alias:          kl-hello-alias\n", "name:           kl_hello\n", "vermagic:       "})
        EXPECT_TRUE(Contains(loaded.out, line));
    EXPECT_TRUE(Contains(loaded.out, file));

    RunResult missing = d.lkmctl({"modinfo", "kl_nothing"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "modinfo: ERROR: Module kl_nothing not found.\n");
}

// ---- refused images -----------------------------------------------------------------------

TEST(ModuleLoader, FilesThatAreNoModuleAreAnInvalidModuleFormat) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    const TempDir &dir = d.dir();
    dir.write("text.ko", "this is not an ELF file\n");
    dir.write("empty.ko", "");
    fs::copy_file("/bin/true", dir / "program.ko"); // an ELF executable without .modinfo
    for (const char *name : {"text.ko", "empty.ko", "program.ko"}) {
        SCOPED_TRACE(name);
        RunResult r = d.lkmctl({"insmod", dir / name});
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, insmod_error(dir / name, "Invalid module format"));
    }
    EXPECT_EQ(modules_text(d), "");
}

// Damaged or foreign ELF files: refused before anything is mapped, with the reason of
// Linux's elf_validity_check() in kmsg.
TEST(ModuleLoader, ShortTruncatedAndForeignElfFilesAreRefusedWithTheReasonInKmsg) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    const std::string image = read_bytes(ko("kl_hello"));
    ASSERT_GT(image.size(), 4096u);
    std::string foreign = image;
    foreign[18] = static_cast<char>(183); // e_machine: EM_AARCH64
    foreign[19] = 0;
    struct Case {
        const char *file;
        std::string bytes;
        std::string reason;
    } cases[] = {
        {"short.ko", image.substr(0, 40), "Invalid ELF header len 40"},
        {"truncated.ko", image.substr(0, image.size() / 2), "Invalid ELF section header overflow"},
        {"aarch64.ko", foreign, "Invalid architecture in ELF header: 183"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.file);
        std::string path = d.dir() / c.file;
        write_bytes(path, c.bytes);
        RunResult r = d.lkmctl({"insmod", path});
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, insmod_error(path, "Invalid module format"));
        EXPECT_TRUE(Contains(dmesg(d), "lkmfs: " + path + ": " + c.reason)) << dmesg(d);
    }
    EXPECT_EQ(modules_text(d), "");
    EXPECT_EQ(mapped_module_images(d), 0u);
}

// Files kmod cannot read never reach the kernel (no kmsg line, as in Linux): kmod's words.
TEST(ModuleLoader, ADirectoryOrAMissingFileIsRefusedWithKmodsWords) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    std::string dir = d.dir() / "adir.ko";
    fs::create_directory(dir);
    RunResult r = d.lkmctl({"insmod", dir});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, insmod_error(dir, "Is a directory"));
    std::string missing = d.dir() / "missing.ko";
    r = d.lkmctl({"insmod", missing});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "insmod: ERROR: could not load module " + missing + ": No such file or directory\n");
    EXPECT_EQ(modules_text(d), "");
}

// MODULE_LICENSE() left out: the real modpost refuses to build such a module, but one
// that gets loaded anyway is "unspecified", proprietary: it loads and taints (P), as in
// Linux.
TEST(ModuleLoader, AModuleWithoutLicenseLoadsAndTaintsAsUnspecified) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    std::string image = read_bytes(ko("kl_hello"));
    std::size_t at = image.find("license=GPL");
    ASSERT_NE(at, std::string::npos);
    image.replace(at, 7, "licensX"); // the tag is gone, the layout unchanged
    std::string path = d.dir() / "kl_hello.ko";
    write_bytes(path, image);
    RunResult r = d.lkmctl({"insmod", path});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(Contains(dmesg(d), "kl_hello: module license 'unspecified' taints kernel."))
        << dmesg(d);
    EXPECT_TRUE(
        FullMatch(modules_line(d, "kl_hello"), R"(kl_hello \d+ 0 - Live 0x[0-9a-f]{16} \(POE\))"))
        << modules_text(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_hello"}).status, 0);
}

// init is optional in Linux: a module without it loads, and with an exit it unloads.
TEST(ModuleLoader, AModuleWithoutInitLoadsAndUnloads) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", ko("kl_noinit")});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(
        FullMatch(modules_line(d, "kl_noinit"), std::string(R"(kl_noinit \d+ 0 -)") + kLiveOE))
        << modules_text(d);
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_noinit"}).status, 0);
    EXPECT_TRUE(Contains(dmesg(d), "kl_noinit: exit without init")) << dmesg(d);
    EXPECT_FALSE(is_loaded(d, "kl_noinit"));
}

TEST(ModuleLoader, ForeignVersionMagicIsAnInvalidModuleFormat) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult magic = run({kmod_modinfo(), "-F", "vermagic", ko("kl_hello")});
    ASSERT_EQ(magic.status, 0) << magic.err;
    std::string ours = magic.out.substr(0, magic.out.find('\n'));
    ASSERT_GE(ours.size(), 2u);
    // The same length, other text: only the string comparison can tell them apart.
    std::string theirs = ours;
    theirs[0] = theirs[0] == '9' ? '8' : '9';
    theirs[1] = theirs[1] == '.' ? ',' : '.';

    std::string image = read_bytes(ko("kl_hello"));
    std::string entry = "vermagic=" + ours + '\0';
    std::size_t at = image.find(entry);
    ASSERT_NE(at, std::string::npos) << "no " << entry << " in the .ko";
    image.replace(at, entry.size(), "vermagic=" + theirs + '\0');
    std::string patched = d.dir() / "kl_hello.ko";
    write_bytes(patched, image);
    RunResult kmod = run({kmod_modinfo(), "-F", "vermagic", patched});
    ASSERT_EQ(kmod.out, theirs + "\n") << "the patch did not change what modinfo reads";

    RunResult r = d.lkmctl({"insmod", patched});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, insmod_error(patched, "Invalid module format"));
    EXPECT_TRUE(
        Contains(dmesg(d), "kl_hello: version magic '" + theirs + "' should be '" + ours + "'"));
    EXPECT_FALSE(is_loaded(d, "kl_hello"));
}

TEST(ModuleLoader, ALoadedNameCannotBeLoadedAgainUnderAnyFileName) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_hello")}).status, 0);
    RunResult again = d.lkmctl({"insmod", ko("kl_hello")});
    EXPECT_EQ(again.status, 1);
    EXPECT_EQ(again.err, insmod_error(ko("kl_hello"), "File exists"));

    // The module's name is in the file, not in the file name.
    std::string copy = d.dir() / "other-name.ko";
    fs::copy_file(ko("kl_hello"), copy);
    RunResult second_name = d.lkmctl({"insmod", copy});
    EXPECT_EQ(second_name.status, 1);
    EXPECT_EQ(second_name.err, insmod_error(copy, "File exists"));
    EXPECT_EQ(count_of(dmesg(d), "kl_hello: init"), 1u) << "init ran for a refused load";

    ASSERT_EQ(d.lkmctl({"rmmod", "kl_hello"}).status, 0);
    RunResult by_copy = d.lkmctl({"insmod", copy});
    EXPECT_EQ(by_copy.status, 0) << by_copy.err;
    EXPECT_TRUE(is_loaded(d, "kl_hello"));
    EXPECT_FALSE(is_loaded(d, "other_name"));
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_hello"}).status, 0);
}

TEST(ModuleLoader, NonKernelFunctionsAreUnknownSymbols) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", ko("kl_unknown")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, insmod_error(ko("kl_unknown"), "Unknown symbol in module"));
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_unknown: Unknown symbol printf (err -2)"));
    EXPECT_TRUE(Contains(log, "kl_unknown: Unknown symbol no_such_fn (err -2)"));
    EXPECT_FALSE(is_loaded(d, "kl_unknown"));
    EXPECT_EQ(mapped_module_images(d), 0u);
}

// ---- exports and dependencies ---------------------------------------------------------------

TEST(ModuleLoader, ExportedSymbolsMakeTheProviderHeldByItsConsumer) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult early = d.lkmctl({"insmod", ko("kl_consumer")});
    EXPECT_EQ(early.status, 1);
    EXPECT_EQ(early.err, insmod_error(ko("kl_consumer"), "Unknown symbol in module"));
    EXPECT_TRUE(Contains(dmesg(d), "kl_consumer: Unknown symbol kl_provider_answer (err -2)"));

    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_provider")}).status, 0);
    RunResult consumer = d.lkmctl({"insmod", ko("kl_consumer")});
    ASSERT_EQ(consumer.status, 0) << consumer.err;
    EXPECT_TRUE(Contains(dmesg(d), "kl_consumer: provider answers 42 and 43"));

    std::string modules = modules_text(d);
    EXPECT_TRUE(FullMatch(line_starting(modules, "kl_provider "),
                          std::string(R"(kl_provider \d+ 1 kl_consumer,)") + kLiveOE));
    EXPECT_TRUE(FullMatch(line_starting(modules, "kl_consumer "),
                          std::string(R"(kl_consumer \d+ 0 -)") + kLiveOE));
    EXPECT_TRUE(modules.starts_with("kl_consumer ")) << "newest first:\n" << modules;
    EXPECT_TRUE(FullMatch(line_starting(d.lkmctl({"lsmod"}).out, "kl_provider "),
                          R"(kl_provider +\d+ +1 kl_consumer)"));

    RunResult busy = d.lkmctl({"rmmod", "kl_provider"});
    EXPECT_EQ(busy.status, 1);
    EXPECT_EQ(busy.err, "rmmod: ERROR: Module kl_provider is in use by: kl_consumer\n");
    // Not even a forced removal pulls a provider from under its consumer.
    RunResult forced = d.lkmctl({"rmmod", "-f", "kl_provider"});
    EXPECT_EQ(forced.status, 1);
    EXPECT_TRUE(is_loaded(d, "kl_provider"));

    EXPECT_EQ(d.lkmctl({"rmmod", "kl_consumer"}).status, 0);
    EXPECT_TRUE(
        FullMatch(modules_line(d, "kl_provider"), std::string(R"(kl_provider \d+ 0 -)") + kLiveOE));
    RunResult rm = d.lkmctl({"rmmod", "kl_provider"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_EQ(modules_text(d), "");
}

TEST(ModuleLoader, GplOnlyExportsAreUnknownToNonGplModules) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_provider")}).status, 0);
    RunResult r = d.lkmctl({"insmod", ko("kl_gplonly")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, insmod_error(ko("kl_gplonly"), "Unknown symbol in module"));
    EXPECT_TRUE(Contains(dmesg(d), "kl_gplonly: Unknown symbol kl_provider_gpl_answer (err -2)"));
    EXPECT_FALSE(is_loaded(d, "kl_gplonly"));
    // The refused module left no reference behind.
    EXPECT_TRUE(
        FullMatch(modules_line(d, "kl_provider"), std::string(R"(kl_provider \d+ 0 -)") + kLiveOE));
}

TEST(ModuleLoader, ProprietaryLicenseTaintsTheModuleAndTheKernel) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_provider")}).status, 0);
    RunResult r = d.lkmctl({"insmod", ko("kl_proprietary")});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_proprietary: module license 'Proprietary' taints kernel."));
    EXPECT_TRUE(Contains(log, "kl_proprietary: provider answers 42"));
    EXPECT_TRUE(FullMatch(modules_line(d, "kl_proprietary"),
                          R"(kl_proprietary \d+ 0 - Live 0x[0-9a-f]{16} \(POE\))"));
    EXPECT_TRUE(FullMatch(modules_line(d, "kl_provider"),
                          std::string(R"(kl_provider \d+ 1 kl_proprietary,)") + kLiveOE));
}

TEST(ModuleLoader, ExportingANameAnotherModuleExportsIsRefused) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_provider")}).status, 0);
    RunResult r = d.lkmctl({"insmod", ko("kl_dupexport")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, insmod_error(ko("kl_dupexport"), "Invalid module format"));
    EXPECT_TRUE(Contains(
        dmesg(d),
        "kl_dupexport: exports duplicate symbol kl_provider_answer (owned by kl_provider)"));
    EXPECT_FALSE(is_loaded(d, "kl_dupexport"));

    ASSERT_EQ(d.lkmctl({"rmmod", "kl_provider"}).status, 0);
    RunResult alone = d.lkmctl({"insmod", ko("kl_dupexport")});
    EXPECT_EQ(alone.status, 0) << alone.err;
}

// ---- init failures and permanent modules ------------------------------------------------------

TEST(ModuleLoader, FailingInitReportsItsErrnoAndLeavesNothingBehind) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    struct Case {
        std::vector<std::string> params;
        std::string why;
        std::string logged;
    };
    for (const Case &c : {Case{{}, "No such device", "init returns -19"},
                          Case{{"err=-12"}, "Cannot allocate memory", "init returns -12"},
                          Case{{"err=-13"}, "Permission denied", "init returns -13"}}) {
        SCOPED_TRACE(c.why);
        std::vector<std::string> args = {"insmod", ko("kl_initfail")};
        args.insert(args.end(), c.params.begin(), c.params.end());
        RunResult r = d.lkmctl(args);
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, insmod_error(ko("kl_initfail"), c.why));
        EXPECT_TRUE(Contains(dmesg(d), "kl_initfail: " + c.logged));
        EXPECT_EQ(modules_text(d), "");
        EXPECT_FALSE(is_loaded(d, "kl_initfail"));
        EXPECT_NE(run({"stat", d.path("kl_initfail_leftover")}).status, 0);
        EXPECT_TRUE(LacksText(run({"ls", d.mnt()}).out, "kl_initfail_leftover"));
        EXPECT_EQ(mapped_module_images(d), 0u);
    }
    // The name is free again: the same module loads when init succeeds.
    RunResult ok = d.lkmctl({"insmod", ko("kl_initfail"), "err=0"});
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_EQ(run({"stat", d.path("kl_initfail_leftover")}).status, 0);
    EXPECT_EQ(d.lkmctl({"rmmod", "kl_initfail"}).status, 0);
}

TEST(ModuleLoader, ModuleWithoutExitIsPermanentUntilShutdown) {
    Daemon d({.config = "modules:\n  load: []\nlog:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_noexit")}).status, 0);
    EXPECT_TRUE(FullMatch(modules_line(d, "kl_noexit"),
                          std::string(R"(kl_noexit \d+ 0 \[permanent\],)") + kLiveOE));
    RunResult r = d.lkmctl({"rmmod", "kl_noexit"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: could not remove module kl_noexit: Device or resource busy\n");
    EXPECT_TRUE(is_loaded(d, "kl_noexit"));
    EXPECT_EQ(run({"stat", d.path("kl_noexit")}).status, 0);

    EXPECT_EQ(d.stop(SIGTERM), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
    EXPECT_TRUE(Contains(d.output(), "kl_noexit: here to stay"));
}

TEST(ModuleLoader, ForcedRmmodRemovesAPermanentModule) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_noexit")}).status, 0);
    RunResult r = d.lkmctl({"rmmod", "-f", "kl_noexit"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(is_loaded(d, "kl_noexit"));
    EXPECT_NE(run({"stat", d.path("kl_noexit")}).status, 0);
    EXPECT_EQ(mapped_module_images(d), 0u);
}

TEST(ModuleLoader, ShutdownUnloadsConsumersBeforeProviders) {
    Daemon d({.config = "modules:\n  load: []\nlog:\n  console_level: 8\n"});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_provider")}).status, 0);
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_consumer")}).status, 0);
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_noexit")}).status, 0);
    EXPECT_EQ(d.stop(SIGTERM), 0) << d.output();
    std::string out = d.output();
    auto consumer_gone = out.find("kl_consumer: gone");
    auto provider_gone = out.find("kl_provider: gone");
    ASSERT_NE(consumer_gone, std::string::npos) << out;
    ASSERT_NE(provider_gone, std::string::npos) << out;
    EXPECT_LT(consumer_gone, provider_gone) << out;
}

// ---- references -----------------------------------------------------------------------------

TEST(ModuleLoader, AReferenceTakenInOpenBlocksRmmodUntilRelease) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_ref")}).status, 0);
    OpenFile file(d.path("kl_ref"));
    ASSERT_GE(file.fd, 0);
    EXPECT_TRUE(FullMatch(modules_line(d, "kl_ref"), std::string(R"(kl_ref \d+ 1 -)") + kLiveOE));

    RunResult busy = d.lkmctl({"rmmod", "kl_ref"});
    EXPECT_EQ(busy.status, 1);
    EXPECT_EQ(busy.err, "rmmod: ERROR: Module kl_ref is in use\n");
    EXPECT_TRUE(is_loaded(d, "kl_ref"));
    IoResult read = read_fd(file.fd, 64);
    EXPECT_EQ(read.data, "pinned\n") << "the module still serves its open file";

    file.close();
    // FUSE sends the release after close() returns.
    EXPECT_TRUE(wait_for([&] {
        return FullMatch(modules_line(d, "kl_ref"), std::string(R"(kl_ref \d+ 0 -)") + kLiveOE);
    })) << modules_text(d);
    RunResult rm = d.lkmctl({"rmmod", "kl_ref"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    std::string log = dmesg(d);
    EXPECT_LT(log.find("kl_ref: release"), log.find("kl_ref: exit")) << log;
}

TEST(ModuleLoader, ForcedRmmodRemovesAModuleThatHoldsAReference) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_ref")}).status, 0);
    OpenFile file(d.path("kl_ref"));
    ASSERT_GE(file.fd, 0);
    RunResult r = d.lkmctl({"rmmod", "-f", "kl_ref"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(is_loaded(d, "kl_ref"));
    IoResult read = read_fd(file.fd, 64);
    EXPECT_FALSE(read.timed_out);
    EXPECT_EQ(read.ret, -1);
    EXPECT_EQ(read.err, EIO);
    file.close();
    // The daemon is unharmed: it still loads and lists modules.
    EXPECT_EQ(d.lkmctl({"insmod", ko("kl_ref")}).status, 0);
    EXPECT_TRUE(is_loaded(d, "kl_ref"));
}

TEST(ModuleLoader, OpenFilesDoNotPinAModuleWithoutAReference) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_hello")}).status, 0);
    OpenFile file(d.path("kl_hello"));
    ASSERT_GE(file.fd, 0);
    RunOptions quick;
    quick.timeout = std::chrono::milliseconds(5000);
    RunResult rm = d.lkmctl({"rmmod", "kl_hello"}, quick);
    EXPECT_FALSE(rm.timed_out);
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_FALSE(is_loaded(d, "kl_hello"));
    IoResult read = read_fd(file.fd, 64);
    EXPECT_FALSE(read.timed_out);
    EXPECT_EQ(read.ret, -1);
    EXPECT_EQ(read.err, EIO);
}

TEST(ModuleLoader, RmmodOfAModuleNotLoaded) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"rmmod", "kl_hello"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "rmmod: ERROR: Module kl_hello is not currently loaded\n");
}

// ---- the loaded image is the module's own copy ------------------------------------------------

TEST(ModuleLoader, OverwritingTheKoFileDoesNotAffectTheLoadedModule) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    std::string file = d.dir() / "kl_hello.ko";
    fs::copy_file(ko("kl_hello"), file);
    ASSERT_EQ(d.lkmctl({"insmod", file}).status, 0);

    // In place (same inode), as a rebuild by the linker or `cp` over it does.
    std::string garbage(read_bytes(file).size(), '\xcc');
    write_bytes(file, garbage);
    EXPECT_EQ(run({"cat", d.path("kl_hello")}).out, "loads=1 generation=7\n");
    EXPECT_TRUE(Contains(d.lkmctl({"modinfo", "kl_hello"}).out,
                         "description:    A module with every tag\n"));
    fs::resize_file(file, 0);
    EXPECT_EQ(run({"cat", d.path("kl_hello")}).out, "loads=1 generation=7\n");

    RunResult rm = d.lkmctl({"rmmod", "kl_hello"});
    EXPECT_EQ(rm.status, 0) << rm.err;
    EXPECT_TRUE(Contains(dmesg(d), "kl_hello: exit"));
    // The file on disk really changed.
    EXPECT_EQ(d.lkmctl({"insmod", file}).err, insmod_error(file, "Invalid module format"));
}

TEST(ModuleLoader, ModulesFileHidesAddressesFromUnprivilegedReaders) {
    Daemon d({.config = "mount:\n  options: [allow_other]\nmodules:\n  load: []\n"});
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_hello")}).status, 0);
    std::string as_root = modules_line(d, "kl_hello");
    EXPECT_TRUE(LacksText(as_root, " 0x0000000000000000 "));
    RunResult as_nobody = run(
        {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", d.path("modules")});
    EXPECT_EQ(as_nobody.status, 0) << as_nobody.err;
    EXPECT_TRUE(FullMatch(line_starting(as_nobody.out, "kl_hello "),
                          R"(kl_hello \d+ 0 - Live 0x0000000000000000 \(OE\))"));
}

// ---- parameters -----------------------------------------------------------------------------

TEST(ModuleLoader, ParametersOfEveryTypeReachTheModule) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", ko("kl_params"), "i=-5", "u=0x10", "l=-1234567890123",
                            "ul=18446744073709551615", "s=-300", "us=65535", "b=255", "bo", "ib=y",
                            "cp=\"hello world\"", "str=abc", "arr=1,-2,3", "dash-name=11"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_params: i=-5 u=16 l=-1234567890123 ul=18446744073709551615 "
                              "s=-300 us=65535 b=255\n"));
    EXPECT_TRUE(Contains(log, "kl_params: bo=1 ib=0 cp=[hello world] str=[abc] dash_name=11\n"));
    EXPECT_TRUE(Contains(log, "kl_params: arr_count=3 arr=1,-2,3,9\n"));
}

TEST(ModuleLoader, ParametersLeftOutKeepTheirDefaults) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    ASSERT_EQ(d.lkmctl({"insmod", ko("kl_params")}).status, 0);
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_params: i=-1 u=1 l=-2 ul=2 s=-3 us=3 b=4\n"));
    EXPECT_TRUE(Contains(log, "kl_params: bo=0 ib=1 cp=[default] str=[str] dash_name=0\n"));
    EXPECT_TRUE(Contains(log, "kl_params: arr_count=0 arr=9,9,9,9\n"));
}

TEST(ModuleLoader, UnknownParametersAreIgnoredWithAWarning) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", ko("kl_params"), "nosuch=1", "i=3"});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string log = dmesg(d);
    EXPECT_TRUE(Contains(log, "kl_params: unknown parameter 'nosuch' ignored"));
    EXPECT_TRUE(Contains(log, "kl_params: i=3 "));
}

TEST(ModuleLoader, BadParameterValuesRefuseTheLoadAsLinuxDoes) {
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    struct Case {
        std::string param;
        std::string why;    // insmod's words for the errno the kernel returns
        std::string logged; // the kernel's message
    };
    for (const Case &c : {
             Case{"i=abc", "Invalid parameters", "kl_params: `abc' invalid for parameter `i'"},
             Case{"i", "Invalid parameters", "kl_params: `' invalid for parameter `i'"},
             Case{"bo=maybe", "Invalid parameters",
                  "kl_params: `maybe' invalid for parameter `bo'"},
             Case{"arr=1,2,3,4,5", "Invalid parameters", "arr: can only take 4 arguments"},
             // kstrtou8 says -ERANGE, which the kernel passes on.
             Case{"b=256", "Numerical result out of range",
                  "kl_params: `256' invalid for parameter `b'"},
             Case{"str=toolongvalue", "No space left on device",
                  "kl_params: `toolongvalue' too large for parameter `str'"},
         }) {
        SCOPED_TRACE(c.param);
        RunResult r = d.lkmctl({"insmod", ko("kl_params"), c.param});
        EXPECT_EQ(r.status, 1);
        EXPECT_EQ(r.err, insmod_error(ko("kl_params"), c.why));
        EXPECT_TRUE(Contains(dmesg(d), c.logged));
        EXPECT_FALSE(is_loaded(d, "kl_params"));
    }
    EXPECT_TRUE(Contains(dmesg(d), "str: string doesn't fit in 7 chars."));
    EXPECT_TRUE(LacksText(dmesg(d), "kl_params: i=")) << "init ran despite a bad parameter";
    EXPECT_EQ(mapped_module_images(d), 0u);
}

TEST(ModuleLoader, QuotesInsideAValueStayAsLinuxKeepsThem) {
    // Linux's next_arg() drops quotes only around a whole value (or a whole argument);
    // inside a value they are part of it, and a quoted space does not split it.
    Daemon d;
    ASSERT_TRUE(d.started()) << d.output();
    RunResult r = d.lkmctl({"insmod", ko("kl_params"), "cp=a\"b c\"d", "\"str=x y\""});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(Contains(dmesg(d), "cp=[a\"b c\"d] str=[x y]"));
}

} // namespace
} // namespace lkmfs::testing
