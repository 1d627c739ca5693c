// Raw system calls: they neither read nor write errno and need no symbol resolution, so
// they work in any context the shim can be entered from (signal handlers, other libraries'
// constructors, a wrapper that runs while dlsym is still resolving the real functions).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace seekmark::sys {

// Returns the kernel's answer: a value >= 0, or -errno.
inline long call(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0,
                 long f = 0) noexcept {
#if defined(__x86_64__)
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    register long r9 asm("r9") = f;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 asm("x8") = nr;
    register long x0 asm("x0") = a;
    register long x1 asm("x1") = b;
    register long x2 asm("x2") = c;
    register long x3 asm("x3") = d;
    register long x4 asm("x4") = e;
    register long x5 asm("x5") = f;
    asm volatile("svc 0"
                 : "+r"(x0)
                 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                 : "memory");
    return x0;
#else
    // Elsewhere through libc's syscall(), keeping errno as it was.
    const int saved = errno;
    long ret = ::syscall(nr, a, b, c, d, e, f);
    if (ret == -1) {
        ret = -errno;
    }
    errno = saved;
    return ret;
#endif
}

// The kernel's error convention, exactly as glibc's syscall wrappers apply it.
inline bool failed(long ret) noexcept {
    return ret < 0 && ret > -4096;
}

// Stores the error of `ret` in errno and returns -1, as a libc wrapper does.
inline long fail(long ret) noexcept {
    errno = static_cast<int>(-ret);
    return -1;
}

// lseek is the fast path of every standard seek: only the three registers it needs.
inline long lseek(int fd, long off, int whence) noexcept {
#if defined(__x86_64__)
    long ret;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(long{SYS_lseek}), "D"(long{fd}), "S"(off), "d"(long{whence})
                 : "rcx", "r11", "memory");
    return ret;
#else
    return call(SYS_lseek, fd, off, whence);
#endif
}
inline long getpid() noexcept {
    return call(SYS_getpid);
}
inline long kill(long pid, int sig) noexcept {
    return call(SYS_kill, pid, sig);
}
inline long sched_yield() noexcept {
    return call(SYS_sched_yield);
}
inline long fcntl(int fd, int cmd, long arg = 0) noexcept {
    return call(SYS_fcntl, fd, cmd, arg);
}

// kcmp(KCMP_FILE): 0 when both descriptors refer to the same open file description.
inline long same_file(long pid1, long pid2, int fd1, int fd2) noexcept {
    constexpr long kcmp_file = 0; // KCMP_FILE from <linux/kcmp.h>
    return call(SYS_kcmp, pid1, pid2, kcmp_file, fd1, fd2);
}

} // namespace seekmark::sys
