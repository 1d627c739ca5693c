/* A plain C program using lseek bookmarks: the contract of issue 5, item by item.
 *
 *   seekmark_c_client DIR            (with LD_PRELOAD=libseekmark.so)
 *   seekmark_c_client --no-shim DIR  (without: every extended whence fails with EINVAL,
 *                                     nothing changes; a program built for bookmarks
 *                                     fails safely)
 *   seekmark_c_client --file PATH    (with: bookmarks while reading an existing file of
 *                                     more than 24 bytes, e.g. on an lkmfs mount)
 */
#define _GNU_SOURCE
#include "check.h"

#include <seekmark.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern off_t __lseek(int fd, off_t off, int whence); /* glibc's third name for lseek */

static const char *g_dir;

static int open_file(const char *name, long size) {
    const int fd = open(make_file(g_dir, name, size), O_RDWR);
    CHECK(fd >= 0);
    return fd;
}

static void basics(void) {
    const int fd = open_file("basics", 10000);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL); /* empty stack */
    CHECK_ERR(lseek(fd, 0, SEEK_SET | SEEK_POP), EINVAL);
    CHECK_EQ(lseek(fd, 100, SEEK_SET | SEEK_PUSH), 100); /* pushes 0 */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 100);
    CHECK_EQ(lseek(fd, 7, SEEK_BOOKMARK), 7);              /* top + 7 */
    CHECK_EQ(lseek(fd, 0, SEEK_END | SEEK_PUSH), 10000);   /* pushes 7 */
    CHECK_EQ(lseek64(fd, 0, SEEK_BOOKMARK | SEEK_POP), 7); /* top 7, then [0] */
    CHECK_EQ(__lseek(fd, 0, SEEK_BOOKMARK), 0);
    /* Swap: position <-> top. */
    CHECK_EQ(lseek(fd, 500, SEEK_SET), 500);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK), 500);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 500);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    /* SEEK_DATA and SEEK_HOLE as the kernel computes them. */
    CHECK_EQ(lseek(fd, 20, SEEK_SET), 20);
    CHECK_EQ(lseek(fd, 42, SEEK_DATA | SEEK_PUSH), 42);
    CHECK_EQ(lseek(fd, 0, SEEK_HOLE | SEEK_PUSH), 10000);
    CHECK_ERR(lseek(fd, 20000, SEEK_DATA | SEEK_PUSH), ENXIO);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 42);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 20);
    CHECK(close(fd) == 0);
}

static void errors_change_nothing(void) {
    const int fd = open_file("errors", 1000);
    CHECK_EQ(lseek(fd, 30, SEEK_SET | SEEK_PUSH), 30); /* [0] */
    CHECK_ERR(lseek(fd, -31, SEEK_CUR | SEEK_PUSH), EINVAL);
    CHECK_ERR(lseek(fd, -1, SEEK_BOOKMARK | SEEK_POP), EINVAL);
    CHECK_ERR(lseek(fd, 0, 6), EINVAL);                /* unknown reference point */
    CHECK_ERR(lseek(fd, 0, SEEK_SET | 0x400), EINVAL); /* unknown flag */
    CHECK_ERR(lseek(fd, 0, (int)0x80000000 | SEEK_PUSH), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), 30);                  /* [0, 30] */
    CHECK_ERR(lseek(fd, 0x7fffffffffffffffLL, SEEK_BOOKMARK), EINVAL); /* 30 + max overflows */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_POP), 30);                   /* [0] */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 30);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    /* The descriptor is checked first, as the kernel does. */
    CHECK_ERR(lseek(9999, 0, SEEK_BOOKMARK), EBADF);
    CHECK_ERR(lseek(9999, 0, 0x400), EBADF);
    CHECK_ERR(lseek(-1, 0, SEEK_CUR | SEEK_PUSH), EBADF);
    /* Pipes: no position to push, no bookmark to use. */
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERR(lseek(p[0], 0, SEEK_CUR | SEEK_PUSH), ESPIPE);
    CHECK_ERR(lseek(p[0], 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
    CHECK(close(fd) == 0);
}

static void errno_untouched_on_success(void) {
    const int fd = open_file("errno", 100);
    errno = 4242;
    CHECK(lseek(fd, 5, SEEK_SET | SEEK_PUSH) == 5 && errno == 4242);
    CHECK(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP) == 0 && errno == 4242);
    CHECK(lseek(fd, 0, SEEK_CUR) == 0 && errno == 4242);
    CHECK(close(fd) == 0);
}

