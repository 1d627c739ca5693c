// C++ iostreams with bookmarks: libstdc++'s filebuf passes seekoff's direction to
// lseek64 unchanged, so a seekdir built from the extended whence reaches the shim.
// Output streams flush before they seek, so the pushed position is exact; input streams
// read ahead, so this program reads unbuffered (pubsetbuf(nullptr, 0)), where the
// description's position is the stream's.
//
//   seekmark_cxx_client DIR   (with LD_PRELOAD=libseekmark.so)
#include "check.h"

#include <seekmark.h>

#include <fstream>
#include <string>

namespace {

std::ios_base::seekdir dir(int whence) {
    return static_cast<std::ios_base::seekdir>(whence);
}

void output_stream(const std::string &path) {
    std::ofstream out(path, std::ios::binary);
    CHECK(out.good());
    out << "0123456789";
    out.seekp(0, dir(SEEK_CUR | SEEK_PUSH)); // pushes 10
    CHECK(out.good());
    out << "abcdef";
    out.seekp(-5, dir(SEEK_BOOKMARK | SEEK_PUSH)); // to 5, pushes 16
    CHECK(out.good() && out.tellp() == 5);
    out << "X";
    out.seekp(0, dir(SEEK_BOOKMARK | SEEK_POP)); // back to 16
    CHECK(out.good() && out.tellp() == 16);
    out << "!";
    out.seekp(0, dir(SEEK_BOOKMARK | SEEK_POP)); // back to 10
    out << "A";
    out.seekp(0, dir(SEEK_BOOKMARK)); // empty stack: the stream fails, as for any error
    CHECK(out.fail());
    out.clear();
    out.close();

    std::ifstream in(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(all == "01234X6789Abcdef!");
}

void input_stream(const std::string &path) {
    std::ifstream in;
    in.rdbuf()->pubsetbuf(nullptr, 0);
    in.open(path, std::ios::binary);
    CHECK(in.good());
    char c = 0;
    in.seekg(3);
    in.seekg(0, dir(SEEK_CUR | SEEK_PUSH)); // pushes 3
    in.get(c);
    CHECK(c == '3');
    in.seekg(2, dir(SEEK_BOOKMARK)); // 3 + 2
    in.get(c);
    CHECK(c == 'X');
    in.seekg(0, dir(SEEK_END | SEEK_PUSH)); // pushes 6
    CHECK(in.tellg() == 17);
    in.seekg(0, dir(SEEK_BOOKMARK | SEEK_POP));
    in.get(c);
    CHECK(c == '6');
    in.seekg(0, dir(SEEK_BOOKMARK | SEEK_POP));
    CHECK(in.tellg() == 3);
    // Standard directions still behave exactly as without the shim.
    in.seekg(-1, std::ios::end);
    in.get(c);
    CHECK(c == '!');
    in.seekg(1, std::ios::beg);
    in.seekg(1, std::ios::cur);
    in.get(c);
    CHECK(c == '2');
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const std::string path = std::string(argv[1]) + "/iostream";
    output_stream(path);
    input_stream(path);
    std::puts("ok");
    return 0;
}
