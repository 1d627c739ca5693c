// The control protocol's module-parameter ops (params, set_param): parsing, who may run
// them, what reaches the backend and the replies, without a socket. lkmctl's `param`
// subcommand against a real daemon is in tests/integration/module_params_runtime_test.cpp.
#include "control_test_support.h"

#include "control/access_policy.h"
#include "control/request.h"
#include "control/request_handler.h"
#include "control/wire_format.h"

#include <gtest/gtest.h>

namespace lkmfs::control {
namespace {

using nlohmann::json;

// A FakeBackend that also serves parameters, recording what it was asked.
class ParamBackend : public testing::FakeBackend {
  public:
    struct ParamsCall {
        std::string name;
        PeerCred peer;
        bool read_all = false;
    };
    struct SetCall {
        std::string name, param, value;
        PeerCred peer;
    };

    Error params_result;
    std::vector<ParamRow> rows; // returned whole; unreadable ones blanked unless read_all
    Error set_result;
    std::vector<ParamsCall> params_calls;
    std::vector<SetCall> set_calls;

    Error params(const std::string &name, const PeerCred &peer, bool read_all,
                 std::vector<ParamRow> *out) override {
        params_calls.push_back({name, peer, read_all});
        if (params_result)
            return params_result;
        *out = rows;
        for (ParamRow &row : *out)
            if (!read_all && (row.perm & 04) == 0) {
                row.readable = false;
                row.value.clear();
            }
        return {};
    }
    Error set_param(const std::string &name, const std::string &param, const std::string &value,
                    const PeerCred &peer) override {
        set_calls.push_back({name, param, value, peer});
        return set_result;
    }
};

constexpr PeerCred kRoot{10, 0, 0};
constexpr PeerCred kOwner{11, 1000, 1000};
constexpr PeerCred kOther{12, 1001, 1001};

ControlOptions owner_options() {
    ControlOptions o;
    o.owner_uid = 1000;
    return o;
}

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

TEST(ControlParamTest, ParsesParamsAndSetParam) {
    Request params = parse_ok(R"({"op":"params","name":"kparam_rt"})");
    EXPECT_EQ(params.op, Op::Params);
    EXPECT_EQ(params.name, "kparam_rt");
    EXPECT_EQ(op_name(Op::Params), "params");

    Request set = parse_ok(R"({"op":"set_param","name":"m","param":"count","value":"12"})");
    EXPECT_EQ(set.op, Op::SetParam);
    EXPECT_EQ(set.name, "m");
    EXPECT_EQ(set.param, "count");
    EXPECT_EQ(set.value, "12");
    EXPECT_EQ(op_name(Op::SetParam), "set_param");
    // An empty value is the setter's to judge (a charp may be set to "").
    EXPECT_EQ(parse_ok(R"({"op":"set_param","name":"m","param":"s","value":""})").value, "");
}

TEST(ControlParamTest, MalformedParamRequestsNameTheField) {
    EXPECT_NE(parse_error(R"({"op":"params"})").find("missing \"name\""), std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"params","name":""})").find("\"name\" is empty"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"set_param","name":"m","value":"1"})").find("missing \"param\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"set_param","name":"m","param":"","value":"1"})")
                  .find("\"param\" is empty"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"set_param","name":"m","param":"p"})").find("missing \"value\""),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"set_param","name":"m","param":"p","value":1})")
                  .find("\"value\" must be a string"),
              std::string::npos);
}

TEST(ControlParamTest, SettingIsForRootAndTheOwnerReadingForAnyoneAllowedToRead) {
    ControlOptions options = owner_options();
    EXPECT_FALSE(authorize(Op::SetParam, kRoot, options));
    EXPECT_FALSE(authorize(Op::SetParam, kOwner, options));
    Error denied = authorize(Op::SetParam, kOther, options);
    EXPECT_EQ(denied.err, EPERM);
    EXPECT_EQ(denied.message, "Operation not permitted");

    EXPECT_FALSE(authorize(Op::Params, kOther, options));
    options.read_access = ReadAccess::Owner;
    EXPECT_EQ(authorize(Op::Params, kOther, options).err, EPERM);
    EXPECT_FALSE(authorize(Op::Params, kOwner, options));

    EXPECT_TRUE(is_privileged(kRoot, owner_options()));
    EXPECT_TRUE(is_privileged(kOwner, owner_options()));
    EXPECT_FALSE(is_privileged(kOther, owner_options()));
}

