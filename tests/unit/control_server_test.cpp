// The control server on a real socket, with a fake backend, driven by lkmctl's client
// class and by raw bytes.
#include "control_test_support.h"

#include "control/control_server.h"
#include "control/protocol.h"
#include "control/wire_format.h"
#include "daemon_connection.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <future>
#include <thread>

namespace lkmfs::control {
namespace {

using namespace std::chrono_literals;
using lkmctl::DaemonConnection;
using nlohmann::json;
using testing::FakeBackend;
using testing::TempDir;

class ControlServerTest : public ::testing::Test {
  protected:
    ControlOptions options() const {
        ControlOptions o;
        o.socket_path = dir / "ctl.sock";
        o.mountpoint = "/mnt/test";
        o.owner_uid = ::geteuid();
        return o;
    }

    void start_server(ControlOptions o) {
        server = std::make_unique<ControlServer>(backend, std::move(o));
        Error e = server->start();
        ASSERT_FALSE(e) << e.message;
    }
    void SetUp() override { start_server(options()); }

    DaemonConnection connect() {
        DaemonConnection c;
        Error e = c.connect(dir / "ctl.sock");
        EXPECT_FALSE(e) << e.message;
        c.set_timeout(5s); // a hung server fails the test instead of hanging it
        return c;
    }

    json ask(DaemonConnection &c, const json &request) {
        json reply;
        Error e = c.request(request, &reply);
        EXPECT_FALSE(e) << e.message;
        return reply;
    }

    TempDir dir;
    FakeBackend backend;
    std::unique_ptr<ControlServer> server;
};

std::vector<std::byte> pattern_bytes(std::size_t size) {
    std::vector<std::byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::byte>((i * 7 + i / 251) & 0xff);
    return bytes;
}

TEST_F(ControlServerTest, HelloNamesMountpointPidAndVersion) {
    auto c = connect();
    json reply = ask(c, {{"op", "hello"}});
    EXPECT_EQ(reply["ok"], true);
    EXPECT_EQ(reply["mountpoint"], "/mnt/test");
    EXPECT_EQ(reply["pid"], ::getpid());
    EXPECT_EQ(reply["version"], std::string(kProtocolVersion));
}

TEST_F(ControlServerTest, SocketIsWorldConnectableAndRemovedOnStop) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / "ctl.sock").c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0666u);
    server->stop();
    EXPECT_NE(::lstat((dir / "ctl.sock").c_str(), &st), 0);
}

TEST_F(ControlServerTest, InsmodImageArrivesIntactWithOriginParamsAndPeer) {
    auto image = pattern_bytes(3 * 1024 * 1024 + 17); // larger than any socket buffer
    auto c = connect();
    ASSERT_FALSE(c.send_message({{"op", "insmod"},
                                 {"origin", "/src/hello.ko"},
                                 {"params", "a=1 b=x"},
                                 {"size", image.size()}}));
    ASSERT_FALSE(c.send_bytes(image));
    json reply;
    ASSERT_FALSE(c.read_message(&reply));
    EXPECT_EQ(reply, json({{"ok", true}, {"name", "hello"}}));

    auto calls = backend.insmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].image == image);
    EXPECT_EQ(calls[0].origin, "/src/hello.ko");
    EXPECT_EQ(calls[0].params, "a=1 b=x");
    EXPECT_EQ(calls[0].peer.uid, ::geteuid());
    EXPECT_EQ(calls[0].peer.pid, ::getpid());
}

TEST_F(ControlServerTest, InsmodImageInTheSameWriteAsItsLineAndFollowedByNextRequest) {
    // Line, image and the next request in one write: the server must split them exactly.
    std::string bytes = encode_line({{"op", "insmod"}, {"origin", "/x.ko"}, {"size", 5}});
    bytes += "ABCDE";
    bytes += encode_line({{"op", "hello"}});
    auto c = connect();
    ASSERT_FALSE(c.send_bytes(std::as_bytes(std::span(bytes))));
    json first, second;
    ASSERT_FALSE(c.read_message(&first));
    ASSERT_FALSE(c.read_message(&second));
    EXPECT_EQ(first["ok"], true);
    EXPECT_EQ(second["mountpoint"], "/mnt/test");
    auto calls = backend.insmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(calls[0].image.data()), 5), "ABCDE");
    EXPECT_EQ(calls[0].params, "");
}

