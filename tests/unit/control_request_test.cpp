// Parsing requests, deciding who may run them, running them against a backend, and the
// JSON shape of the values: the server's logic without a socket.
#include "control_test_support.h"

#include "control/access_policy.h"
#include "control/request.h"
#include "control/request_handler.h"
#include "control/wire_format.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace lkmfs::control {
namespace {

using nlohmann::json;
using testing::FakeBackend;

Request parse_ok(std::string_view line) {
    Request r;
    Error e = parse_request(line, &r);
    EXPECT_FALSE(e) << e.message;
    return r;
}

std::string parse_error(std::string_view line) {
    Request r;
    Error e = parse_request(line, &r);
    EXPECT_EQ(e.err, EINVAL) << line;
    return e.message;
}

TEST(ControlRequestTest, ParsesEveryOp) {
    EXPECT_EQ(parse_ok(R"({"op":"hello"})").op, Op::Hello);
    EXPECT_EQ(parse_ok(R"({"op":"lsmod"})").op, Op::Lsmod);

    Request insmod = parse_ok(R"({"op":"insmod","origin":"/a/b.ko","params":"x=1","size":42})");
    EXPECT_EQ(insmod.op, Op::Insmod);
    EXPECT_EQ(insmod.origin, "/a/b.ko");
    EXPECT_EQ(insmod.params, "x=1");
    EXPECT_EQ(insmod.size, 42u);

    Request rmmod = parse_ok(R"({"op":"rmmod","name":"hello","force":true})");
    EXPECT_EQ(rmmod.op, Op::Rmmod);
    EXPECT_EQ(rmmod.name, "hello");
    EXPECT_TRUE(rmmod.force);
    EXPECT_FALSE(parse_ok(R"({"op":"rmmod","name":"hello"})").force);
    EXPECT_FALSE(rmmod.progress);
    EXPECT_TRUE(parse_ok(R"({"op":"rmmod","name":"hello","progress":true})").progress);

    EXPECT_EQ(parse_ok(R"({"op":"modinfo","name":"hello"})").name, "hello");
    EXPECT_TRUE(parse_ok(R"({"op":"dmesg","follow":true})").follow);
    EXPECT_FALSE(parse_ok(R"({"op":"dmesg"})").follow);
}

TEST(ControlRequestTest, ErrorsNameWhatIsWrong) {
    EXPECT_NE(parse_error("{op: hello}").find("not valid JSON"), std::string::npos);
    EXPECT_NE(parse_error("[1,2]").find("not a JSON object"), std::string::npos);
    EXPECT_NE(parse_error(R"({"name":"x"})").find("missing \"op\""), std::string::npos);
    EXPECT_NE(parse_error(R"({"op":7})").find("\"op\" must be a string"), std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"format-disk"})").find("unknown op \"format-disk\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"insmod","origin":"/x.ko"})").find("missing \"size\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"insmod","origin":"/x.ko","size":-5})").find("\"size\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"insmod","origin":"/x.ko","size":"5"})").find("\"size\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"rmmod","name":""})").find("\"name\" is empty"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"rmmod","name":"x","force":"yes"})").find("\"force\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"modinfo","name":3})").find("\"name\" must be a string"),
              std::string::npos);
}

// Found by tests/fuzz (control): an unsigned number above LONG_MAX was read as a long and
// wrapped, so "times": 18446744073709551615 passed as times -1 (no limit).
TEST(ControlRequestTest, FaultAttrsAreRangeCheckedAsSent) {
    auto fault = [](const std::string &attr) {
        return R"({"op":"fault","name":"m","kind":"failslab","attr":{)" + attr + "}}";
    };
    EXPECT_NE(parse_error(fault(R"("times":18446744073709551615)"))
                  .find("\"attr.times\" must be an integer -1..2147483648"),
              std::string::npos);
    EXPECT_NE(parse_error(fault(R"("interval":18446744073709551615)")).find("\"attr.interval\""),
              std::string::npos);
    EXPECT_NE(parse_error(fault(R"("interval":0)")).find("\"attr.interval\""), std::string::npos);
    EXPECT_NE(parse_error(fault(R"("probability":101)")).find("\"attr.probability\""),
              std::string::npos);
    Request ok = parse_ok(fault(R"("times":2147483648,"interval":1,"probability":100)"));
    EXPECT_EQ(ok.fault_attr.times, 2147483648L);
    EXPECT_EQ(ok.fault_attr.interval, 1UL);
    EXPECT_EQ(parse_ok(fault(R"("times":-1)")).fault_attr.times, -1);
}

