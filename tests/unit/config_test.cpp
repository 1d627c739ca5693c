// The YAML configuration: the built-in default, every kind of error message (with its
// file:line:col and key path), sizes, module parameters and path resolution.
#include "config/config.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lkmfs::config {

// Lets GoogleTest print a Config when an equality check fails.
void PrintTo(const Config &config, std::ostream *os) {
    *os << "{options:";
    for (const auto &option : config.mount_options)
        *os << " " << option;
    *os << "; threads: " << config.max_threads << "/" << config.max_idle_threads << "; path:";
    for (const auto &directory : config.module_path)
        *os << " " << directory;
    *os << "; load:";
    for (const auto &module : config.load)
        *os << " [" << module.module << " | " << module.params << "]";
    *os << "; log: " << config.log_buf_bytes << " level " << config.console_loglevel
        << "; socket: '" << config.control_socket << "' access "
        << (config.read_access == Access::All ? "all" : "owner") << "}";
}

} // namespace lkmfs::config

namespace {

using lkmfs::config::Access;
using lkmfs::config::Config;
using lkmfs::config::ModuleToLoad;
namespace fs = std::filesystem;

// The repository root, found from this file's own path (CMake compiles it by absolute path).
fs::path source_root() {
    return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

std::string read_text(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Parses text that must be valid.
Config parse_ok(std::string_view yaml, const std::string &base_dir = "") {
    Config config;
    auto error = lkmfs::config::parse_config(yaml, "test.yaml", base_dir, &config);
    EXPECT_FALSE(error) << error->message;
    return config;
}

// The error message for text that must be invalid.
std::string error_of(std::string_view yaml) {
    Config config;
    auto error = lkmfs::config::parse_config(yaml, "test.yaml", "", &config);
    return error ? error->message : "(no error)";
}

// A fresh directory under the system's temporary directory, removed at the end.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "lkmfs-config-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path &path() const { return path_; }
    fs::path write(const std::string &name, std::string_view text) const {
        fs::path file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

  private:
    fs::path path_;
};

// --- the built-in default --------------------------------------------------------------

TEST(DefaultConfig, EmbeddedTextIsTheSourceFile) {
    std::string on_disk = read_text(source_root() / "config" / "lkmfs.yaml");
    ASSERT_FALSE(on_disk.empty()) << "cannot read " << source_root() / "config" / "lkmfs.yaml";
    EXPECT_EQ(lkmfs::config::default_config_text(), on_disk);
}

TEST(DefaultConfig, LoadsTheSampleModules) {
    Config config = lkmfs::config::default_config();
    std::vector<ModuleToLoad> expected = {{"hello2", ""}, {"kbuf", ""}};
    EXPECT_EQ(config.load, expected);
    EXPECT_TRUE(config.module_path.empty());
}

TEST(DefaultConfig, EqualsTheStructDefaultsApartFromLoad) {
    Config expected;
    expected.load = {{"hello2", ""}, {"kbuf", ""}};
    EXPECT_EQ(lkmfs::config::default_config(), expected);
}

TEST(DefaultConfig, ParsingTheTextGivesTheSameResult) {
    Config config = parse_ok(lkmfs::config::default_config_text());
    EXPECT_EQ(config, lkmfs::config::default_config());
}

TEST(ExampleConfigs, AllParse) {
    int count = 0;
    for (const auto &entry : fs::directory_iterator(source_root() / "config" / "examples")) {
        if (entry.path().extension() != ".yaml")
            continue;
        ++count;
        Config config;
        auto error = lkmfs::config::load_config_file(entry.path().string(), &config);
        EXPECT_FALSE(error) << error->message;
    }
    EXPECT_GE(count, 1);
}

TEST(ExampleConfigs, GraderSetup) {
    Config config;
    fs::path file = source_root() / "config" / "examples" / "grader.yaml";
    ASSERT_FALSE(lkmfs::config::load_config_file(file.string(), &config));
    EXPECT_EQ(config.mount_options, std::vector<std::string>{"allow_other"});
    EXPECT_EQ(config.load, (std::vector<ModuleToLoad>{{"kbuf", "size=65536"}}));
    EXPECT_EQ(config.read_access, Access::Owner);
    EXPECT_EQ(config.log_buf_bytes, 16u << 20);
}

// --- document shape --------------------------------------------------------------------

TEST(ParseConfig, EmptyDocumentGivesStructDefaults) {
    EXPECT_EQ(parse_ok(""), Config{});
    EXPECT_EQ(parse_ok("# only a comment\n"), Config{});
}

TEST(ParseConfig, SectionWithEveryKeyCommentedOutIsEmpty) {
    EXPECT_EQ(parse_ok("log:\n  # console_level: 8\nmount:\n"), Config{});
}

TEST(ParseConfig, EveryKey) {
    Config config = parse_ok(R"(
mount:
  options: [allow_other, "ro"]
  max_threads: 16
  max_idle_threads: 0
modules:
  path: [/opt/mods]
  load:
    - hello
    - name: kbuf
      params: "size=4096"
log:
  buffer_size: 64K
  console_level: 8
control:
  socket: /run/lkmfs.sock
  read_access: owner
)");
    EXPECT_EQ(config.mount_options, (std::vector<std::string>{"allow_other", "ro"}));
    EXPECT_EQ(config.max_threads, 16u);
    EXPECT_EQ(config.max_idle_threads, 0u);
    EXPECT_EQ(config.module_path, std::vector<std::string>{"/opt/mods"});
    EXPECT_EQ(config.load, (std::vector<ModuleToLoad>{{"hello", ""}, {"kbuf", "size=4096"}}));
    EXPECT_EQ(config.log_buf_bytes, 64u * 1024);
    EXPECT_EQ(config.console_loglevel, 8);
    EXPECT_EQ(config.control_socket, "/run/lkmfs.sock");
    EXPECT_EQ(config.read_access, Access::Owner);
}

TEST(ParseConfig, MountOptionsAsOneCommaSeparatedString) {
    Config config = parse_ok("mount:\n  options: allow_other, ro,,nosuid\n");
    EXPECT_EQ(config.mount_options, (std::vector<std::string>{"allow_other", "ro", "nosuid"}));
}

TEST(ParseConfig, ErrorLeavesOutputUntouched) {
    Config config;
    config.max_threads = 3;
    config.load = {{"sentinel", "x=1"}};
    Config before = config;
    // The first key is fine and the second is not: nothing of the first may leak out.
    auto error = lkmfs::config::parse_config(
        "mount:\n  max_threads: 7\nlog:\n  console_level: 99\n", "test.yaml", "", &config);
    ASSERT_TRUE(error);
    EXPECT_EQ(config, before);
}

// --- error messages --------------------------------------------------------------------

TEST(ConfigErrors, YamlSyntaxError) {
    std::string message = error_of("log:\n  buffer_size: [1M,\n");
    EXPECT_EQ(message.rfind("test.yaml:3:1: YAML syntax error: ", 0), 0u) << message;
    message = error_of("mount:\n  max_threads: 4\n   max_idle_threads: 2\n");
    EXPECT_EQ(message.rfind("test.yaml:3:", 0), 0u) << message;
    EXPECT_NE(message.find("YAML syntax error"), std::string::npos) << message;
}

TEST(ConfigErrors, UnknownKeyWithSuggestion) {
    EXPECT_EQ(error_of("log:\n  consol_level: 3\n"),
              "test.yaml:2:3: unknown key 'log.consol_level' (did you mean 'console_level'?)");
    EXPECT_EQ(error_of("mount:\n  Max_Threads: 3\n"),
              "test.yaml:2:3: unknown key 'mount.Max_Threads' (did you mean 'max_threads'?)");
    EXPECT_EQ(error_of("modlues: {}\n"),
              "test.yaml:1:1: unknown key 'modlues' (did you mean 'modules'?)");
}

TEST(ConfigErrors, UnknownKeyInsideAListElement) {
    EXPECT_EQ(error_of("modules:\n  load:\n    - hello\n    - name: kbuf\n      parms: x\n"),
              "test.yaml:5:7: unknown key 'modules.load[1].parms' (did you mean 'params'?)");
}

TEST(ConfigErrors, UnknownKeyWithoutCloseMatchListsTheKnownOnes) {
    EXPECT_EQ(error_of("control:\n  socket: x\n  color: red\n"),
              "test.yaml:3:3: unknown key 'control.color' (expected 'socket' or 'read_access')");
}

TEST(ConfigDebug, OopsActionDefaultsToKillAndAcceptsEio) {
    Config config;
    ASSERT_FALSE(lkmfs::config::parse_config("", "test.yaml", "", &config));
    EXPECT_EQ(config.oops, lkmfs::config::OopsAction::Kill);
    ASSERT_FALSE(lkmfs::config::parse_config("debug:\n  oops: eio\n", "test.yaml", "", &config));
    EXPECT_EQ(config.oops, lkmfs::config::OopsAction::Eio);
    EXPECT_EQ(lkmfs::config::default_config().oops, lkmfs::config::OopsAction::Kill);
}

TEST(ConfigDebug, KmemleakDefaultsToOnAndTurnsOff) {
    EXPECT_TRUE(Config{}.kmemleak);
    EXPECT_TRUE(lkmfs::config::default_config().kmemleak);
    EXPECT_FALSE(parse_ok("debug:\n  kmemleak: false\n").kmemleak);
    EXPECT_EQ(error_of("debug:\n  kmemleak: maybe\n"),
              "test.yaml:2:13: key 'debug.kmemleak': expected 'true' or 'false', got 'maybe'");
}

TEST(ConfigDebug, WatchdogThreshDefaultsToLinuxsTenSecondsAndZeroTurnsItOff) {
    EXPECT_EQ(Config{}.watchdog_thresh, 10);
    EXPECT_EQ(lkmfs::config::default_config().watchdog_thresh, 10);
    EXPECT_EQ(parse_ok("debug:\n  watchdog_thresh: 0\n").watchdog_thresh, 0);
    EXPECT_EQ(parse_ok("debug:\n  watchdog_thresh: 60\n").watchdog_thresh, 60);
    EXPECT_EQ(error_of("debug:\n  watchdog_thresh: 61\n"),
              "test.yaml:2:20: key 'debug.watchdog_thresh': expected an integer 0..60, got '61'");
}

TEST(ConfigDebug, LockChecksDefaultToOnAndTurnOffOneByOne) {
    Config defaults = lkmfs::config::default_config();
    EXPECT_TRUE(defaults.lockdep);
    EXPECT_TRUE(defaults.might_sleep);
    EXPECT_TRUE(defaults.lock_misuse);
    EXPECT_TRUE(Config{}.lockdep && Config{}.might_sleep && Config{}.lock_misuse);
    Config off = parse_ok("debug:\n  lockdep: false\n");
    EXPECT_FALSE(off.lockdep);
    EXPECT_TRUE(off.might_sleep);
    EXPECT_TRUE(off.lock_misuse);
    EXPECT_FALSE(parse_ok("debug:\n  might_sleep: false\n").might_sleep);
    EXPECT_FALSE(parse_ok("debug:\n  lock_misuse: false\n").lock_misuse);
    EXPECT_EQ(error_of("debug:\n  lockdep: sometimes\n"),
              "test.yaml:2:12: key 'debug.lockdep': expected 'true' or 'false', got 'sometimes'");
    EXPECT_EQ(error_of("debug:\n  might_sleep: 2\n"),
              "test.yaml:2:16: key 'debug.might_sleep': expected 'true' or 'false', got '2'");
}

TEST(ConfigDebug, FaultInjectionByModuleName) {
    EXPECT_TRUE(lkmfs::config::default_config().fault_injection.empty());
    Config config = parse_ok(R"(
debug:
  fault_injection:
    kbuf:
      failslab: { interval: 2 }
      fail_usercopy: { probability: 10, times: 3, space: 8, verbose: 1 }
    kleak:
      failslab:
)");
    ASSERT_EQ(config.fault_injection.size(), 2u);
    const auto &kbuf = config.fault_injection[0];
    EXPECT_EQ(kbuf.module, "kbuf");
    ASSERT_TRUE(kbuf.failslab.has_value());
    EXPECT_EQ(*kbuf.failslab, (lkmfs::config::FaultAttrConfig{100, 2, -1, 0, 2}));
    ASSERT_TRUE(kbuf.fail_usercopy.has_value());
    EXPECT_EQ(*kbuf.fail_usercopy, (lkmfs::config::FaultAttrConfig{10, 1, 3, 8, 1}));
    EXPECT_EQ(config.fault_injection[1].module, "kleak");
    EXPECT_EQ(config.fault_injection[1].failslab, lkmfs::config::FaultAttrConfig{})
        << "an empty kind fails every call";
    EXPECT_FALSE(config.fault_injection[1].fail_usercopy.has_value());
}

TEST(ConfigErrors, BadFaultInjection) {
    EXPECT_EQ(error_of("debug:\n  fault_injection:\n    kbuf:\n      failpage: {}\n"),
              "test.yaml:4:7: unknown key 'debug.fault_injection.kbuf.failpage' (expected "
              "'failslab' or 'fail_usercopy')");
    EXPECT_NE(error_of("debug:\n  fault_injection:\n    kbuf:\n      failslab: "
                       "{ probability: 150 }\n")
                  .find("key 'debug.fault_injection.kbuf.failslab.probability'"),
              std::string::npos);
    EXPECT_NE(error_of("debug:\n  fault_injection:\n    kbuf:\n      failslab: "
                       "{ interval: 0 }\n")
                  .find("key 'debug.fault_injection.kbuf.failslab.interval'"),
              std::string::npos);
}

TEST(ConfigErrors, BadOopsAction) {
    EXPECT_EQ(error_of("debug:\n  oops: panic\n"),
              "test.yaml:2:9: key 'debug.oops': expected 'kill' or 'eio', got 'panic'");
}

TEST(ConfigErrors, DuplicateKey) {
    EXPECT_EQ(error_of("log:\n  console_level: 1\n  console_level: 2\n"),
              "test.yaml:3:3: duplicate key 'log.console_level' (first given on line 2)");
}

TEST(ConfigErrors, NotAnInteger) {
    EXPECT_EQ(error_of("log:\n  console_level: loud\n"),
              "test.yaml:2:18: key 'log.console_level': expected an integer 0..8, got 'loud'");
    EXPECT_EQ(error_of("mount:\n  max_threads: 2.5\n"),
              "test.yaml:2:16: key 'mount.max_threads': expected an integer 1..4096, got '2.5'");
}

TEST(ConfigErrors, IntegerOutOfRange) {
    EXPECT_EQ(error_of("log:\n  console_level: 9\n"),
              "test.yaml:2:18: key 'log.console_level': expected an integer 0..8, got '9'");
    EXPECT_EQ(error_of("log:\n  console_level: -1\n"),
              "test.yaml:2:18: key 'log.console_level': expected an integer 0..8, got '-1'");
    EXPECT_EQ(error_of("mount:\n  max_threads: 0\n"),
              "test.yaml:2:16: key 'mount.max_threads': expected an integer 1..4096, got '0'");
}

TEST(ConfigErrors, WrongType) {
    EXPECT_EQ(error_of("mount:\n  max_threads: [1]\n"),
              "test.yaml:2:16: key 'mount.max_threads': expected an integer 1..4096, got a list");
    EXPECT_EQ(error_of("log: 5\n"), "test.yaml:1:6: key 'log': expected a map, got '5'");
    EXPECT_EQ(error_of("modules:\n  load: hello\n"),
              "test.yaml:2:9: key 'modules.load': expected a list, got 'hello'");
    EXPECT_EQ(error_of("control:\n  socket: {a: 1}\n"),
              "test.yaml:2:11: key 'control.socket': expected a string, got a map");
    EXPECT_EQ(
        error_of("- mount\n"),
        "test.yaml:1:1: expected a map of sections (mount, modules, log, control, debug), got a "
        "list");
}

TEST(ConfigErrors, EmptyValueIsNotAnInteger) {
    // The position is the key's: yaml-cpp places an empty value wherever the next token is.
    EXPECT_EQ(error_of("log:\n  console_level:\ncontrol: {}\n"),
              "test.yaml:2:3: key 'log.console_level': expected an integer 0..8, got nothing");
}

TEST(ConfigErrors, BadEnumValue) {
    EXPECT_EQ(error_of("control:\n  read_access: onwer\n"),
              "test.yaml:2:16: key 'control.read_access': expected 'all' or 'owner', got "
              "'onwer' (did you mean 'owner'?)");
    EXPECT_EQ(error_of("control:\n  read_access: nobody\n"),
              "test.yaml:2:16: key 'control.read_access': expected 'all' or 'owner', got "
              "'nobody'");
}

TEST(ConfigErrors, EmptyModuleName) {
    EXPECT_EQ(error_of("modules:\n  load:\n    - hello\n    - \"\"\n"),
              "test.yaml:4:7: key 'modules.load[1]': empty module name (expected a module name "
              "or a path to a .ko file)");
    EXPECT_EQ(error_of("modules:\n  load:\n    - name:\n      params: a=1\n"),
              "test.yaml:3:7: key 'modules.load[0].name': empty module name (expected a module "
              "name or a path to a .ko file)");
    // An empty element has no position of its own: the message points at its list's key.
    EXPECT_EQ(error_of("modules:\n  load:\n    - hello\n    -\n    - kbuf\n"),
              "test.yaml:2:3: key 'modules.load[1]': empty module name (expected a module name "
              "or a path to a .ko file)");
    EXPECT_EQ(error_of("modules:\n  load:\n    - params: a=1\n"),
              "test.yaml:3:7: key 'modules.load[0]': missing 'name'");
}

TEST(ConfigErrors, ParametersWrittenIntoTheModuleName) {
    EXPECT_EQ(error_of("modules:\n  load: [kbuf size=4096]\n"),
              "test.yaml:2:10: key 'modules.load[0]': module name 'kbuf size=4096' contains a "
              "space; give parameters as 'params'");
}

TEST(ConfigErrors, MoreThanOneDocument) {
    std::string message = error_of("log: {}\n---\nmount: {}\n");
    EXPECT_EQ(message.rfind("test.yaml:3:1: expected one YAML document, found 2", 0), 0u)
        << message;
}

// Found by tests/fuzz (config): on a line holding only ',' yaml-cpp 0.7's LoadAll() never
// returned (an empty document at the same token, over and over, until memory ran out).
TEST(ConfigErrors, StrayCommaIsASyntaxErrorNotAnEndlessParse) {
    EXPECT_EQ(error_of(",\n"), "test.yaml:1:1: YAML syntax error: unexpected ','");
    EXPECT_EQ(error_of(",\n,\n"), "test.yaml:1:1: YAML syntax error: unexpected ','");
    EXPECT_EQ(error_of("log: {}\n,\n"), "test.yaml:2:1: YAML syntax error: end of map not found");
}

TEST(ConfigErrors, MissingFile) {
    TempDir dir;
    std::string path = (dir.path() / "absent.yaml").string();
    Config config;
    auto error = lkmfs::config::load_config_file(path, &config);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, path + ": cannot open: No such file or directory");
}

TEST(ConfigErrors, DirectoryInsteadOfFile) {
    TempDir dir;
    Config config;
    auto error = lkmfs::config::load_config_file(dir.path().string(), &config);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, dir.path().string() + ": cannot read: Is a directory");
}

// --- sizes -----------------------------------------------------------------------------

std::size_t buffer_size_of(std::string_view value) {
    return parse_ok("log:\n  buffer_size: " + std::string(value) + "\n").log_buf_bytes;
}

TEST(Sizes, AcceptedSpellings) {
    EXPECT_EQ(buffer_size_of("4096"), 4096u);
    EXPECT_EQ(buffer_size_of("64K"), 64u * 1024);
    EXPECT_EQ(buffer_size_of("64k"), 64u * 1024);
    EXPECT_EQ(buffer_size_of("1M"), 1u << 20);
    EXPECT_EQ(buffer_size_of("1MiB"), 1u << 20);
    EXPECT_EQ(buffer_size_of("256M"), 256u << 20);
    EXPECT_EQ(buffer_size_of("4K"), 4096u);
    EXPECT_EQ(buffer_size_of("\"3000000\""), 3000000u);
}

TEST(Sizes, RejectedSpellings) {
    const std::string expected =
        "key 'log.buffer_size': expected a size from 4K to 256M (bytes, or with K, M, G or KiB, "
        "MiB, GiB), got ";
    for (std::string bad : {"1.5M", "1MB", "-1", "0x1000", "M", "1 M", "1T", "1Mi", "1m b"}) {
        EXPECT_EQ(error_of("log:\n  buffer_size: " + bad + "\n"),
                  "test.yaml:2:16: " + expected + "'" + bad + "'");
    }
}

TEST(Sizes, OutOfRange) {
    EXPECT_NE(error_of("log:\n  buffer_size: 4095\n").find("got '4095'"), std::string::npos);
    EXPECT_NE(error_of("log:\n  buffer_size: 257M\n").find("got '257M'"), std::string::npos);
    EXPECT_NE(error_of("log:\n  buffer_size: 1G\n").find("got '1G'"), std::string::npos);
    // Would overflow 64 bits once multiplied.
    EXPECT_NE(error_of("log:\n  buffer_size: 18014398509481984K\n").find("expected a size"),
              std::string::npos);
}

// --- module parameters -----------------------------------------------------------------

std::string params_of(std::string_view params_yaml) {
    Config config =
        parse_ok("modules:\n  load:\n    - name: kbuf\n      params: " + std::string(params_yaml));
    return config.load.empty() ? "(nothing loaded)" : config.load[0].params;
}

TEST(ModuleParams, MapIsJoinedInOrder) {
    EXPECT_EQ(params_of("{ size: 4096, mode: fifo }"), "size=4096 mode=fifo");
}

TEST(ModuleParams, ValuesWithSpacesAreQuoted) {
    EXPECT_EQ(params_of("{ greeting: \"hello world\", n: 1 }"), "greeting=\"hello world\" n=1");
}

TEST(ModuleParams, ListIsAnArrayAndNoValueIsAFlag) {
    EXPECT_EQ(params_of("{ ids: [1, 2, 3], debug: }"), "ids=1,2,3 debug");
}

TEST(ModuleParams, StringIsTakenAsInsmodTakesIt) {
    EXPECT_EQ(params_of("\"size=4096 mode=fifo\""), "size=4096 mode=fifo");
    EXPECT_EQ(params_of("size=4096"), "size=4096");
}

TEST(ModuleParams, Errors) {
    std::string prefix = "modules:\n  load:\n    - name: kbuf\n      params: ";
    EXPECT_EQ(error_of(prefix + "{ msg: 'say \"hi\"' }"),
              "test.yaml:4:22: key 'modules.load[0].params.msg': a module parameter value cannot "
              "contain '\"'");
    EXPECT_EQ(error_of(prefix + "{ \"a b\": 1 }"),
              "test.yaml:4:24: key 'modules.load[0].params.a b': 'a b' is not a parameter name "
              "(letters, digits, '_', '-', '.')");
    EXPECT_EQ(error_of(prefix + "{ size: { k: 1 } }"),
              "test.yaml:4:23: key 'modules.load[0].params.size': expected a value or a list of "
              "values, got a map");
    EXPECT_EQ(error_of(prefix + "[size=1]"),
              "test.yaml:4:15: key 'modules.load[0].params': expected a map of parameters or a "
              "string like \"size=4096\", got a list");
    EXPECT_EQ(
        error_of(prefix + "{ size: 1, size: 2 }"),
        "test.yaml:4:26: duplicate key 'modules.load[0].params.size' (first given on line 4)");
}

// --- paths -----------------------------------------------------------------------------

TEST(Paths, RelativePathsAreResolvedAgainstBaseDir) {
    Config config = parse_ok(R"(
modules:
  path: [mods, /abs/mods, ../shared/mods, ./here/]
  load:
    - hello
    - build/m.ko
    - name: m2.ko
    - /abs/m3.ko
control:
  socket: run/lkmfs.sock
)",
                             "/etc/lkmfs");
    EXPECT_EQ(config.module_path,
              (std::vector<std::string>{"/etc/lkmfs/mods", "/abs/mods", "/etc/shared/mods",
                                        "/etc/lkmfs/here/"}));
    EXPECT_EQ(config.load, (std::vector<ModuleToLoad>{{"hello", ""},
                                                      {"/etc/lkmfs/build/m.ko", ""},
                                                      {"/etc/lkmfs/m2.ko", ""},
                                                      {"/abs/m3.ko", ""}}));
    EXPECT_EQ(config.control_socket, "/etc/lkmfs/run/lkmfs.sock");
}