TEST_F(ControlServerTest, BackendErrorsTravelAsErrnoAndMessage) {
    backend.set_insmod_result({ENOEXEC, "hello: no .modinfo"});
    auto c = connect();
    ASSERT_FALSE(c.send_message({{"op", "insmod"}, {"origin", "/x.ko"}, {"size", 0}}));
    json reply;
    ASSERT_FALSE(c.read_message(&reply));
    EXPECT_EQ(reply, json({{"ok", false}, {"errno", ENOEXEC}, {"message", "hello: no .modinfo"}}));

    backend.set_rmmod_result({EBUSY, "in use"});
    reply = ask(c, {{"op", "rmmod"}, {"name", "hello"}, {"force", true}});
    EXPECT_EQ(reply["errno"], EBUSY);
    auto calls = backend.rmmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].name, "hello");
    EXPECT_TRUE(calls[0].force);
}

TEST_F(ControlServerTest, RmmodWithProgressSendsWhatItWaitsForBeforeTheReply) {
    RmmodWait wait{"waitq", false, {{"waitq", "read", 4242, "cat", "S"}}};
    RmmodWait forced{"waitq", true, {{"waitq", "read", 4242, "cat", "D"}}};
    backend.set_rmmod_waits({wait, forced});
    auto c = connect();
    ASSERT_FALSE(c.send_message({{"op", "rmmod"}, {"name", "waitq"}, {"progress", true}}));
    json first, second, reply;
    ASSERT_FALSE(c.read_message(&first));
    ASSERT_FALSE(c.read_message(&second));
    ASSERT_FALSE(c.read_message(&reply));
    EXPECT_EQ(first, json::parse(R"({"waiting":{"module":"waitq","forced":false,"calls":[
        {"entry":"waitq","handler":"read","pid":4242,"comm":"cat","state":"S"}]}})"));
    EXPECT_EQ(second["waiting"].get<RmmodWait>().calls[0].state, "D");
    EXPECT_TRUE(second["waiting"]["forced"].get<bool>());
    EXPECT_EQ(reply, json({{"ok", true}}));

    // Without "progress" (an older lkmctl) only the reply comes.
    reply = ask(c, {{"op", "rmmod"}, {"name", "waitq"}});
    EXPECT_EQ(reply, json({{"ok", true}}));
    auto calls = backend.rmmod_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_TRUE(calls[0].progress);
    EXPECT_FALSE(calls[1].progress);
}

TEST_F(ControlServerTest, LsmodAndModinfoReplies) {
    backend.set_modules({{"hello", 16384, 0, {}, "Live", 0, "OE"},
                         {"base", 20480, 1, {"hello"}, "Live", 0x1000, ""}});
    backend.set_modinfo({}, {"/src/hello.ko", {{"license", "GPL"}, {"author", "Me"}}});
    auto c = connect();
    json lsmod = ask(c, {{"op", "lsmod"}});
    ASSERT_EQ(lsmod["modules"].size(), 2u);
    EXPECT_EQ(lsmod["modules"][1]["holders"], json::array({"hello"}));
    EXPECT_EQ(lsmod["modules"][1]["address"], 0x1000);

    json modinfo = ask(c, {{"op", "modinfo"}, {"name", "hello"}});
    EXPECT_EQ(modinfo["filename"], "/src/hello.ko");
    EXPECT_EQ(modinfo["info"], json::parse(R"([["license","GPL"],["author","Me"]])"));
    EXPECT_EQ(backend.modinfo_calls(), std::vector<std::string>{"hello"});
}

TEST_F(ControlServerTest, MalformedRequestsGetErrorsAndTheConnectionStaysUsable) {
    auto c = connect();
    std::string garbage = "this is not json\n";
    ASSERT_FALSE(c.send_bytes(std::as_bytes(std::span(garbage))));
    json reply;
    ASSERT_FALSE(c.read_message(&reply));
    EXPECT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["errno"], EINVAL);
    EXPECT_NE(reply["message"].get<std::string>().find("not valid JSON"), std::string::npos);

    reply = ask(c, {{"op", "reboot"}});
    EXPECT_NE(reply["message"].get<std::string>().find("\"reboot\""), std::string::npos);

    reply = ask(c, {{"op", "rmmod"}});
    EXPECT_NE(reply["message"].get<std::string>().find("\"name\""), std::string::npos);

    reply = ask(c, {{"op", "insmod"}, {"origin", "/x.ko"}, {"size", -1}});
    EXPECT_NE(reply["message"].get<std::string>().find("\"size\""), std::string::npos);

    EXPECT_EQ(ask(c, {{"op", "hello"}})["ok"], true);
    EXPECT_TRUE(backend.rmmod_calls().empty());
    EXPECT_TRUE(backend.insmod_calls().empty());
}

