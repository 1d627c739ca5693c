// The /proc tree (fsd/procfs/proc_tree.cpp) through the C API of <linux/proc_fs.h>, as
// Linux 6.1's fs/proc/generic.c: default modes, "a/b" names, rejected names, listing
// order, nlink, removal (with subtrees) and lookups after removal.
#include "kernel/exec_context.h"
#include "kernel/kernel.h"
#include "kernel/loaded_module.h"
#include "procfs/proc_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/stat.h>

namespace lkmfs::procfs {
namespace {

using kernel::Kernel;
using kernel::KernelOptions;
using kernel::LogRecord;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uid_t kOwnerUid = 4321;
constexpr gid_t kOwnerGid = 8765;

ssize_t dummy_read(struct file *, char __user *, size_t, loff_t *) {
    return 0;
}
const struct proc_ops kOps = {
    .proc_flags = 0,
    .proc_open = nullptr,
    .proc_read = dummy_read,
    .proc_read_iter = nullptr,
    .proc_write = nullptr,
    .proc_lseek = nullptr,
    .proc_release = nullptr,
    .proc_poll = nullptr,
    .proc_ioctl = nullptr,
    .proc_compat_ioctl = nullptr,
    .proc_mmap = nullptr,
    .proc_get_unmapped_area = nullptr,
};

class ProcfsProcTreeTest : public ::testing::Test {
  protected:
    static KernelOptions options() {
        KernelOptions o;
        o.console_loglevel = 0;
        o.owner_uid = kOwnerUid;
        o.owner_gid = kOwnerGid;
        return o;
    }
    ProcTree &tree() { return kernel_.proc(); }
    std::uint64_t root_ino() { return tree().root()->ino; }
    std::vector<std::string> names(std::uint64_t dir) {
        std::vector<DirItem> items;
        EXPECT_TRUE(tree().list(dir, &items));
        std::vector<std::string> out;
        for (const DirItem &item : items)
            out.push_back(item.name);
        return out;
    }
    std::vector<std::string> new_warnings() {
        std::vector<std::string> out;
        for (const LogRecord &r : kernel_.log().snapshot())
            if (r.seq >= start_)
                out.push_back(r.text);
        return out;
    }
    bool no_new_warnings() { return new_warnings().empty(); }

    Kernel kernel_{options()};
    std::uint64_t start_ = kernel_.log().next_seq();
};

// ---- creation and default modes ---------------------------------------------------------

TEST_F(ProcfsProcTreeTest, ProcCreateMakesARegularFileReadableByAll) {
    proc_dir_entry *de = proc_create("tfile", 0, nullptr, &kOps);
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(de->mode, S_IFREG | 0444);
    EXPECT_EQ(de->ops, &kOps);
    auto found = tree().lookup(root_ino(), "tfile");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found.get(), de);
    EXPECT_EQ(tree().find(de->ino).get(), de);
    EntryAttr a = tree().attr(*de);
    EXPECT_EQ(a.ino, de->ino);
    EXPECT_EQ(a.mode, S_IFREG | 0444);
    EXPECT_EQ(a.nlink, 1u);
    EXPECT_EQ(a.uid, kOwnerUid);
    EXPECT_EQ(a.gid, kOwnerGid);
    EXPECT_EQ(a.size, 0);
    EXPECT_EQ(de->inode.i_ino, de->ino);
    EXPECT_EQ(de->inode.i_mode, S_IFREG | 0444);
    EXPECT_EQ(de->path(), "tfile");
    EXPECT_TRUE(no_new_warnings());
}

TEST_F(ProcfsProcTreeTest, ProcCreateKeepsGivenPermissions) {
    proc_dir_entry *rw = proc_create("rw", 0644, nullptr, &kOps);
    ASSERT_NE(rw, nullptr);
    EXPECT_EQ(rw->mode, S_IFREG | 0644);
    proc_dir_entry *wo = proc_create("wo", S_IFREG | 0200, nullptr, &kOps);
    ASSERT_NE(wo, nullptr);
    EXPECT_EQ(wo->mode, S_IFREG | 0200);
}

TEST_F(ProcfsProcTreeTest, ProcCreateRefusesNonRegularModes) {
    EXPECT_EQ(proc_create("notreg", S_IFDIR | 0555, nullptr, &kOps), nullptr);
    EXPECT_EQ(tree().lookup(root_ino(), "notreg"), nullptr);
    EXPECT_FALSE(no_new_warnings());
}

TEST_F(ProcfsProcTreeTest, ProcCreateDataAndPdeData) {
    int cookie = 0;
    proc_dir_entry *de = proc_create_data("withdata", 0, nullptr, &kOps, &cookie);
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(pde_data(&de->inode), &cookie);
    EXPECT_EQ(PDE_DATA(&de->inode), &cookie);
    proc_dir_entry *nodata = proc_create("nodata", 0, nullptr, &kOps);
    ASSERT_NE(nodata, nullptr);
    EXPECT_EQ(pde_data(&nodata->inode), nullptr);
}

TEST_F(ProcfsProcTreeTest, ProcMkdirDefaultsAndNlink) {
    unsigned root_nlink = tree().attr(*tree().root()).nlink;
    proc_dir_entry *d = proc_mkdir("tdir", nullptr);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->mode, S_IFDIR | 0555);
    EntryAttr a = tree().attr(*d);
    EXPECT_EQ(a.nlink, 2u);
    EXPECT_EQ(a.uid, kOwnerUid);
    EXPECT_EQ(tree().attr(*tree().root()).nlink, root_nlink + 1);

