// Where daemons put their control sockets and how lkmctl finds them again.
#include "control_test_support.h"

#include "control/socket_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace lkmfs::control {
namespace {

using testing::TempDir;

TEST(ControlSocketDirTest, RootAndUsersHaveTheirOwnDirectories) {
    EXPECT_EQ(socket_dir_for(0, "/run/user/0"), "/run/lkmfs");
    EXPECT_EQ(socket_dir_for(1000, "/run/user/1000"), "/run/user/1000/lkmfs");
    EXPECT_EQ(socket_dir_for(1000, nullptr), "/tmp/lkmfs-1000");
    EXPECT_EQ(socket_dir_for(1000, "relative/dir"), "/tmp/lkmfs-1000");
}

TEST(ControlSocketDirTest, ClientSearchesRootDaemonFirst) {
    EXPECT_EQ(client_search_dirs(0, nullptr), std::vector<std::string>{"/run/lkmfs"});
    EXPECT_EQ(client_search_dirs(1000, "/run/user/1000"),
              (std::vector<std::string>{"/run/lkmfs", "/run/user/1000/lkmfs"}));
}

TEST(ControlSocketDirTest, FileNameIsFnv1aOfTheMountpoint) {
    // Published FNV-1a 64-bit test vectors.
    EXPECT_EQ(socket_file_name(""), "cbf29ce484222325.sock");
    EXPECT_EQ(socket_file_name("a"), "af63dc4c8601ec8c.sock");
    EXPECT_NE(socket_file_name("/mnt/a"), socket_file_name("/mnt/b"));
}

TEST(ControlSocketDirTest, CanonicalMountpointResolvesLinksAndDots) {
    TempDir dir;
    ASSERT_EQ(::mkdir((dir / "real").c_str(), 0755), 0);
    ASSERT_EQ(::symlink((dir / "real").c_str(), (dir / "link").c_str()), 0);
    EXPECT_EQ(canonical_mountpoint(dir / "link/"), dir / "real");
    EXPECT_EQ(canonical_mountpoint(dir / "real/../real"), dir / "real");
    // A mountpoint that cannot be resolved (gone, or its daemon hangs) is still spelled
    // the same way by both sides.
    EXPECT_EQ(canonical_mountpoint(dir / "gone/./x/../y/"), dir / "gone/y");
    EXPECT_EQ(socket_path_for(canonical_mountpoint(dir / "link"), 1000, "/run/user/1000"),
              "/run/user/1000/lkmfs/" + socket_file_name(dir / "real"));
}

TEST(ControlSocketDirTest, SocketPathTakesTheMountpointAsGiven) {
    // The daemon calls it after mounting, when resolving the path would stat the mount.
    EXPECT_EQ(socket_path_for("/x/../y", 0, nullptr), "/run/lkmfs/" + socket_file_name("/x/../y"));
}

TEST(ControlSocketDirTest, EnsureCreatesAnOwnedDirectory) {
    TempDir dir;
    EXPECT_FALSE(ensure_socket_dir(dir / "lkmfs", ::geteuid()));
    struct stat st {};
    ASSERT_EQ(::stat((dir / "lkmfs").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    EXPECT_FALSE(ensure_socket_dir(dir / "lkmfs", ::geteuid())); // existing is fine
}

TEST(ControlSocketDirTest, EnsureRefusesDirectoriesOthersControl) {
    TempDir dir;
    ASSERT_EQ(::mkdir((dir / "open").c_str(), 0755), 0);
    ASSERT_EQ(::chmod((dir / "open").c_str(), 0777), 0);
    EXPECT_EQ(ensure_socket_dir(dir / "open", ::geteuid()).err, EPERM);

    ASSERT_EQ(::mkdir((dir / "theirs").c_str(), 0755), 0);
    Error e = ensure_socket_dir(dir / "theirs", ::geteuid() + 1);
    EXPECT_EQ(e.err, EPERM);
    EXPECT_NE(e.message.find("belongs to uid"), std::string::npos);

    std::ofstream(dir / "file") << "x";
    EXPECT_EQ(ensure_socket_dir(dir / "file", ::geteuid()).err, ENOTDIR);

    ASSERT_EQ(::symlink((dir / "open").c_str(), (dir / "link").c_str()), 0);
    EXPECT_EQ(ensure_socket_dir(dir / "link", ::geteuid()).err, ENOTDIR);
}

} // namespace
} // namespace lkmfs::control
