// The functions the shim wraps, as the next object in the lookup order (libc) defines them.
// Each is resolved with dlsym(RTLD_NEXT) at its first use; init.cpp resolves all of them in
// the library's constructor, so that later uses (possibly from signal handlers, where dlsym
// is not safe) only load a pointer. A use while this thread is inside dlsym (an allocator
// that opens files during its own lazy initialisation, say) gets nullptr, and the wrapper
// falls back to the raw system call.
#pragma once

#include <dirent.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdio>

namespace seekmark::real {

void *lookup(void *&cache, const char *name) noexcept;
void resolve_all() noexcept;

#define SEEKMARK_REAL(name, ret, params)                                                           \
    using name##_fn = ret(*) params;                                                               \
    inline name##_fn name() noexcept {                                                             \
        static void *cache = nullptr;                                                              \
        return reinterpret_cast<name##_fn>(lookup(cache, #name));                                  \
    }

SEEKMARK_REAL(close, int, (int))
SEEKMARK_REAL(close_range, int, (unsigned, unsigned, int))
SEEKMARK_REAL(closefrom, void, (int))
SEEKMARK_REAL(dup, int, (int))
SEEKMARK_REAL(dup2, int, (int, int))
SEEKMARK_REAL(dup3, int, (int, int, int))
SEEKMARK_REAL(fcntl, int, (int, int, ...))
SEEKMARK_REAL(fcntl64, int, (int, int, ...))
SEEKMARK_REAL(fclose, int, (FILE *))
SEEKMARK_REAL(fcloseall, int, ())
SEEKMARK_REAL(closedir, int, (DIR *))
SEEKMARK_REAL(freopen, FILE *, (const char *, const char *, FILE *))
SEEKMARK_REAL(freopen64, FILE *, (const char *, const char *, FILE *))
SEEKMARK_REAL(pclose, int, (FILE *))
SEEKMARK_REAL(fork, pid_t, ())
SEEKMARK_REAL(_Fork, pid_t, ())
SEEKMARK_REAL(fseek, int, (FILE *, long, int))
SEEKMARK_REAL(fseeko, int, (FILE *, off_t, int))
SEEKMARK_REAL(fseeko64, int, (FILE *, off_t, int))
SEEKMARK_REAL(ftello, off_t, (FILE *))
SEEKMARK_REAL(open, int, (const char *, int, ...))
SEEKMARK_REAL(open64, int, (const char *, int, ...))
SEEKMARK_REAL(openat, int, (int, const char *, int, ...))
SEEKMARK_REAL(openat64, int, (int, const char *, int, ...))
SEEKMARK_REAL(__open_2, int, (const char *, int))
SEEKMARK_REAL(__open64_2, int, (const char *, int))
SEEKMARK_REAL(__openat_2, int, (int, const char *, int))
SEEKMARK_REAL(__openat64_2, int, (int, const char *, int))
SEEKMARK_REAL(creat, int, (const char *, mode_t))
SEEKMARK_REAL(creat64, int, (const char *, mode_t))
SEEKMARK_REAL(fopen, FILE *, (const char *, const char *))
SEEKMARK_REAL(fopen64, FILE *, (const char *, const char *))
SEEKMARK_REAL(opendir, DIR *, (const char *))
SEEKMARK_REAL(pipe, int, (int *))
SEEKMARK_REAL(pipe2, int, (int *, int))
SEEKMARK_REAL(socket, int, (int, int, int))
SEEKMARK_REAL(socketpair, int, (int, int, int, int *))
SEEKMARK_REAL(accept, int, (int, sockaddr *, socklen_t *))
SEEKMARK_REAL(accept4, int, (int, sockaddr *, socklen_t *, int))

#undef SEEKMARK_REAL

} // namespace seekmark::real
