// The plain (non-libFuzzer) driver of a fuzz target, for the normal build: runs
// LLVMFuzzerTestOneInput once on every file under the directories (or files) given, so that
// ctest replays the seed corpus and every saved crash input through the code under test.
// Exits non-zero when a path cannot be read or holds no input at all; a crash is a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "%s: cannot read\n", path.c_str());
        return false;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the file's size, so that ASan sees any read past its end.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    return true;
}

} // namespace

int main(int argc, char **argv) {
    std::size_t ran = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path root(argv[i]);
        std::error_code error;
        if (std::filesystem::is_directory(root, error)) {
            for (const auto &entry : std::filesystem::recursive_directory_iterator(root))
                if (entry.is_regular_file() && entry.path().filename() != ".gitkeep") {
                    ok = run_file(entry.path()) && ok;
                    ++ran;
                }
        } else if (std::filesystem::exists(root, error)) {
            ok = run_file(root) && ok;
            ++ran;
        } else {
            std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            ok = false;
        }
    }
    std::printf("%zu inputs replayed\n", ran);
    return ok && ran > 0 ? 0 : 1;
}
