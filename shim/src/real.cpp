#include "real.h"

#include "layout.h"

#include <dlfcn.h>

namespace seekmark::real {

namespace {
// Set while this thread is inside dlsym: a wrapper entered from there must not recurse.
[[gnu::tls_model("initial-exec")]] thread_local bool t_resolving = false;
} // namespace

void *lookup(void *&cache, const char *name) noexcept {
    void *fn = atom(cache).load(std::memory_order_acquire);
    if (fn != nullptr || t_resolving) {
        return fn;
    }
    t_resolving = true;
    fn = dlsym(RTLD_NEXT, name);
    t_resolving = false;
    atom(cache).store(fn, std::memory_order_release);
    return fn;
}

void resolve_all() noexcept {
    (void)close();
    (void)close_range();
    (void)closefrom();
    (void)dup();
    (void)dup2();
    (void)dup3();
    (void)fcntl();
    (void)fcntl64();
    (void)fclose();
    (void)fcloseall();
    (void)closedir();
    (void)freopen();
    (void)freopen64();
    (void)pclose();
    (void)fork();
    (void)_Fork();
    (void)fseek();
    (void)fseeko();
    (void)fseeko64();
    (void)ftello();
    (void)open();
    (void)open64();
    (void)openat();
    (void)openat64();
    (void)__open_2();
    (void)__open64_2();
    (void)__openat_2();
    (void)__openat64_2();
    (void)creat();
    (void)creat64();
    (void)fopen();
    (void)fopen64();
    (void)opendir();
    (void)pipe();
    (void)pipe2();
    (void)socket();
    (void)socketpair();
    (void)accept();
    (void)accept4();
}

} // namespace seekmark::real