TEST(ControlParamTest, ParamsReplyListsRowsAndReadsAllOnlyForThePrivileged) {
    ParamBackend backend;
    backend.rows = {{"count", "int", 0644, true, "7"}, {"flag", "bool", 0600, true, "N"}};
    Request request = parse_ok(R"({"op":"params","name":"kparam_rt"})");

    json reply = execute_request(backend, owner_options(), request, {}, kOwner);
    EXPECT_EQ(reply, json::parse(R"({"ok":true,"params":[
        {"name":"count","type":"int","perm":420,"value":"7"},
        {"name":"flag","type":"bool","perm":384,"value":"N"}]})"));

    reply = execute_request(backend, owner_options(), request, {}, kOther);
    EXPECT_EQ(reply, json::parse(R"({"ok":true,"params":[
        {"name":"count","type":"int","perm":420,"value":"7"},
        {"name":"flag","type":"bool","perm":384,"readable":false}]})"));

    execute_request(backend, owner_options(), request, {}, kRoot);
    ASSERT_EQ(backend.params_calls.size(), 3u);
    EXPECT_TRUE(backend.params_calls[0].read_all);
    EXPECT_EQ(backend.params_calls[0].peer.uid, 1000u);
    EXPECT_FALSE(backend.params_calls[1].read_all);
    EXPECT_TRUE(backend.params_calls[2].read_all);
    EXPECT_EQ(backend.params_calls[2].name, "kparam_rt");
}

TEST(ControlParamTest, ParamsOfAnUnknownModuleIsAnError) {
    ParamBackend backend;
    backend.params_result = {ENOENT, "Module nosuch is not currently loaded"};
    json reply =
        execute_request(backend, {}, parse_ok(R"({"op":"params","name":"nosuch"})"), {}, kRoot);
    EXPECT_EQ(reply, json::parse(R"({"ok":false,"errno":2,
                                     "message":"Module nosuch is not currently loaded"})"));
}

TEST(ControlParamTest, SetParamReachesTheBackendAndCarriesItsError) {
    ParamBackend backend;
    Request request = parse_ok(R"({"op":"set_param","name":"m","param":"count","value":"x"})");
    EXPECT_EQ(execute_request(backend, {}, request, {}, kOwner), json::parse(R"({"ok":true})"));
    ASSERT_EQ(backend.set_calls.size(), 1u);
    EXPECT_EQ(backend.set_calls[0].name, "m");
    EXPECT_EQ(backend.set_calls[0].param, "count");
    EXPECT_EQ(backend.set_calls[0].value, "x");
    EXPECT_EQ(backend.set_calls[0].peer.pid, kOwner.pid);

    backend.set_result = {EACCES, "parameter 'label' of module m is not writable (mode 0444)"};
    json reply = execute_request(backend, {}, request, {}, kOwner);
    EXPECT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["errno"], EACCES);
    EXPECT_EQ(reply["message"], "parameter 'label' of module m is not writable (mode 0444)");
}

TEST(ControlParamTest, BackendsWithoutParametersSayENOSYS) {
    testing::FakeBackend backend; // does not override params/set_param
    json reply = execute_request(backend, {}, parse_ok(R"({"op":"params","name":"m"})"), {}, kRoot);
    EXPECT_EQ(reply["errno"], ENOSYS);
    reply = execute_request(backend, {},
                            parse_ok(R"({"op":"set_param","name":"m","param":"p","value":"1"})"),
                            {}, kRoot);
    EXPECT_EQ(reply["errno"], ENOSYS);
}

TEST(ControlParamTest, ParamRowsRoundTrip) {
    std::vector<ParamRow> rows = {{"count", "int", 0644, true, "7"},
                                  {"flag", "bool", 0600, false, ""},
                                  {"empty", "charp", 0644, true, ""}};
    json j = rows;
    auto back = j.get<std::vector<ParamRow>>();
    ASSERT_EQ(back.size(), 3u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(back[i].name, rows[i].name);
        EXPECT_EQ(back[i].type, rows[i].type);
        EXPECT_EQ(back[i].perm, rows[i].perm);
        EXPECT_EQ(back[i].readable, rows[i].readable);
        EXPECT_EQ(back[i].value, rows[i].value);
    }
    EXPECT_THROW(json::parse(R"({"name":"x","type":"int","perm":420})").get<ParamRow>(),
                 json::exception); // readable, yet no value
}

} // namespace
} // namespace lkmfs::control
