/* Checks for the client programs: on failure, say where and what, and exit 1, so that
 * the test that runs the program fails with that message. */
#ifndef SEEKMARK_CLIENT_CHECK_H
#define SEEKMARK_CLIENT_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", __FILE__, __LINE__, #cond, \
                    errno, strerror(errno));                                                       \
            fflush(stderr);                                                                        \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* expr must give `want`. */
#define CHECK_EQ(expr, want)                                                                       \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long long got_ = (long long)(expr);                                                        \
        long long want_ = (long long)(want);                                                       \
        if (got_ != want_) {                                                                       \
            fprintf(stderr, "%s:%d: %s gave %lld (errno %d: %s), want %lld\n", __FILE__, __LINE__, \
                    #expr, got_, errno, strerror(errno), want_);                                   \
            fflush(stderr);                                                                        \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* expr must fail (-1) with errno `err`. */
#define CHECK_ERR(expr, err)                                                                       \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long long got_ = (long long)(expr);                                                        \
        int errno_ = errno;                                                                        \
        if (got_ != -1 || errno_ != (err)) {                                                       \
            fprintf(stderr, "%s:%d: %s gave %lld errno %d (%s), want -1 errno %d (%s)\n",          \
                    __FILE__, __LINE__, #expr, got_, errno_, strerror(errno_), (int)(err),         \
                    strerror(err));                                                                \
            fflush(stderr);                                                                        \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* A file of `size` bytes where byte i is 'a' + i % 26, in directory `dir`. Returns its
 * path in a static buffer (one file per name). */
static inline const char *make_file(const char *dir, const char *name, long size) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (long i = 0; i < size; ++i) {
        CHECK(fputc("abcdefghijklmnopqrstuvwxyz"[i % 26], f) != EOF);
    }
    CHECK(fclose(f) == 0);
    return path;
}

#endif
