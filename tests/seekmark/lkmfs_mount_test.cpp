// Files on an lkmfs mount behave like any other file (issue 5): the kernel's FUSE client
// answers SEEK_SET/CUR/END itself and the extended whence never reaches the daemon, so the
// shim needs nothing special; this checks it with the real daemon and its `modules` file.
#include "process.h"

#include <gtest/gtest.h>

#ifdef SEEKMARK_HAVE_DAEMON
#include "lkmfs_daemon.h"
#endif

namespace seekmark::test {
namespace {

TEST(LkmfsMount, BookmarksOnTheModulesFile) {
#ifndef SEEKMARK_HAVE_DAEMON
    GTEST_SKIP() << "this build has no lkmfsd target (tests/integration's lkmfs_itest_support "
                    "and lkmfsd are needed to mount lkmfs)";
#else
    lkmfs::testing::DaemonOptions options;
    options.config = "modules:\n  load: [hello, hello2, kbuf]\n";
    lkmfs::testing::Daemon daemon(options);
    ASSERT_TRUE(daemon.started()) << daemon.output();
    Launch launch;
    launch.argv = {std::string(SEEKMARK_CLIENT_DIR) + "/seekmark_c_client", "--file",
                   daemon.path("modules")};
    launch.env = {preload()};
    launch.timeout = std::chrono::seconds(60);
    const Outcome o = run(launch);
    EXPECT_FALSE(o.timed_out) << o.err;
    EXPECT_EQ(o.status, 0) << o.err << o.out << "\ndaemon:\n" << daemon.output();
#endif
}

} // namespace
} // namespace seekmark::test
