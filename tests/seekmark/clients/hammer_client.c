/* Threads hammering bookmarks on one description (contract item 7: concurrent bookmark
 * operations on one description are atomic with respect to each other).
 *
 * The stack starts as positions 0..M-1 with the position at M. A swap (SEEK_BOOKMARK |
 * SEEK_PUSH | SEEK_POP) exchanges the position and the top bookmark, so any number of
 * atomic swaps keeps {position} + stack equal to {0..M}; a torn one (two threads reading
 * the same top, or a position read before another thread's move) duplicates or loses a
 * value. Push/pop pairs on top of that must leave the depth where it was. Threads on
 * other descriptions run at the same time and must see only their own stacks.
 *
 *   seekmark_hammer_client DIR [THREADS] [ITERATIONS]   (with LD_PRELOAD=libseekmark.so)
 */
#define _GNU_SOURCE
#include "check.h"

#include <seekmark.h>

#include <fcntl.h>
#include <pthread.h>

enum { kValues = 64 };

static int g_fd;
static int g_iterations;

static void *swapper(void *arg) {
    (void)arg;
    for (int i = 0; i < g_iterations; ++i) {
        CHECK(lseek(g_fd, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP) >= 0);
    }
    return NULL;
}

static void *pusher(void *arg) {
    (void)arg;
    for (int i = 0; i < g_iterations; ++i) {
        /* push the current position, then drop the top: net zero on the depth */
        CHECK(lseek(g_fd, 0, SEEK_CUR | SEEK_PUSH) >= 0);
        CHECK(lseek(g_fd, 0, SEEK_CUR | SEEK_POP) >= 0);
    }
    return NULL;
}

/* A description of its own, used through a dup: pushes and pops must pair exactly. */
static void *loner(void *arg) {
    const int fd = *(const int *)arg;
    const int other = dup(fd);
    CHECK(other >= 0);
    for (int i = 0; i < g_iterations; ++i) {
        CHECK_EQ(lseek(fd, i % 1000, SEEK_SET), i % 1000);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), i % 1000);
        CHECK_EQ(lseek(other, 5, SEEK_SET), 5);
        CHECK_EQ(lseek(other, 0, SEEK_BOOKMARK | SEEK_POP), i % 1000);
    }
    CHECK_ERR(lseek(fd, 0, SEEK_BOOKMARK), EINVAL);
    CHECK(close(other) == 0);
    return NULL;
}

static int cmp_long(const void *a, const void *b) {
    const long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [THREADS] [ITERATIONS]\n", argv[0]);
        return 2;
    }
    const int threads = argc > 2 ? atoi(argv[2]) : 4;
    g_iterations = argc > 3 ? atoi(argv[3]) : 20000;
    g_fd = open(make_file(argv[1], "hammer", 1000), O_RDONLY);
    CHECK(g_fd >= 0);
    for (long v = 1; v <= kValues; ++v) {
        CHECK_EQ(lseek(g_fd, v, SEEK_SET | SEEK_PUSH), v); /* pushes v - 1 */
    }
    int lone_fds[2];
    for (int i = 0; i < 2; ++i) {
        lone_fds[i] = open(make_file(argv[1], i == 0 ? "lone0" : "lone1", 1000), O_RDONLY);
        CHECK(lone_fds[i] >= 0);
    }

    pthread_t t[64];
    int n = 0;
    for (int i = 0; i < threads && n < 60; ++i) {
        CHECK(pthread_create(&t[n++], NULL, swapper, NULL) == 0);
        CHECK(pthread_create(&t[n++], NULL, pusher, NULL) == 0);
    }
    CHECK(pthread_create(&t[n++], NULL, loner, &lone_fds[0]) == 0);
    CHECK(pthread_create(&t[n++], NULL, loner, &lone_fds[1]) == 0);
    for (int i = 0; i < n; ++i) {
        CHECK(pthread_join(t[i], NULL) == 0);
    }

    long seen[kValues + 1];
    seen[0] = lseek(g_fd, 0, SEEK_CUR);
    for (int i = 1; i <= kValues; ++i) {
        seen[i] = lseek(g_fd, 0, SEEK_BOOKMARK | SEEK_POP);
        CHECK(seen[i] >= 0);
    }
    CHECK_ERR(lseek(g_fd, 0, SEEK_BOOKMARK), EINVAL); /* the depth is back to kValues */
    qsort(seen, kValues + 1, sizeof seen[0], cmp_long);
    for (long v = 0; v <= kValues; ++v) {
        if (seen[v] != v) {
            fprintf(stderr, "value %ld missing (found %ld): a torn swap\n", v, seen[v]);
            return 1;
        }
    }
    printf("ok %d threads x %d iterations\n", n, g_iterations);
    return 0;
}
