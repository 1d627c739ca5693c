#include "ops.h"

#include <cerrno>
#include <charconv>
#include <cstring>

namespace seekmark::test {

namespace {

void append_ops(std::string &out, const Sequence &ops, int depth) {
    for (const Op &op : ops) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
        out += op_text(op);
        out += '\n';
        if (op.name == "fork") {
            append_ops(out, op.block, depth + 1);
            out.append(static_cast<std::size_t>(depth) * 2, ' ');
            out += "end\n";
        }
    }
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ') {
            ++i;
        }
        if (i > start) {
            out.push_back(line.substr(start, i - start));
        }
    }
    return out;
}

} // namespace

std::string op_text(const Op &op) {
    std::string text = op.name;
    for (long arg : op.args) {
        text += ' ';
        text += std::to_string(arg);
    }
    return text;
}

void append_sequence(std::string &out, long number, const Sequence &ops) {
    out += "seq " + std::to_string(number) + "\n";
    append_ops(out, ops, 0);
}

bool parse_sequences(std::string_view text, std::vector<std::pair<long, Sequence>> &out,
                     std::string *error) {
    std::vector<Sequence *> open; // innermost block last
    std::size_t line_no = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        const auto w = words(line);
        if (w.empty()) {
            continue;
        }
        auto fail = [&](const char *why) {
            *error = "line " + std::to_string(line_no) + ": " + why;
            return false;
        };
        std::vector<long> args;
        for (std::size_t i = 1; i < w.size(); ++i) {
            long value = 0;
            const auto [ptr, ec] = std::from_chars(w[i].data(), w[i].data() + w[i].size(), value);
            if (ec != std::errc{} || ptr != w[i].data() + w[i].size()) {
                return fail("bad number");
            }
            args.push_back(value);
        }
        if (w[0] == "seq") {
            if (args.size() != 1 || open.size() > 1) {
                return fail("bad seq");
            }
            out.emplace_back(args[0], Sequence{});
            open.assign(1, &out.back().second);
        } else if (w[0] == "end") {
            if (open.size() < 2) {
                return fail("end without fork");
            }
            open.pop_back();
        } else {
            if (open.empty()) {
                return fail("operation before seq");
            }
            open.back()->push_back(Op{std::string(w[0]), args, {}});
            if (w[0] == "fork") {
                open.push_back(&open.back()->back().block);
            }
        }
    }
    if (open.size() > 1) {
        *error = "fork without end";
        return false;
    }
    return true;
}

std::string errno_name(int err) {
    switch (err) {
    case EBADF:
        return "EBADF";
    case EINVAL:
        return "EINVAL";
    case ESPIPE:
        return "ESPIPE";
    case ENXIO:
        return "ENXIO";
    case ENOMEM:
        return "ENOMEM";
    case EDEADLK:
        return "EDEADLK";
    case EISDIR:
        return "EISDIR";
    case EMFILE:
        return "EMFILE";
    case ENOSYS:
        return "ENOSYS";
    default:
        return "E" + std::to_string(err);
    }
}

std::string result_ok(const Op &op, const std::string &values) {
    return op_text(op) + " = " + values;
}

std::string result_err(const Op &op, int err) {
    return op_text(op) + " ! " + errno_name(err);
}

} // namespace seekmark::test