    proc_mkdir("sub1", d);
    proc_mkdir("sub2", d);
    proc_create("file", 0, d, &kOps);
    proc_symlink("link", d, "file");
    EXPECT_EQ(tree().attr(*d).nlink, 4u); // 2 + one per subdirectory
    EXPECT_TRUE(no_new_warnings());
}

TEST_F(ProcfsProcTreeTest, ProcMkdirModeAndData) {
    proc_dir_entry *priv = proc_mkdir_mode("private", 0700, nullptr);
    ASSERT_NE(priv, nullptr);
    EXPECT_EQ(priv->mode, S_IFDIR | 0700);
    proc_dir_entry *dflt = proc_mkdir_mode("dflt", 0, nullptr);
    ASSERT_NE(dflt, nullptr);
    EXPECT_EQ(dflt->mode, S_IFDIR | 0555);
    int cookie = 0;
    proc_dir_entry *data = proc_mkdir_data("data", 0, nullptr, &cookie);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->mode, S_IFDIR | 0555);
    EXPECT_EQ(pde_data(&data->inode), &cookie);

    // proc_get_parent_data: what a file's directory carries.
    proc_dir_entry *child = proc_create("child", 0, data, &kOps);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(proc_get_parent_data(&child->inode), &cookie);
}

TEST_F(ProcfsProcTreeTest, ProcSymlink) {
    proc_dir_entry *l = proc_symlink("tlink", nullptr, "some/target");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->mode, S_IFLNK | 0777);
    EXPECT_EQ(l->link_target, "some/target");
    EntryAttr a = tree().attr(*l);
    EXPECT_EQ(a.size, 11); // strlen(target)
    EXPECT_EQ(a.nlink, 1u);
    EXPECT_EQ(proc_symlink("nolink", nullptr, nullptr), nullptr);
}

TEST_F(ProcfsProcTreeTest, ProcSetSizeAndUser) {
    proc_dir_entry *de = proc_create("sized", 0, nullptr, &kOps);
    ASSERT_NE(de, nullptr);
    proc_set_size(de, 4096);
    proc_set_user(de, kuid_t{7}, kgid_t{8});
    EntryAttr a = tree().attr(*de);
    EXPECT_EQ(a.size, 4096);
    EXPECT_EQ(a.uid, 7u);
    EXPECT_EQ(a.gid, 8u);
    EXPECT_EQ(de->inode.i_size, 4096);
    EXPECT_EQ(de->inode.i_uid.val, 7u);
    EXPECT_EQ(de->inode.i_gid.val, 8u);
}

TEST_F(ProcfsProcTreeTest, InodeNumbersAreUniqueAndNotTheRoot) {
    proc_dir_entry *a = proc_create("ino_a", 0, nullptr, &kOps);
    proc_dir_entry *b = proc_mkdir("ino_b", nullptr);
    proc_dir_entry *c = proc_create("ino_c", 0, b, &kOps);
    ASSERT_TRUE(a && b && c);
    EXPECT_NE(a->ino, b->ino);
    EXPECT_NE(b->ino, c->ino);
    EXPECT_NE(a->ino, c->ino);
    for (proc_dir_entry *de : {a, b, c})
        EXPECT_NE(de->ino, ProcTree::kRootIno);
}

TEST_F(ProcfsProcTreeTest, EntryCreatedByModuleCodeBelongsToIt) {
    kernel::LoadedModule m("ptree_mod", "test", kernel::ModuleImage{});
    proc_dir_entry *de = nullptr;
    {
        kernel::ModuleScope scope(&m);
        de = proc_create("owned", 0, nullptr, &kOps);
    }
    ASSERT_NE(de, nullptr);
    EXPECT_EQ(de->owner, &m);
    std::uint64_t ino = de->ino;
    tree().remove_leftovers_of(&m);
    EXPECT_EQ(tree().find(ino), nullptr);
    EXPECT_THAT(new_warnings(), ::testing::Contains(HasSubstr("owned")));
}

