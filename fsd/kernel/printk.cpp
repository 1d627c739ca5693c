// printk: the C entry points of <linux/printk.h>, storing into the kernel log.
#include "exec_context.h"
#include "kernel.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include <linux/printk.h>

namespace {

constexpr int kDefaultMessageLoglevel = 4; // CONFIG_MESSAGE_LOGLEVEL_DEFAULT

struct Prefix {
    int level = -1; // -1: none given (KERN_DEFAULT)
    bool cont = false;
};

// Consumes the KERN_SOH-prefixed level/cont markers at the start of a message.
Prefix parse_prefix(const char **text) {
    Prefix prefix;
    const char *p = *text;
    while (p[0] == KERN_SOH_ASCII && p[1] != '\0') {
        char c = p[1];
        if (c >= '0' && c <= '7')
            prefix.level = c - '0';
        else if (c == 'c')
            prefix.cont = true;
        else if (c != 'd') // 'd' = KERN_DEFAULT in older kernels
            break;
        p += 2;
    }
    *text = p;
    return prefix;
}

} // namespace

extern "C" int vprintk(const char *fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    char small[512];
    int n = std::vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0)
        return 0;
    std::string text;
    if (static_cast<std::size_t>(n) < sizeof small) {
        text.assign(small, static_cast<std::size_t>(n));
    } else {
        text.resize(static_cast<std::size_t>(n) + 1);
        std::vsnprintf(text.data(), text.size(), fmt, args);
        text.resize(static_cast<std::size_t>(n));
    }
    const char *body = text.c_str();
    Prefix prefix = parse_prefix(&body);
    int level = prefix.level >= 0 ? prefix.level : kDefaultMessageLoglevel;
    std::string_view message(body);
    // Continuations belong to the task, as in Linux: the process a handler serves, not
    // whichever FUSE worker thread serves this call.
    auto &ctx = lkmfs::kernel::exec_context();
    pid_t caller = ctx.has_task ? ctx.task.pid : static_cast<pid_t>(::syscall(SYS_gettid));
    lkmfs::kernel::Kernel::get().log().store(level, prefix.cont, caller, message);
    if (!message.empty() && message.back() == '\n')
        message.remove_suffix(1);
    return static_cast<int>(message.size());
}

extern "C" int _printk(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = vprintk(fmt, args);
    va_end(args);
    return n;
}