TEST_F(ControlServerTest, OverlongLineIsRefusedAndTheConnectionClosed) {
    auto c = connect();
    std::string line(kMaxRequestLine + 100, 'x');
    ASSERT_FALSE(c.send_bytes(std::as_bytes(std::span(line))));
    json reply;
    ASSERT_FALSE(c.read_message(&reply));
    EXPECT_EQ(reply["errno"], EMSGSIZE);
    EXPECT_EQ(c.read_message(&reply).err, ECONNRESET); // closed after the reply

    auto fresh = connect(); // the server itself is fine
    EXPECT_EQ(ask(fresh, {{"op", "hello"}})["ok"], true);
}

TEST_F(ControlServerTest, OversizeImageIsRefusedBeforeReadingIt) {
    auto c = connect();
    json reply = ask(c, {{"op", "insmod"}, {"origin", "/x.ko"}, {"size", kMaxModuleImage + 1}});
    EXPECT_EQ(reply["errno"], EFBIG);
    EXPECT_EQ(c.read_message(&reply).err, ECONNRESET);
    EXPECT_TRUE(backend.insmod_calls().empty());
}

TEST_F(ControlServerTest, BackendExceptionBecomesEioReply) {
    backend.set_lsmod_throws(true);
    auto c = connect();
    json reply = ask(c, {{"op", "lsmod"}});
    EXPECT_EQ(reply["errno"], EIO);
    EXPECT_NE(reply["message"].get<std::string>().find("fake lsmod failure"), std::string::npos);
    EXPECT_EQ(ask(c, {{"op", "hello"}})["ok"], true);
}

TEST_F(ControlServerTest, SleepingInsmodDoesNotStallOtherClients) {
    backend.hold_insmod();
    auto loader = connect();
    ASSERT_FALSE(loader.send_message({{"op", "insmod"}, {"origin", "/x.ko"}, {"size", 0}}));
    ASSERT_TRUE(backend.wait_until_insmod_held(5s));

    auto other = connect();
    other.set_timeout(2s);
    auto before = std::chrono::steady_clock::now();
    EXPECT_EQ(ask(other, {{"op", "lsmod"}})["ok"], true);
    EXPECT_EQ(ask(other, {{"op", "dmesg"}})["ok"], true);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);

    backend.release_insmod();
    json reply;
    ASSERT_FALSE(loader.read_message(&reply));
    EXPECT_EQ(reply["ok"], true);
}

TEST_F(ControlServerTest, DmesgSnapshotHasEveryRecord) {
    backend.append_log(6, "first", 1000);
    backend.append_log(3, "second\nline", 2000000);
    auto c = connect();
    json reply = ask(c, {{"op", "dmesg"}});
    auto records = reply.at("records").get<std::vector<LogRow>>();
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].text, "first");
    EXPECT_EQ(records[0].ts_usec, 1000u);
    EXPECT_EQ(records[1].level, 3);
    EXPECT_EQ(records[1].text, "second\nline");
    EXPECT_EQ(records[1].seq, 1u);
}

TEST_F(ControlServerTest, DmesgFollowStreamsNewRecordsAndEndsWhenClientLeaves) {
    backend.append_log(6, "old");
    {
        auto c = connect();
        json reply = ask(c, {{"op", "dmesg"}, {"follow", true}});
        ASSERT_EQ(reply["records"].size(), 1u);
        ASSERT_TRUE(backend.wait_for_log_waiters(1, 5s));

        backend.append_log(4, "new one");
        backend.append_log(4, "new two");
        for (const char *expected : {"new one", "new two"}) {
            json line;
            ASSERT_FALSE(c.read_message(&line));
            EXPECT_EQ(line.at("record").at("text"), expected);
        }
        // The follower is asleep again; only the hang-up can wake it now.
        ASSERT_TRUE(backend.wait_for_log_waiters(1, 5s));
    } // the client hangs up here
    EXPECT_TRUE(backend.wait_for_log_waiters(0, 5s)) << "follower still waiting after hang-up";
}