// The warning for a leftover entry should say whose it was.
TEST_F(ProcfsProcTreeTest, LeftoverWarningNamesTheModule) {
    kernel::LoadedModule m("ptree_forgetful", "test", kernel::ModuleImage{});
    {
        kernel::ModuleScope scope(&m);
        ASSERT_NE(proc_mkdir("forgotten", nullptr), nullptr);
    }
    tree().remove_leftovers_of(&m);
    auto warnings = new_warnings();
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("forgotten"));
    EXPECT_THAT(warnings[0], HasSubstr("ptree_forgetful"));
}

// ---- names ------------------------------------------------------------------------------

TEST_F(ProcfsProcTreeTest, PathNamesResolveThroughDirectories) {
    proc_dir_entry *a = proc_mkdir("pa", nullptr);
    proc_dir_entry *b = proc_mkdir("pa/pb", nullptr);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->parent, a);
    EXPECT_EQ(b->name, "pb");
    proc_dir_entry *f = proc_create("pa/pb/f", 0, nullptr, &kOps);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->parent, b);
    EXPECT_EQ(f->path(), "pa/pb/f");
    proc_dir_entry *g = proc_create("pb/g", 0, a, &kOps); // relative to the parent given
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->parent, b);
    EXPECT_EQ(tree().lookup(b->ino, "g").get(), g);
    EXPECT_TRUE(no_new_warnings());

    remove_proc_entry("pa/pb/f", nullptr);
    EXPECT_EQ(tree().lookup(b->ino, "f"), nullptr);
    remove_proc_entry("pb/g", a);
    EXPECT_EQ(tree().lookup(b->ino, "g"), nullptr);
    EXPECT_TRUE(no_new_warnings());
}

TEST_F(ProcfsProcTreeTest, PathThroughMissingOrNonDirectoryFails) {
    EXPECT_EQ(proc_create("nosuchdir/f", 0, nullptr, &kOps), nullptr);
    EXPECT_THAT(new_warnings(), ElementsAre(HasSubstr("name 'nosuchdir/f'")));
    ASSERT_NE(proc_create("plain", 0, nullptr, &kOps), nullptr);
    EXPECT_EQ(proc_create("plain/f", 0, nullptr, &kOps), nullptr);
    EXPECT_EQ(proc_mkdir("plain/d", nullptr), nullptr);
    EXPECT_EQ(new_warnings().size(), 3u);
}

TEST_F(ProcfsProcTreeTest, RejectedNames) {
    proc_dir_entry *d = proc_mkdir("names", nullptr);
    ASSERT_NE(d, nullptr);
    struct Bad {
        const char *name;
        proc_dir_entry *parent;
        const char *warning;
    };
    const Bad bad[] = {
        {".", nullptr, "name '.'"},
        {"..", nullptr, "name '..'"},
        {".", d, "name '.'"},
        {"", nullptr, "name len 0"},
        {"names/", nullptr, "name len 0"},
        {"123", nullptr, "create '/proc/123' by hand"},
        {"0", nullptr, "create '/proc/0' by hand"},
    };
    for (const Bad &b : bad) {
        SCOPED_TRACE(b.name);
        std::uint64_t before = kernel_.log().next_seq();
        EXPECT_EQ(proc_create(b.name, 0, b.parent, &kOps), nullptr);
        EXPECT_EQ(proc_mkdir(b.name, b.parent), nullptr);
        auto r = kernel_.log().read(before);
        ASSERT_EQ(r.status, kernel::LogRead::Status::Record);
        EXPECT_THAT(r.record.text, HasSubstr(b.warning));
        EXPECT_EQ(r.record.level, 4);
    }
    // Numbers are fine below the root (Linux reserves them at the root for pids).
    EXPECT_NE(proc_create("123", 0, d, &kOps), nullptr);
    // The longest name is 255 bytes.
    EXPECT_NE(proc_create(std::string(255, 'n').c_str(), 0, d, &kOps), nullptr);
    EXPECT_EQ(proc_create(std::string(256, 'n').c_str(), 0, d, &kOps), nullptr);
}

