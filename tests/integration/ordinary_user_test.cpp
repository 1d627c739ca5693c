// lkmfsd run by an ordinary user, as a student on a shared lab machine runs it: it mounts
// through the setuid fusermount3, serves its owner, refuses module loading to other users
// while letting them list modules, and may not use allow_other unless /etc/fuse.conf says so.
//
// The machines that run these tests run everything as root, and their /dev/fuse is 0600,
// while a stock Debian install has it 0666 (with fusermount3 setuid root). So the test
// creates that situation itself: throwaway users (useradd; userdel afterwards, whatever
// happens) and `chmod 0666 /dev/fuse` for its duration (the old mode is put back after).
// Without root it cannot, and skips.
#include "lkmfs_daemon.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

namespace lkmfs::testing {
namespace {

// A user created for the test and removed (with its group) when the object goes.
class ThrowawayUser {
  public:
    explicit ThrowawayUser(const std::string &role)
        : name_("lkmfs-" + role + "-" + std::to_string(getpid())) {
        RunResult r = run(
            {"useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name_});
        error_ = r.err;
        if (r.status != 0)
            return;
        created_ = true;
        if (const passwd *pw = getpwnam(name_.c_str())) {
            uid_ = pw->pw_uid;
            gid_ = pw->pw_gid;
        }
    }
    ~ThrowawayUser() {
        if (created_)
            run({"userdel", name_});
    }
    ThrowawayUser(const ThrowawayUser &) = delete;
    ThrowawayUser &operator=(const ThrowawayUser &) = delete;

    bool ok() const { return created_ && uid_ != 0; }
    const std::string &error() const { return error_; }
    const std::string &name() const { return name_; }
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }

    // argv run as this user (no supplementary groups), with `env` added.
    RunResult run_as(const std::vector<std::string> &argv,
                     const std::map<std::string, std::string> &env = {}) const {
        std::vector<std::string> full = {"setpriv", "--reuid=" + std::to_string(uid_),
                                         "--regid=" + std::to_string(gid_), "--clear-groups", "--"};
        full.insert(full.end(), argv.begin(), argv.end());
        return run(full, {.env = env});
    }

  private:
    std::string name_;
    std::string error_;
    bool created_ = false;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
};

// /dev/fuse opened up to every user, as on a stock Debian install, for the object's life.
class OpenFuseDevice {
  public:
    OpenFuseDevice() {
        struct stat st {};
        if (stat(kDevice, &st) != 0)
            return;
        old_mode_ = st.st_mode & 07777;
        changed_ = chmod(kDevice, 0666) == 0;
    }
    ~OpenFuseDevice() {
        if (changed_)
            chmod(kDevice, old_mode_);
    }
    OpenFuseDevice(const OpenFuseDevice &) = delete;
    OpenFuseDevice &operator=(const OpenFuseDevice &) = delete;
    bool ok() const { return changed_; }

  private:
    static constexpr const char *kDevice = "/dev/fuse";
    mode_t old_mode_ = 0;
    bool changed_ = false;
};

bool fusermount_is_setuid_root() {
    for (const char *path : {"/usr/bin/fusermount3", "/bin/fusermount3"}) {
        struct stat st {};
        if (stat(path, &st) == 0)
            return st.st_uid == 0 && (st.st_mode & S_ISUID) != 0;
    }
    return false;
}

bool fuse_conf_allows_other() {
    std::ifstream in("/etc/fuse.conf");
    std::string line;
    while (std::getline(in, line))
        if (line == "user_allow_other")
            return true;
    return false;
}

// What the throwaway users run and load, copied where they can reach it: the build tree
// may lie under a directory only root may enter (a checkout in `mktemp -d`).
class PublicCopies {
  public:
    PublicCopies() { ::chmod(dir_.path().c_str(), 0755); }
    std::string copy(const std::string &from) const {
        std::string to = dir_ / std::filesystem::path(from).filename().string();
        std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
        ::chmod(to.c_str(), 0755);
        return to;
    }
    const std::string &path() const { return dir_.path(); }