TEST_F(ControlServerTest, StopEndsFollowersPromptly) {
    auto c = connect();
    ask(c, {{"op", "dmesg"}, {"follow", true}});
    ASSERT_TRUE(backend.wait_for_log_waiters(1, 5s));
    auto before = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    json line;
    EXPECT_EQ(c.read_message(&line).err, ECONNRESET);
    EXPECT_TRUE(backend.wait_for_log_waiters(0, 1s));
}

TEST_F(ControlServerTest, StopWaitsForInsmodInProgress) {
    backend.hold_insmod();
    auto c = connect();
    ASSERT_FALSE(c.send_message({{"op", "insmod"}, {"origin", "/x.ko"}, {"size", 0}}));
    ASSERT_TRUE(backend.wait_until_insmod_held(5s));
    auto stopped = std::async(std::launch::async, [&] { server->stop(); });
    EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout); // module init runs on
    backend.release_insmod();
    EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
}

TEST_F(ControlServerTest, SecondServerOnALiveSocketIsRefused) {
    FakeBackend other_backend;
    ControlServer other(other_backend, options());
    Error e = other.start();
    EXPECT_EQ(e.err, EADDRINUSE);
    EXPECT_NE(e.message.find(dir / "ctl.sock"), std::string::npos);
    auto c = connect(); // the first server still serves
    EXPECT_EQ(ask(c, {{"op", "hello"}})["ok"], true);
}

TEST(ControlServerStartTest, StaleSocketFileIsReplaced) {
    TempDir dir;
    std::string path = dir / "ctl.sock";
    { // a socket file nobody listens on, as a crashed daemon leaves it
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path.c_str());
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        ::close(fd);
    }
    FakeBackend backend;
    ControlServer server(backend, {path, "/mnt", ::geteuid(), ReadAccess::All});
    Error e = server.start();
    ASSERT_FALSE(e) << e.message;
    DaemonConnection c;
    EXPECT_FALSE(c.connect(path));
}

// Regression: the socket file used to appear at bind(2), before listen(2); a client (or a
// supervisor waiting for the file) that connected in between got ECONNREFUSED. A watcher
// connects the instant the path exists, over many starts.
TEST(ControlServerStartTest, TheSocketAcceptsFromTheMomentItsPathExists) {
    TempDir dir;
    std::string path = dir / "ctl.sock";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    int refused = 0;
    for (int round = 0; round < 200; ++round) {
        std::atomic<bool> stop_watching{false};
        std::promise<int> result;
        std::thread watcher([&] {
            struct stat st {};
            while (::lstat(path.c_str(), &st) != 0)
                if (stop_watching.load()) {
                    result.set_value(0);
                    return;
                }
            int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            int rc = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
            result.set_value(rc == 0 ? 0 : errno);
            ::close(fd);
        });
        FakeBackend backend;
        ControlServer server(backend, {path, "/mnt", ::geteuid(), ReadAccess::All});
        Error e = server.start();
        int err = result.get_future().get();
        stop_watching = true;
        watcher.join();
        ASSERT_FALSE(e) << e.message;
        refused += err != 0;
        server.stop();
    }
    EXPECT_EQ(refused, 0);
    EXPECT_FALSE(std::filesystem::exists(path + ".new")); // the staging name is gone
}

TEST(ControlServerStartTest, ALeftoverStagingSocketDoesNotStopAStart) {
    TempDir dir;
    std::string path = dir / "ctl.sock";
    { // what a daemon killed between bind and rename leaves behind
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, (path + ".new").c_str());
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        ::close(fd);
    }
    FakeBackend backend;
    ControlServer server(backend, {path, "/mnt", ::geteuid(), ReadAccess::All});
    Error e = server.start();
    ASSERT_FALSE(e) << e.message;
    DaemonConnection c;
    EXPECT_FALSE(c.connect(path));
    EXPECT_FALSE(std::filesystem::exists(path + ".new"));
}

