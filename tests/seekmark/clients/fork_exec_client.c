/* Stacks belong to open file descriptions: shared across fork, whoever pushes first and
 * however the child renumbers; kept by a child when its parent exits; not disturbed by a
 * vfork child that closes and dup2s in its parent's memory; and across exec (documented):
 * the new program starts with no bookmarks, inherited descriptors keep their positions,
 * and other processes keep their stacks.
 *
 *   seekmark_fork_exec_client DIR        (with LD_PRELOAD=libseekmark.so)
 *   seekmark_fork_exec_client --after-exec-cloexec DIR FD     (run by exec, internal)
 *   seekmark_fork_exec_client --after-exec-inherited FD POS   (run by exec, internal)
 */
#define _GNU_SOURCE
#include "check.h"

#include <seekmark.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static const char *g_dir;
static const char *g_self;

static int open_file(const char *name, int flags) {
    const int fd = open(make_file(g_dir, name, 1000), O_RDONLY | flags);
    CHECK(fd >= 0);
    return fd;
}

static void wait_ok(pid_t pid) {
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void fork_shares(void) {
    const int fd = open_file("fork", 0);
    CHECK_EQ(lseek(fd, 100, SEEK_SET | SEEK_PUSH), 100); /* [0] */
    const pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 0);
        CHECK_EQ(lseek(fd, 33, SEEK_SET), 33);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), 33); /* [33] */
        _exit(0);
    }
    wait_ok(pid);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 33);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 33);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(fd) == 0);
}

/* The child pushes first on a description forked without bookmarks; in one case it has
 * renumbered it (dup2 + close) before. Its normal exit() must not take the stack along. */
static void child_pushes_first(int renumber) {
    const int fd = open_file("first", 0);
    CHECK_EQ(lseek(fd, 12, SEEK_SET), 12);
    const pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int mine = fd;
        if (renumber) {
            mine = dup2(fd, 77);
            CHECK(mine == 77 && close(fd) == 0);
        }
        CHECK_EQ(lseek(mine, 44, SEEK_SET | SEEK_PUSH), 44); /* [12] */
        exit(0);
    }
    wait_ok(pid);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 12);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(fd) == 0);
}

/* A process pushes, forks, and exits at once: the child keeps the stack. */
static void parent_exits_first(void) {
    int verdict[2];
    CHECK(pipe(verdict) == 0);
    const pid_t middle = fork();
    CHECK(middle >= 0);
    if (middle == 0) {
        const int fd = open_file("orphan", 0);
        CHECK_EQ(lseek(fd, 21, SEEK_SET), 21);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), 21); /* [21] */
        const pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            CHECK(close(verdict[0]) == 0);
            usleep(200 * 1000); /* let the middle process die and be reaped */
            const char *answer = lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP) == 21 ? "ok" : "lost";
            CHECK(write(verdict[1], answer, strlen(answer)) > 0);
            _exit(0);
        }
        _exit(0);
    }
    CHECK(close(verdict[1]) == 0);
    wait_ok(middle);
    struct pollfd p = {verdict[0], POLLIN, 0};
    CHECK(poll(&p, 1, 20000) == 1);
    char answer[8] = {0};
    CHECK(read(verdict[0], answer, sizeof answer - 1) > 0);
    if (strcmp(answer, "ok") != 0) {
        fprintf(stderr, "orphaned child: stack %s\n", answer);
        _exit(1);
    }
    CHECK(close(verdict[0]) == 0);
}

/* A vfork child runs in its parent's memory: its close and dup2 must not touch the
 * parent's tables (Python's subprocess does exactly this before exec). */
static void vfork_child_leaves_parent_alone(void) {
    const int fd = open_file("vfork", 0);
    const int other = open_file("vfork2", 0);
    CHECK_EQ(lseek(fd, 9, SEEK_SET | SEEK_PUSH), 9); /* [0] */
    const pid_t pid = vfork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(other, fd);
        close(other);
        close_range(3, ~0U, 0);
        _exit(0);
    }
    wait_ok(pid);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK), 0);
    /* posix_spawn and system() too. */
    pid_t spawned;
    char *argv[] = {"true", NULL};
    CHECK(posix_spawnp(&spawned, "true", NULL, NULL, argv, environ) == 0);
    wait_ok(spawned);
    CHECK(system("exit 0") == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK(close(fd) == 0 && close(other) == 0);
}

static void exec_self(const char *mode, const char *a, const char *b) {
    char *argv[] = {(char *)g_self, (char *)mode, (char *)a, (char *)b, NULL};
    execv(g_self, argv);
    _exit(127);
}

static void across_exec(void) {
    char fdbuf[16];
    /* O_CLOEXEC: exec closes it; the number reused in the new program starts empty. */
    const int gone = open_file("cloexec", O_CLOEXEC);
    CHECK_EQ(lseek(gone, 9, SEEK_SET | SEEK_PUSH), 9);
    snprintf(fdbuf, sizeof fdbuf, "%d", gone);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        exec_self("--after-exec-cloexec", g_dir, fdbuf);
    }
    wait_ok(pid);
    CHECK_EQ(lseek(gone, 0, SEEK_BOOKMARK | SEEK_POP), 0); /* ours is untouched */

    /* Inherited: the position survives, the stack does not (in the new program). */
    const int kept = open_file("inherited", 0);
    CHECK_EQ(lseek(kept, 15, SEEK_SET | SEEK_PUSH), 15); /* [0] */
    snprintf(fdbuf, sizeof fdbuf, "%d", kept);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        exec_self("--after-exec-inherited", fdbuf, "15");
    }
    wait_ok(pid);
    /* What the new program pushed is its own; ours is as we left it. */
    CHECK_EQ(lseek(kept, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_ERR(lseek(kept, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(gone) == 0 && close(kept) == 0);
}

static int after_exec_cloexec(const char *dir, int old_fd) {
    g_dir = dir;
    const int fd = open_file("cloexec", 0);
    CHECK_EQ(fd, old_fd);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    return 0;
}

static int after_exec_inherited(int fd, long pos) {
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), pos);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK_EQ(lseek(fd, 3, SEEK_SET | SEEK_PUSH), 3);
    return 0;
}

int main(int argc, char **argv) {
    g_self = argv[0];
    if (argc == 4 && strcmp(argv[1], "--after-exec-cloexec") == 0) {
        return after_exec_cloexec(argv[2], atoi(argv[3]));
    }
    if (argc == 4 && strcmp(argv[1], "--after-exec-inherited") == 0) {
        return after_exec_inherited(atoi(argv[2]), atol(argv[3]));
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    fork_shares();
    child_pushes_first(0);
    child_pushes_first(1);
    parent_exits_first();
    vfork_child_leaves_parent_alone();
    across_exec();
    puts("ok");
    return 0;
}