// name_to_int() in Linux 6.1 does not take "007" (a leading zero) or a number beyond
// unsigned int for a pid: such names are allowed at the root.
TEST_F(ProcfsProcTreeTest, RootNamesThatAreNotPidsAreAllowed) {
    EXPECT_NE(proc_create("007", 0, nullptr, &kOps), nullptr);
    EXPECT_NE(proc_create("99999999999", 0, nullptr, &kOps), nullptr);
    EXPECT_NE(proc_create("12a", 0, nullptr, &kOps), nullptr);
}

TEST_F(ProcfsProcTreeTest, DuplicateNamesAreRefusedWithAWarning) {
    proc_dir_entry *d = proc_mkdir("dups", nullptr);
    ASSERT_NE(d, nullptr);
    proc_dir_entry *first = proc_create("x", 0, d, &kOps);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(proc_create("x", 0, d, &kOps), nullptr);
    EXPECT_EQ(proc_mkdir("x", d), nullptr);
    EXPECT_EQ(proc_symlink("x", d, "y"), nullptr);
    EXPECT_EQ(proc_mkdir("dups", nullptr), nullptr);
    auto warnings = new_warnings();
    ASSERT_EQ(warnings.size(), 4u);
    for (const std::string &w : warnings)
        EXPECT_THAT(w, HasSubstr("already registered"));
    EXPECT_THAT(warnings[0], HasSubstr("'dups/x'"));
    EXPECT_EQ(tree().lookup(d->ino, "x").get(), first); // the first one stays
}

TEST_F(ProcfsProcTreeTest, CoreEntriesExistAtTheRoot) {
    EXPECT_NE(tree().lookup(root_ino(), "modules"), nullptr);
    EXPECT_NE(tree().lookup(root_ino(), "kmsg"), nullptr);
    EXPECT_EQ(proc_create("kmsg", 0, nullptr, &kOps), nullptr);
}

// ---- listing ----------------------------------------------------------------------------

TEST_F(ProcfsProcTreeTest, ListingIsOrderedByLengthThenBytes) {
    proc_dir_entry *d = proc_mkdir("order", nullptr);
    ASSERT_NE(d, nullptr);
    for (const char *name : {"bb", "a", "ccc", "ab", "b", "B", "aa", "Zz"})
        ASSERT_NE(proc_create(name, 0, d, &kOps), nullptr) << name;
    EXPECT_THAT(names(d->ino),
                ElementsAre(".", "..", "B", "a", "b", "Zz", "aa", "ab", "bb", "ccc"));

    std::vector<DirItem> items;
    ASSERT_TRUE(tree().list(d->ino, &items));
    EXPECT_EQ(items[0].ino, d->ino);
    EXPECT_EQ(items[1].ino, root_ino());
    EXPECT_EQ(items[1].mode, S_IFDIR | 0555);
    EXPECT_EQ(items[2].mode, S_IFREG | 0444);
}

TEST_F(ProcfsProcTreeTest, ListingOfRootAndNonDirectories) {
    std::vector<std::string> root = names(root_ino());
    ASSERT_GE(root.size(), 4u);
    EXPECT_EQ(root[0], ".");
    EXPECT_EQ(root[1], "..");
    EXPECT_THAT(root, ::testing::Contains("kmsg"));
    EXPECT_THAT(root, ::testing::Contains("modules"));
    std::vector<DirItem> items;
    ASSERT_TRUE(tree().list(root_ino(), &items));
    EXPECT_EQ(items[1].ino, root_ino()); // the root is its own parent

    proc_dir_entry *f = proc_create("notadir", 0, nullptr, &kOps);
    ASSERT_NE(f, nullptr);
    EXPECT_FALSE(tree().list(f->ino, &items));
    EXPECT_FALSE(tree().list(999999, &items));
    EXPECT_EQ(tree().lookup(f->ino, "x"), nullptr);
}

// ---- removal ----------------------------------------------------------------------------

TEST_F(ProcfsProcTreeTest, RemoveProcEntry) {
    proc_dir_entry *de = proc_create("gone", 0, nullptr, &kOps);
    ASSERT_NE(de, nullptr);
    std::uint64_t ino = de->ino;
    remove_proc_entry("gone", nullptr);
    EXPECT_EQ(tree().lookup(root_ino(), "gone"), nullptr);
    EXPECT_EQ(tree().find(ino), nullptr);
    EXPECT_THAT(names(root_ino()), ::testing::Not(::testing::Contains("gone")));
    EXPECT_TRUE(no_new_warnings());
    // The name can be used again, with a new inode number.
    proc_dir_entry *again = proc_create("gone", 0, nullptr, &kOps);
    ASSERT_NE(again, nullptr);
    EXPECT_NE(again->ino, ino);
}