static void stack_limit(void) {
    const int fd = open_file("limit", 100);
    for (int i = 0; i < SEEKMARK_STACK_MAX; ++i) {
        CHECK_EQ(lseek(fd, i % 50, SEEK_SET | SEEK_PUSH), i % 50);
    }
    CHECK_ERR(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), ENOMEM);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), (SEEKMARK_STACK_MAX - 1) % 50);
    /* Pop and push together keep the depth: allowed at the limit. */
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP), (SEEKMARK_STACK_MAX - 2) % 50);
    int depth = 0;
    while (lseek(fd, 0, SEEK_CUR | SEEK_POP) >= 0) {
        ++depth;
    }
    CHECK_EQ(depth, SEEKMARK_STACK_MAX);
    CHECK(close(fd) == 0);
}

static void dups_share_opens_do_not(void) {
    const int fd = open_file("dups", 1000);
    const int before = dup(fd); /* dup'd before the first bookmark */
    CHECK(before >= 0);
    CHECK_EQ(lseek(fd, 11, SEEK_SET | SEEK_PUSH), 11); /* [0] */
    CHECK_EQ(lseek(before, 3, SEEK_BOOKMARK), 3);
    const int d2 = dup2(fd, 40);
    const int d3 = dup3(fd, 41, O_CLOEXEC);
    const int d4 = fcntl(fd, F_DUPFD, 50);
    const int d5 = fcntl(fd, F_DUPFD_CLOEXEC, 60);
    CHECK(d2 == 40 && d3 == 41 && d4 >= 50 && d5 >= 60);
    CHECK_EQ(lseek(d3, 0, SEEK_CUR | SEEK_PUSH), 3); /* [0, 3] */
    CHECK_EQ(lseek(d2, 0, SEEK_BOOKMARK | SEEK_POP), 3);
    CHECK_EQ(lseek(d4, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_ERR(lseek(d5, 0, SEEK_BOOKMARK), EINVAL);
    /* Another open of the same file is another description. */
    const int other = open(make_file(g_dir, "dups2", 1000), O_RDONLY);
    char path[4096];
    snprintf(path, sizeof path, "%s/dups", g_dir);
    const int same_file = open(path, O_RDONLY);
    CHECK(other >= 0 && same_file >= 0);
    CHECK_EQ(lseek(fd, 9, SEEK_SET | SEEK_PUSH), 9);
    CHECK_ERR(lseek(same_file, 0, SEEK_BOOKMARK), EINVAL);
    /* Closing one number keeps the description (and its stack) for the others. */
    CHECK(close(fd) == 0 && close(before) == 0 && close(d2) == 0);
    CHECK_EQ(lseek(d5, 0, SEEK_BOOKMARK), 0);
    /* dup2 onto a number with bookmarks drops that description from it. */
    CHECK_EQ(dup2(other, d4), d4);
    CHECK_ERR(lseek(d4, 0, SEEK_BOOKMARK), EINVAL);
    CHECK_EQ(lseek(d3, 0, SEEK_BOOKMARK), 0);
    CHECK(close(d3) == 0 && close(d4) == 0 && close(d5) == 0 && close(other) == 0 &&
          close(same_file) == 0);
}

/* A new description under a reused number starts empty, however the old one was closed. */
static void reuse_after_close(void) {
    int fd = open_file("reuse", 1000);
    CHECK_EQ(lseek(fd, 5, SEEK_SET | SEEK_PUSH), 5);
    CHECK(close(fd) == 0);
    const int again = open_file("reuse", 1000);
    CHECK_EQ(again, fd);
    CHECK_ERR(lseek(again, 0, SEEK_BOOKMARK), EINVAL);

    /* fclose closes inside libc. */
    CHECK_EQ(lseek(again, 5, SEEK_SET | SEEK_PUSH), 5);
    CHECK(close(again) == 0);
    FILE *f = fopen(make_file(g_dir, "reuse", 1000), "r");
    CHECK(f != NULL && fileno(f) == fd);
    CHECK_EQ(lseek(fd, 5, SEEK_SET | SEEK_PUSH), 5);
    CHECK(fclose(f) == 0);
    fd = open_file("reuse", 1000);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(fd) == 0);

    /* closedir too. */
    DIR *d = opendir(g_dir);
    CHECK(d != NULL);
    const int dfd = dirfd(d);
    CHECK_EQ(lseek(dfd, 0, SEEK_CUR | SEEK_PUSH), 0);
    CHECK(closedir(d) == 0);
    fd = open_file("reuse", 1000);
    CHECK_EQ(fd, dfd);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);

    /* And a raw close system call, which no wrapper sees: the next open clears it. */
    CHECK_EQ(lseek(fd, 5, SEEK_SET | SEEK_PUSH), 5);
    CHECK(syscall(SYS_close, fd) == 0);
    const int raw = open_file("reuse", 1000);
    CHECK_EQ(raw, fd);
    CHECK_ERR(lseek(raw, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(raw) == 0);
}

/* Bookmarks on an existing file, which this program only reads (a file on an lkmfs
 * mount, say): what is read at a bookmark is what was read there before. */
static void existing_file(const char *path) {
    const int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char all[8192];
    const ssize_t n = read(fd, all, sizeof all);
    CHECK(n > 24);
    char got[8];
    CHECK_EQ(lseek(fd, 5, SEEK_SET | SEEK_PUSH), 5); /* [n] */
    CHECK_EQ(read(fd, got, 8), 8);
    CHECK(memcmp(got, all + 5, 8) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), 13); /* [n, 13] */
    CHECK_EQ(lseek(fd, -8, SEEK_BOOKMARK), 5);
    CHECK_EQ(read(fd, got, 8), 8);
    CHECK(memcmp(got, all + 5, 8) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 13);
    CHECK_EQ(read(fd, got, 8), 8);
    CHECK(memcmp(got, all + 13, 8) == 0);
    /* Shared with a dup and with a child. */
    const int d = dup(fd);
    CHECK(d >= 0);
    const pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_EQ(lseek(d, 0, SEEK_BOOKMARK | SEEK_POP), n);
        CHECK_EQ(lseek(d, 2, SEEK_SET | SEEK_PUSH), 2); /* [n] */
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), n);
    CHECK_EQ(read(fd, got, 8), 0); /* at the end, where the first read left it */
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(fd) == 0 && close(d) == 0);
}

/* Without the shim the kernel refuses every extended whence and changes nothing. */
static void without_shim(void) {
    const int fd = open_file("noshim", 100);
    CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
    CHECK_ERR(lseek(fd, 20, SEEK_SET | SEEK_PUSH), EINVAL);
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK_ERR(lseek(fd, 0, SEEK_CUR | SEEK_POP), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    CHECK(close(fd) == 0);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--file") == 0) {
        existing_file(argv[2]);
        puts("ok");
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--no-shim") == 0) {
        g_dir = argv[2];
        without_shim();
        puts("ok");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s [--no-shim] DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    basics();
    errors_change_nothing();
    errno_untouched_on_success();
    stack_limit();
    dups_share_opens_do_not();
    reuse_after_close();
    puts("ok");
    return 0;
}
