// The operations of the differential test, as text: what the generator writes, the runner
// executes and both report on, one line per operation.
//
//   seq 17                  a sequence begins (each runs in a fresh child of the runner)
//   open 1                  open(file 1, O_RDONLY)                       = fd
//   fopen 2 0               stream 0 = fopen(file 2, "r"), unbuffered    = its fd
//   fclose 0 | opendir 1 | closedir 1 | pipe | close 5
//   dup 3 | dup2 3 9 | dup3 3 9 1 | dupfd 3 10 1  (last argument: O_CLOEXEC)
//   read 3 100 | fread 0 100 | ftell 0
//   lseek 3 -5 258 | fseek 0 10 261              (whence in decimal)
//   pushn 3 1030            lseek(3, 0, SEEK_CUR|SEEK_PUSH) that many times
//   fork ... end            the operations between run in a child; then the parent waits
//
// A result line repeats the operation and adds "= values" or "! ERRNO", e.g.
// "lseek 3 -5 258 ! EINVAL". A fork's own line ("fork = 0", the child's exit status)
// follows the lines of its child.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace seekmark::test {

struct Op {
    std::string name;
    std::vector<long> args;
    std::vector<Op> block; // fork only: what the child does
};

using Sequence = std::vector<Op>;

// One line, without the block of a fork.
std::string op_text(const Op &op);
// The sequence with its number, nested blocks included, ready for the runner.
void append_sequence(std::string &out, long number, const Sequence &ops);
// Parses what append_sequence writes; false with *error on malformed input.
bool parse_sequences(std::string_view text, std::vector<std::pair<long, Sequence>> &out,
                     std::string *error);

std::string errno_name(int err);
std::string result_ok(const Op &op, const std::string &values);
std::string result_err(const Op &op, int err);

} // namespace seekmark::test
