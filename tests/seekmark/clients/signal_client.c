/* Bookmark operations from signal handlers (issue 5: the bookmark path is async-signal-safe:
 * no malloc, no lock a handler could wait on forever, errno untouched on success).
 *
 * A timer interrupts the main thread thousands of times while it runs bookmark operations.
 * The handler works on its own description (it must always succeed and leave the stack as
 * it found it) and also swaps on the main thread's description: there it either succeeds
 * or, when it interrupted an operation on that very description, gets EDEADLK at once
 * (it cannot wait for the operation it interrupted). Either way the swap invariant (see
 * hammer_client.c) must hold at the end, and nothing may hang.
 *
 *   seekmark_signal_client DIR   (with LD_PRELOAD=libseekmark.so)
 */
#define _GNU_SOURCE
#include "check.h"

#include <seekmark.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>

enum { kValues = 16 };

static int g_shared;  /* the main thread's description */
static int g_private; /* the handler's own */
static volatile sig_atomic_t g_handled, g_deadlocks, g_failures;

static void handler(int sig) {
    (void)sig;
    const int saved = errno;
    errno = 777;
    /* Its own description: push, look, pop; the position comes back. */
    const off_t at = lseek(g_private, 0, SEEK_CUR);
    if (lseek(g_private, at + 10, SEEK_SET | SEEK_PUSH) != at + 10 ||
        lseek(g_private, 0, SEEK_BOOKMARK) != at ||
        lseek(g_private, 0, SEEK_BOOKMARK | SEEK_POP) != at || errno != 777) {
        g_failures = g_failures + 1;
    }
    /* The main thread's description. */
    if (lseek(g_shared, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP) < 0) {
        if (errno == EDEADLK) {
            g_deadlocks = g_deadlocks + 1;
        } else {
            g_failures = g_failures + 1;
        }
    }
    g_handled = g_handled + 1;
    errno = saved;
}

static int cmp_long(const void *a, const void *b) {
    const long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_shared = open(make_file(argv[1], "shared", 1000), O_RDONLY);
    g_private = open(make_file(argv[1], "private", 1000), O_RDONLY);
    CHECK(g_shared >= 0 && g_private >= 0);
    for (long v = 1; v <= kValues; ++v) {
        CHECK_EQ(lseek(g_shared, v, SEEK_SET | SEEK_PUSH), v);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval every = {{0, 50}, {0, 50}}; /* as often as the kernel allows */
    CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);

    long ops = 0;
    while (g_handled < 3000 && ops < 50000000) {
        CHECK(lseek(g_shared, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP) >= 0);
        CHECK(lseek(g_shared, 0, SEEK_CUR | SEEK_PUSH) >= 0);
        CHECK(lseek(g_shared, 0, SEEK_CUR | SEEK_POP) >= 0);
        ops += 3;
    }
    struct itimerval stop = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &stop, NULL) == 0);
    CHECK(g_failures == 0);
    CHECK(g_handled > 0);

    long seen[kValues + 1];
    seen[0] = lseek(g_shared, 0, SEEK_CUR);
    for (int i = 1; i <= kValues; ++i) {
        seen[i] = lseek(g_shared, 0, SEEK_BOOKMARK | SEEK_POP);
        CHECK(seen[i] >= 0);
    }
    CHECK_ERR(lseek(g_shared, 0, SEEK_BOOKMARK), EINVAL);
    qsort(seen, kValues + 1, sizeof seen[0], cmp_long);
    for (long v = 0; v <= kValues; ++v) {
        CHECK_EQ(seen[v], v);
    }
    CHECK_ERR(lseek(g_private, 0, SEEK_BOOKMARK), EINVAL);
    printf("ok %ld operations, %d signals handled, %d EDEADLK\n", ops, (int)g_handled,
           (int)g_deadlocks);
    return 0;
}
