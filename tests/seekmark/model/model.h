// The reference model: what lseek bookmarks mean, written as directly as the contract in
// issue 5 states it, with no shared memory, kcmp or posting in sight. Open file
// descriptions are objects with a position and a stack; processes hold descriptor tables
// pointing at them; fork copies a table; a description dies with its last reference.
//
// It also models exactly what the differential test's other operations do on this
// machine: reads of regular files, pipes (ESPIPE), and glibc's unbuffered read streams,
// whose ftell answers from an offset cached by the last fseek (see apply_stream()).
#pragma once

#include "ops.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace seekmark::test {

inline constexpr std::size_t kModelStackMax = 1024;

struct Description {
    enum class Kind { kFile, kPipe, kDir } kind = Kind::kFile;
    long size = 0; // files
    long pos = 0;
    std::vector<long> stack;
};

struct Stream {
    int fd = -1;
    std::optional<long> cached; // glibc's _offset; empty is _IO_pos_BAD
};

struct Process {
    std::map<int, std::shared_ptr<Description>> fds; // a description dies with its last fd
    std::map<long, Stream> streams;
    std::map<long, int> dirs; // opendir index -> fd
};

class Model {
  public:
    // The sizes of the files "open N" and "fopen N" refer to.
    explicit Model(std::vector<long> file_sizes);

    // A process with descriptors 0, 1 and 2 open (on something that is not a regular file
    // the operations use).
    Process new_process() const;
    // Applies a non-fork operation; returns its result line.
    std::string apply(Process &p, const Op &op) const;
    // Runs a whole sequence in `p`, forks included; returns the result lines.
    std::vector<std::string> run(Process &p, const Sequence &ops) const;

    // The seek of a regular file as the kernel computes it: new position or -errno.
    static long kernel_seek(const Description &d, long off, int ref);

  private:
    std::string apply_lseek(Process &p, const Op &op) const;
    std::string apply_stream(Process &p, const Op &op) const;
    std::string apply_dup(Process &p, const Op &op) const;
    int lowest_free(const Process &p, int from) const;

    std::vector<long> sizes_;
};

// The whence value's parts, as the shim decodes them.
struct WhenceParts {
    int ref;
    bool push;
    bool pop;
    bool unknown_flags;
};
WhenceParts split_whence(long whence);

} // namespace seekmark::test