TEST(Paths, EmptyBaseDirLeavesPathsRelative) {
    Config config = parse_ok("modules:\n  path: mods\n  load: [build/m.ko]\n");
    EXPECT_EQ(config.module_path, std::vector<std::string>{"mods"});
    EXPECT_EQ(config.load, (std::vector<ModuleToLoad>{{"build/m.ko", ""}}));
}

TEST(Paths, EmptyDirectoryIsAnError) {
    EXPECT_EQ(error_of("modules:\n  path: [a, \"\"]\n"),
              "test.yaml:2:13: key 'modules.path[1]': empty directory");
}

// --- files -----------------------------------------------------------------------------

TEST(LoadConfigFile, ResolvesAgainstTheFilesDirectory) {
    TempDir dir;
    fs::path file = dir.write("lkmfs.yaml", "modules:\n  path: [mods]\n  load:\n"
                                            "    - name: kbuf\n      params: {size: 8192}\n"
                                            "log:\n  buffer_size: 2M\n");
    Config config;
    auto error = lkmfs::config::load_config_file(file.string(), &config);
    ASSERT_FALSE(error) << error->message;
    EXPECT_EQ(config.module_path, std::vector<std::string>{(dir.path() / "mods").string()});
    EXPECT_EQ(config.load, (std::vector<ModuleToLoad>{{"kbuf", "size=8192"}}));
    EXPECT_EQ(config.log_buf_bytes, 2u << 20);
}

TEST(LoadConfigFile, ErrorNamesTheFile) {
    TempDir dir;
    fs::path file = dir.write("bad.yaml", "mount:\n  max_threads: 8\n\nlog:\n  consol_level: 3\n");
    Config config;
    auto error = lkmfs::config::load_config_file(file.string(), &config);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, file.string() + ":5:3: unknown key 'log.consol_level' (did you mean "
                                              "'console_level'?)");
    EXPECT_EQ(config, Config{});
}

} // namespace