TEST_F(ProcfsProcTreeTest, RemovingAnUnknownNameWarns) {
    remove_proc_entry("nosuch", nullptr);
    EXPECT_THAT(new_warnings(), ElementsAre(HasSubstr("name 'nosuch'")));
    EXPECT_EQ(remove_proc_subtree("nosuch", nullptr), -ENOENT);
    EXPECT_EQ(new_warnings().size(), 1u); // remove_proc_subtree just says -ENOENT
    proc_remove(nullptr);
    EXPECT_EQ(new_warnings().size(), 1u);
}

TEST_F(ProcfsProcTreeTest, RemovingANonEmptyDirectoryWarnsAndTakesTheSubtree) {
    proc_dir_entry *d = proc_mkdir("full", nullptr);
    ASSERT_NE(d, nullptr);
    unsigned root_nlink = tree().attr(*tree().root()).nlink;
    proc_dir_entry *sub = proc_mkdir("sub", d);
    proc_dir_entry *f = proc_create("f", 0, sub, &kOps);
    proc_dir_entry *g = proc_create("g", 0, d, &kOps);
    ASSERT_TRUE(sub && f && g);
    std::vector<std::uint64_t> inos = {d->ino, sub->ino, f->ino, g->ino};
    remove_proc_entry("full", nullptr);
    auto warnings = new_warnings();
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("removing non-empty directory"));
    EXPECT_THAT(warnings[0], HasSubstr("full"));
    for (std::uint64_t ino : inos)
        EXPECT_EQ(tree().find(ino), nullptr) << ino;
    EXPECT_EQ(tree().lookup(root_ino(), "full"), nullptr);
    EXPECT_EQ(tree().attr(*tree().root()).nlink, root_nlink - 1);
}

TEST_F(ProcfsProcTreeTest, RemoveProcSubtree) {
    proc_dir_entry *d = proc_mkdir("tree", nullptr);
    ASSERT_NE(d, nullptr);
    proc_dir_entry *sub = proc_mkdir("sub", d);
    proc_dir_entry *f = proc_create("f", 0, sub, &kOps);
    ASSERT_TRUE(sub && f);
    std::vector<std::uint64_t> inos = {d->ino, sub->ino, f->ino};
    EXPECT_EQ(remove_proc_subtree("tree", nullptr), 0);
    for (std::uint64_t ino : inos)
        EXPECT_EQ(tree().find(ino), nullptr) << ino;
    EXPECT_TRUE(no_new_warnings());

    proc_dir_entry *d2 = proc_mkdir("tree2", nullptr);
    proc_dir_entry *s2 = proc_mkdir("tree2/s", nullptr);
    ASSERT_TRUE(d2 && s2);
    std::uint64_t s2_ino = s2->ino;
    EXPECT_EQ(remove_proc_subtree("s", d2), 0);
    EXPECT_EQ(tree().find(s2_ino), nullptr);
    EXPECT_NE(tree().find(d2->ino), nullptr);
    EXPECT_EQ(tree().attr(*d2).nlink, 2u);
}

TEST_F(ProcfsProcTreeTest, ProcRemove) {
    proc_dir_entry *d = proc_mkdir("pr", nullptr);
    proc_dir_entry *f = proc_create("f", 0, d, &kOps);
    proc_dir_entry *lone = proc_create("lone", 0, nullptr, &kOps);
    ASSERT_TRUE(d && f && lone);
    std::uint64_t d_ino = d->ino;
    std::uint64_t f_ino = f->ino;
    std::uint64_t lone_ino = lone->ino;
    proc_remove(lone);
    EXPECT_EQ(tree().find(lone_ino), nullptr);
    proc_remove(d); // takes the subtree, quietly
    EXPECT_EQ(tree().find(d_ino), nullptr);
    EXPECT_EQ(tree().find(f_ino), nullptr);
    EXPECT_TRUE(no_new_warnings());
}

TEST_F(ProcfsProcTreeTest, RemovedEntryIsMarkedRemovedForHoldersOfIt) {
    proc_dir_entry *de = proc_create("held", 0, nullptr, &kOps);
    ASSERT_NE(de, nullptr);
    proc_dir_entry::Ptr held = tree().find(de->ino);
    ASSERT_NE(held, nullptr);
    EXPECT_FALSE(held->removed());
    remove_proc_entry("held", nullptr);
    EXPECT_TRUE(held->removed());
    EXPECT_EQ(tree().find(held->ino), nullptr);
    EXPECT_EQ(tree().lookup(root_ino(), "held"), nullptr);
}

} // namespace
} // namespace lkmfs::procfs
