// The control protocol's fault op (lkmctl fault): parsing and its malformed forms, who may
// run it, what reaches the backend and the reply, without a socket. Against a real daemon:
// tests/integration/fault_injection_test.cpp.
#include "control_test_support.h"

#include "control/access_policy.h"
#include "control/request.h"
#include "control/request_handler.h"
#include "control/wire_format.h"

#include <gtest/gtest.h>

namespace lkmfs::control {
namespace {

using nlohmann::json;

// A FakeBackend that keeps one module's fault settings, recording each call.
class FaultBackend : public testing::FakeBackend {
  public:
    struct Call {
        std::string name, kind;
        bool off = false;
        bool has_attr = false;
        FaultRow attr;
    };
    std::vector<Call> calls;
    std::vector<FaultRow> set;

    Error fault(const std::string &name, const std::string &kind, bool off, const FaultRow *attr,
                std::vector<FaultRow> *out) override {
        calls.push_back({name, kind, off, attr != nullptr, attr != nullptr ? *attr : FaultRow{}});
        if (attr != nullptr)
            set.push_back(*attr);
        *out = set;
        return {};
    }
};

constexpr PeerCred kRoot{10, 0, 0};
constexpr PeerCred kOther{12, 1001, 1001};

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

TEST(ControlFaultTest, ParsesShowSetAndOff) {
    Request show = parse_ok(R"({"op":"fault","name":"kbuf"})");
    EXPECT_EQ(show.op, Op::Fault);
    EXPECT_EQ(show.name, "kbuf");
    EXPECT_EQ(show.fault_kind, "");
    EXPECT_EQ(op_name(Op::Fault), "fault");

    Request set = parse_ok(
        R"({"op":"fault","name":"kbuf","kind":"failslab","attr":{"interval":3,"times":-1}})");
    EXPECT_EQ(set.fault_kind, "failslab");
    EXPECT_FALSE(set.fault_off);
    EXPECT_EQ(set.fault_attr.interval, 3u);
    EXPECT_EQ(set.fault_attr.times, -1);
    EXPECT_EQ(set.fault_attr.probability, 100u) << "what is not given keeps its default";
    EXPECT_EQ(set.fault_attr.verbose, 2);

    Request off = parse_ok(R"({"op":"fault","name":"kbuf","kind":"fail_usercopy","off":true})");
    EXPECT_TRUE(off.fault_off);
}

TEST(ControlFaultTest, RejectsMalformedRequests) {
    EXPECT_NE(parse_error(R"({"op":"fault"})").find("missing \"name\""), std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"fail_page_alloc"})")
                  .find("\"kind\" must be failslab or fail_usercopy"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","attr":{}})").find("needs a \"kind\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"failslab","attr":3})")
                  .find("\"attr\" must be an object"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"failslab",
                              "attr":{"probability":101}})")
                  .find("\"attr.probability\" must be an integer 0..100"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"failslab","attr":{"interval":0}})")
                  .find("\"attr.interval\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"failslab","attr":{"times":"x"}})")
                  .find("\"attr.times\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"fault","name":"m","kind":"failslab","off":1})")
                  .find("\"off\" must be true or false"),
              std::string::npos);
}

TEST(ControlFaultTest, OnlyRootAndTheOwnerMayUseIt) {
    ControlOptions options;
    options.owner_uid = 1000;
    EXPECT_FALSE(authorize(Op::Fault, kRoot, options));
    EXPECT_EQ(authorize(Op::Fault, kOther, options).err, EPERM);
}

TEST(ControlFaultTest, ReachesTheBackendAndRepliesWithTheSettings) {
    FaultBackend backend;
    json reply = execute_request(
        backend, {},
        parse_ok(R"({"op":"fault","name":"kbuf","kind":"failslab","attr":{"interval":2}})"), {},
        kRoot);
    EXPECT_EQ(reply, json::parse(R"({"ok":true,"faults":[{"kind":"failslab","probability":100,
        "interval":2,"times":-1,"space":0,"verbose":2}]})"));
    execute_request(backend, {}, parse_ok(R"({"op":"fault","name":"kbuf"})"), {}, kRoot);
    execute_request(backend, {},
                    parse_ok(R"({"op":"fault","name":"kbuf","kind":"failslab","off":true})"), {},
                    kRoot);
    ASSERT_EQ(backend.calls.size(), 3u);
    EXPECT_TRUE(backend.calls[0].has_attr);
    EXPECT_EQ(backend.calls[0].attr.kind, "failslab");
    EXPECT_FALSE(backend.calls[1].has_attr);
    EXPECT_EQ(backend.calls[1].kind, "");
    EXPECT_TRUE(backend.calls[2].off);
    EXPECT_FALSE(backend.calls[2].has_attr);

    testing::FakeBackend plain; // without fault injection
    reply = execute_request(plain, {}, parse_ok(R"({"op":"fault","name":"m"})"), {}, kRoot);
    EXPECT_EQ(reply["errno"], ENOSYS);
}

TEST(ControlFaultTest, FaultRowsRoundTrip) {
    std::vector<FaultRow> rows = {{"fail_usercopy", 30, 4, 7, 100, 1}};
    auto back = json(rows).get<std::vector<FaultRow>>();
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].kind, "fail_usercopy");
    EXPECT_EQ(back[0].probability, 30u);
    EXPECT_EQ(back[0].interval, 4u);
    EXPECT_EQ(back[0].times, 7);
    EXPECT_EQ(back[0].space, 100);
    EXPECT_EQ(back[0].verbose, 1);
}

} // namespace
} // namespace lkmfs::control