TEST(ControlServerStartTest, NonSocketFileIsNotReplaced) {
    TempDir dir;
    std::string path = dir / "ctl.sock";
    std::ofstream(path) << "precious";
    FakeBackend backend;
    ControlServer server(backend, {path, "/mnt", ::geteuid(), ReadAccess::All});
    EXPECT_EQ(server.start().err, EEXIST);
    std::ifstream in(path);
    std::string content;
    in >> content;
    EXPECT_EQ(content, "precious");
}

TEST(ControlServerStartTest, CreatesMissingSocketDirectory) {
    TempDir dir;
    std::string path = dir / "lkmfs/ctl.sock";
    FakeBackend backend;
    ControlServer server(backend, {path, "/mnt", ::geteuid(), ReadAccess::All});
    Error e = server.start();
    ASSERT_FALSE(e) << e.message;
    struct stat st {};
    ASSERT_EQ(::stat((dir / "lkmfs").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
}

// ---- Access control: needs a second uid, so the test runs a forked child as `nobody`.
// (CI runs as root; elsewhere the test is skipped.) The child uses only raw syscalls: it is
// forked from a process with running threads.

constexpr uid_t kNobody = 65534;

// Sends `request` from a child running as kNobody and returns the replies it got.
std::string exchange_as_nobody(const std::string &socket_path, const std::string &request,
                               int replies) {
    int out[2];
    if (::pipe(out) != 0)
        return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(out[0]);
        if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
            ::_exit(2);
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
            ::_exit(3);
        if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
            ::_exit(4);
        char buffer[4096];
        int newlines = 0;
        while (newlines < replies) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0)
                break;
            for (ssize_t i = 0; i < n; ++i)
                newlines += buffer[i] == '\n';
            if (::write(out[1], buffer, static_cast<std::size_t>(n)) != n)
                ::_exit(5);
        }
        ::_exit(0);
    }
    ::close(out[1]);
    std::string replies_text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(out[0], buffer, sizeof buffer)) > 0)
        replies_text.append(buffer, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "child failed with status " + std::to_string(status);
    return replies_text;
}

class ControlAccessTest : public ControlServerTest {
  protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root to act as another user";
        ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0); // let `nobody` reach the socket
        ControlServerTest::SetUp();
    }
};

TEST_F(ControlAccessTest, NonOwnerMayReadButNotLoadOrUnload) {
    backend.set_modules({{"hello", 16384, 0, {}, "Live", 0, ""}});
    std::string request = encode_line({{"op", "rmmod"}, {"name", "hello"}}) +
                          encode_line({{"op", "insmod"}, {"origin", "/x.ko"}, {"size", 3}}) +
                          "XYZ" + encode_line({{"op", "lsmod"}});
    std::string replies = exchange_as_nobody(dir / "ctl.sock", request, 3);
    std::istringstream lines(replies);
    std::string rmmod, insmod, lsmod;
    std::getline(lines, rmmod);
    std::getline(lines, insmod);
    std::getline(lines, lsmod);
    json denied = {{"ok", false}, {"errno", EPERM}, {"message", "Operation not permitted"}};
    EXPECT_EQ(json::parse(rmmod), denied) << replies;
    EXPECT_EQ(json::parse(insmod), denied); // and its image was skipped, not taken as a line
    EXPECT_EQ(json::parse(lsmod)["modules"][0]["name"], "hello");
    EXPECT_TRUE(backend.rmmod_calls().empty());
    EXPECT_TRUE(backend.insmod_calls().empty());
}

TEST_F(ControlAccessTest, OwnerOnlyReadAccessRefusesReadsToo) {
    server.reset();
    ControlOptions o = options();
    o.read_access = ReadAccess::Owner;
    start_server(o);
    // No one else may even connect: the socket is the owner's alone.
    struct stat st {};
    ASSERT_EQ(::stat((dir / "ctl.sock").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string replies = exchange_as_nobody(dir / "ctl.sock", encode_line({{"op", "lsmod"}}), 1);
    EXPECT_EQ(replies, "child failed with status " + std::to_string(3 << 8)) << replies;

    auto c = connect(); // root still may
    EXPECT_EQ(ask(c, {{"op", "lsmod"}})["ok"], true);
}

} // namespace
} // namespace lkmfs::control
