// A parsed control request: one JSON line (protocol.h) checked field by field, so that the
// rest of the server deals only in well-formed values.
#pragma once

#include "control_types.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace lkmfs::control {

enum class Op { Hello, Insmod, Rmmod, Lsmod, Modinfo, Dmesg, Params, SetParam, Fault };

struct Request {
    Op op = Op::Hello;
    std::string origin;    // insmod: where lkmctl read the image
    std::string params;    // insmod: "a=1 b=x"
    std::size_t size = 0;  // insmod: bytes of image following the line
    std::string name;      // rmmod, modinfo, params, set_param, fault: the module
    std::string param;     // set_param: the parameter
    std::string value;     // set_param: its new value (may be empty)
    bool force = false;    // rmmod
    bool progress = false; // rmmod: report what the removal waits for while it waits
    bool follow = false;   // dmesg
    // fault: the kind to set ("failslab", "fail_usercopy"; empty: only show), and its
    // attributes, or off to clear it.
    std::string fault_kind;
    bool fault_off = false;
    FaultRow fault_attr;
};

// Parses one request line (without its newline). On failure the Error (EINVAL) names what
// was wrong: not JSON, not an object, no or unknown "op", a missing or mistyped field.
Error parse_request(std::string_view line, Request *out);

// The name of an op as it appears on the wire.
std::string_view op_name(Op op);

} // namespace lkmfs::control