  private:
    TempDir dir_;
};

class OrdinaryUser : public ::testing::Test {
  protected:
    void SetUp() override {
        if (geteuid() != 0)
            GTEST_SKIP() << "needs root to create throwaway users and open up /dev/fuse";
        if (!fusermount_is_setuid_root())
            GTEST_SKIP() << "fusermount3 is not installed setuid root";
        owner = std::make_unique<ThrowawayUser>("owner");
        other = std::make_unique<ThrowawayUser>("other");
        ASSERT_TRUE(owner->ok()) << owner->error();
        ASSERT_TRUE(other->ok()) << other->error();
        device = std::make_unique<OpenFuseDevice>();
        ASSERT_TRUE(device->ok());
    }
    // Members are destroyed in reverse order: daemons (declared in the tests) first, then
    // the device mode, then the users.
    std::unique_ptr<ThrowawayUser> owner, other;
    std::unique_ptr<OpenFuseDevice> device;
};

TEST_F(OrdinaryUser, MountsServesItsOwnerAndOnlyTheOwnerChangesModules) {
    PublicCopies copies;
    copies.copy(BuildTree::test_module("kp_pos"));
    std::string ko = copies.copy(BuildTree::test_module("kp_tree"));
    std::string lkmctl = copies.copy(BuildTree::bin("lkmctl"));
    Daemon d({.config = "modules:\n  path: [" + copies.path() + "]\n  load: [kp_pos]\n",
              .run_as_uid = owner->uid(),
              .run_as_gid = owner->gid(),
              .binary = copies.copy(BuildTree::bin("lkmfsd"))});
    ASSERT_TRUE(d.started()) << d.output();
    // A FUSE mount made through fusermount3 on the owner's behalf.
    std::string mountinfo = mountinfo_line(d.mnt());
    EXPECT_NE(mountinfo.find(" fuse.lkmfs "), std::string::npos) << mountinfo;
    EXPECT_NE(mountinfo.find("user_id=" + std::to_string(owner->uid()) + ","), std::string::npos)
        << mountinfo;
    EXPECT_EQ(mountinfo.find("allow_other"), std::string::npos) << mountinfo;

    // The owner reads; the handler sees the owner as `current`.
    RunResult cat = owner->run_as({"cat", d.path("kp_pos")});
    ASSERT_EQ(cat.status, 0) << cat.err;
    EXPECT_NE(cat.out.find(" uid=" + std::to_string(owner->uid()) + " "), std::string::npos)
        << cat.out;
    EXPECT_NE(cat.out.find(" comm=cat "), std::string::npos) << cat.out;
    // Entries belong to the daemon's user, as /proc's belong to root.
    RunResult st = owner->run_as({"stat", "-c", "%u", d.path("kp_pos")});
    EXPECT_EQ(st.out, std::to_string(owner->uid()) + "\n") << st.err;
    // Without allow_other, FUSE lets no one else in.
    RunResult denied = other->run_as({"cat", d.path("modules")});
    EXPECT_EQ(denied.status, 1);
    EXPECT_NE(denied.err.find("Permission denied"), std::string::npos) << denied.err;

    std::map<std::string, std::string> env = {{"LKMFS_SOCKET", d.socket()}};
    // Another user may look, not change.
    RunResult ins = other->run_as({lkmctl, "insmod", ko}, env);
    EXPECT_EQ(ins.status, 1);
    EXPECT_NE(ins.err.find("Operation not permitted"), std::string::npos) << ins.err;
    RunResult rm = other->run_as({lkmctl, "rmmod", "kp_pos"}, env);
    EXPECT_EQ(rm.status, 1);
    EXPECT_NE(rm.err.find("Operation not permitted"), std::string::npos) << rm.err;
    RunResult lsmod = other->run_as({lkmctl, "lsmod"}, env);
    EXPECT_EQ(lsmod.status, 0) << lsmod.err;
    EXPECT_NE(lsmod.out.find("kp_pos"), std::string::npos) << lsmod.out;
    EXPECT_EQ(lsmod.out.find("kp_tree"), std::string::npos) << lsmod.out;

    // A file the owner cannot read is refused with kmod's words.
    std::string unreadable = copies.copy(BuildTree::test_module("kl_hello"));
    ::chmod(unreadable.c_str(), 0600);
    RunResult locked = owner->run_as({lkmctl, "insmod", unreadable}, env);
    EXPECT_EQ(locked.status, 1);
    EXPECT_EQ(locked.err,
              "insmod: ERROR: could not insert module " + unreadable + ": Permission denied\n");

    // The owner may.
    RunResult own = owner->run_as({lkmctl, "insmod", ko}, env);
    EXPECT_EQ(own.status, 0) << own.err;
    EXPECT_EQ(owner->run_as({"cat", d.path("kp_dir/data")}).out, "pde_data=tag-from-pde-data\n");
    RunResult own_rm = owner->run_as({lkmctl, "rmmod", "kp_pos"}, env);
    EXPECT_EQ(own_rm.status, 0) << own_rm.err;
    lsmod = other->run_as({lkmctl, "lsmod"}, env);
    EXPECT_NE(lsmod.out.find("kp_tree"), std::string::npos) << lsmod.out;
    EXPECT_EQ(lsmod.out.find("kp_pos"), std::string::npos) << lsmod.out;

    // A clean stop: the module exits run and fusermount3 unmounts on the owner's behalf.
    EXPECT_EQ(d.stop(SIGTERM), 0) << d.output();
    EXPECT_FALSE(is_mounted(d.mnt()));
}

TEST_F(OrdinaryUser, AllowOtherIsRefusedUnlessFuseConfAllowsIt) {
    if (fuse_conf_allows_other())
        GTEST_SKIP() << "/etc/fuse.conf has user_allow_other";
    Daemon d({.extra_args = {"-o", "allow_other"},
              .run_as_uid = owner->uid(),
              .run_as_gid = owner->gid()});
    EXPECT_FALSE(d.started());
    EXPECT_FALSE(is_mounted(d.mnt()));
    EXPECT_NE(d.output().find("user_allow_other"), std::string::npos) << d.output();
}

} // namespace
} // namespace lkmfs::testing