TEST(ControlAccessPolicyTest, OnlyRootAndOwnerChangeTheKernel) {
    ControlOptions options;
    options.owner_uid = 1000;
    for (Op op : {Op::Insmod, Op::Rmmod}) {
        EXPECT_FALSE(authorize(op, {1, 0, 0}, options));
        EXPECT_FALSE(authorize(op, {1, 1000, 1000}, options));
        Error denied = authorize(op, {1, 1001, 1001}, options);
        EXPECT_EQ(denied.err, EPERM);
        EXPECT_EQ(denied.message, "Operation not permitted");
    }
}

TEST(ControlAccessPolicyTest, ReadAccessDecidesWhoMayRead) {
    ControlOptions options;
    options.owner_uid = 1000;
    for (Op op : {Op::Hello, Op::Lsmod, Op::Modinfo, Op::Dmesg}) {
        options.read_access = ReadAccess::All;
        EXPECT_FALSE(authorize(op, {1, 1001, 1001}, options));
        options.read_access = ReadAccess::Owner;
        EXPECT_EQ(authorize(op, {1, 1001, 1001}, options).err, EPERM);
        EXPECT_FALSE(authorize(op, {1, 1000, 1000}, options));
        EXPECT_FALSE(authorize(op, {1, 0, 0}, options));
    }
}

TEST(ControlRequestHandlerTest, InsmodPassesImageParamsAndPeer) {
    FakeBackend backend;
    backend.set_insmod_result({}, "kfoo");
    Request request = parse_ok(R"({"op":"insmod","origin":"/m/kfoo.ko","params":"n=3","size":2})");
    std::vector<std::byte> image{std::byte{0x7f}, std::byte{0x45}};
    json reply = execute_request(backend, {}, request, image, {77, 1000, 100});
    EXPECT_EQ(reply, json({{"ok", true}, {"name", "kfoo"}}));
    auto calls = backend.insmod_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].image, image);
    EXPECT_EQ(calls[0].origin, "/m/kfoo.ko");
    EXPECT_EQ(calls[0].params, "n=3");
    EXPECT_EQ(calls[0].peer.pid, 77);
    EXPECT_EQ(calls[0].peer.uid, 1000u);
}

TEST(ControlRequestHandlerTest, ModinfoNotFoundIsAnErrorReply) {
    FakeBackend backend;
    backend.set_modinfo({ENOENT, "no module hello"});
    json reply =
        execute_request(backend, {}, parse_ok(R"({"op":"modinfo","name":"hello"})"), {}, {});
    EXPECT_EQ(reply, json({{"ok", false}, {"errno", ENOENT}, {"message", "no module hello"}}));
}

TEST(ControlRequestHandlerTest, HelloNeedsNoBackend) {
    FakeBackend backend;
    ControlOptions options;
    options.mountpoint = "/srv/proc";
    json reply = execute_request(backend, options, parse_ok(R"({"op":"hello"})"), {}, {});
    EXPECT_EQ(reply["mountpoint"], "/srv/proc");
    EXPECT_EQ(reply["pid"], ::getpid());
}

TEST(ControlWireFormatTest, RowsRoundTrip) {
    ModuleRow module{"kb", 20480, -1, {"ka", "kc"}, "Unloading", 0xffffa000, "OE"};
    ModuleRow module_back = json(module).get<ModuleRow>();
    EXPECT_EQ(module_back.name, "kb");
    EXPECT_EQ(module_back.refcount, -1);
    EXPECT_EQ(module_back.holders, (std::vector<std::string>{"ka", "kc"}));
    EXPECT_EQ(module_back.address, 0xffffa000u);
    EXPECT_EQ(module_back.taints, "OE");

    LogRow log{9, 1234567, 3, 1, true, "a\nb"};
    LogRow log_back = json(log).get<LogRow>();
    EXPECT_EQ(log_back.seq, 9u);
    EXPECT_EQ(log_back.ts_usec, 1234567u);
    EXPECT_EQ(log_back.level, 3);
    EXPECT_EQ(log_back.facility, 1);
    EXPECT_TRUE(log_back.cont);
    EXPECT_EQ(log_back.text, "a\nb");
}

TEST(ControlWireFormatTest, InvalidUtf8DoesNotBreakALine) {
    LogRow log;
    log.text = "bad \xff\xfe bytes";
    std::string line = encode_line(json{{"record", log}});
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_NE(json::parse(line)["record"]["text"].get<std::string>().find("bytes"),
              std::string::npos);
}

TEST(ControlWireFormatTest, ReplyErrorNeverReadsAFailureAsSuccess) {
    EXPECT_FALSE(reply_error(ok_reply()));
    EXPECT_EQ(reply_error(error_reply({ENOENT, "x"})).err, ENOENT);
    EXPECT_EQ(reply_error(json{{"ok", false}, {"errno", 0}}).err, EIO);
}

} // namespace
} // namespace lkmfs::control
