// <linux/string.h> and <linux/kernel.h> helpers that the C library does not provide.
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

extern "C" ssize_t strscpy(char *dest, const char *src, size_t count) {
    if (count == 0)
        return -E2BIG;
    size_t len = strnlen(src, count);
    if (len == count) {
        std::memcpy(dest, src, count - 1);
        dest[count - 1] = '\0';
        return -E2BIG;
    }
    std::memcpy(dest, src, len + 1);
    return static_cast<ssize_t>(len);
}

extern "C" size_t strlcpy(char *dest, const char *src, size_t size) {
    size_t len = std::strlen(src);
    if (size != 0) {
        size_t n = len >= size ? size - 1 : len;
        std::memcpy(dest, src, n);
        dest[n] = '\0';
    }
    return len;
}

extern "C" char *skip_spaces(const char *str) {
    while (std::isspace(static_cast<unsigned char>(*str)))
        ++str;
    return const_cast<char *>(str);
}

extern "C" char *strim(char *s) {
    size_t size = std::strlen(s);
    if (size == 0)
        return s;
    char *end = s + size - 1;
    while (end >= s && std::isspace(static_cast<unsigned char>(*end)))
        --end;
    end[1] = '\0';
    return skip_spaces(s);
}

extern "C" void *memchr_inv(const void *start, int c, size_t bytes) {
    auto *p = static_cast<const unsigned char *>(start);
    for (size_t i = 0; i < bytes; ++i)
        if (p[i] != static_cast<unsigned char>(c))
            return const_cast<unsigned char *>(p + i);
    return nullptr;
}

extern "C" int sysfs_streq(const char *s1, const char *s2) {
    while (*s1 && *s1 == *s2) {
        ++s1;
        ++s2;
    }
    if (*s1 == *s2)
        return 1;
    if (!*s1 && *s2 == '\n' && !s2[1])
        return 1;
    if (*s1 == '\n' && !s1[1] && !*s2)
        return 1;
    return 0;
}

extern "C" int vscnprintf(char *buf, size_t size, const char *fmt, va_list args) {
    if (size == 0)
        return 0;
    int n = std::vsnprintf(buf, size, fmt, args);
    if (n < 0)
        return 0;
    return static_cast<size_t>(n) < size ? n : static_cast<int>(size - 1);
}

extern "C" int scnprintf(char *buf, size_t size, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = vscnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}

extern "C" char *kasprintf(gfp_t gfp, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    if (n < 0)
        return nullptr;
    auto *p = static_cast<char *>(kmalloc(static_cast<size_t>(n) + 1, gfp));
    if (p == nullptr)
        return nullptr;
    va_start(args, fmt);
    std::vsnprintf(p, static_cast<size_t>(n) + 1, fmt, args);
    va_end(args);
    return p;
}
