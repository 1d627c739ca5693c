// String to integer conversion with Linux's strictness (lib/kstrtox.c semantics): no
// leading spaces, one optional trailing newline, -EINVAL for junk, -ERANGE for overflow.
#include <cctype>
#include <climits>
#include <cstdlib>
#include <limits>

#include <linux/errno.h>
#include <linux/kstrtox.h>
#include <linux/uaccess.h>

namespace {

// Base detection as _parse_integer_fixup_radix: "0x" means 16 (base 0 or 16), "0" means 8.
const char *fixup_radix(const char *s, unsigned int *base) {
    if (*base == 0) {
        if (s[0] == '0') {
            *base = (std::tolower(static_cast<unsigned char>(s[1])) == 'x' &&
                     std::isxdigit(static_cast<unsigned char>(s[2])))
                        ? 16
                        : 8;
        } else {
            *base = 10;
        }
    }
    if (*base == 16 && s[0] == '0' && std::tolower(static_cast<unsigned char>(s[1])) == 'x')
        s += 2;
    return s;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    return 99;
}

int parse_ull(const char *s, unsigned int base, unsigned long long *res) {
    s = fixup_radix(s, &base);
    unsigned long long value = 0;
    int digits = 0;
    for (; *s != '\0'; ++s, ++digits) {
        int d = digit_value(*s);
        if (d >= static_cast<int>(base))
            break;
        if (__builtin_mul_overflow(value, base, &value) ||
            __builtin_add_overflow(value, static_cast<unsigned>(d), &value))
            return -ERANGE;
    }
    if (digits == 0)
        return -EINVAL;
    if (*s == '\n')
        ++s;
    if (*s != '\0')
        return -EINVAL;
    *res = value;
    return 0;
}

template <class T>
int to_signed(const char *s, unsigned int base, T *res) {
    long long value;
    int rv = kstrtoll(s, base, &value);
    if (rv < 0)
        return rv;
    if (value < static_cast<long long>(std::numeric_limits<T>::min()) ||
        value > static_cast<long long>(std::numeric_limits<T>::max()))
        return -ERANGE;
    *res = static_cast<T>(value);
    return 0;
}

template <class T>
int to_unsigned(const char *s, unsigned int base, T *res) {
    unsigned long long value;
    int rv = kstrtoull(s, base, &value);
    if (rv < 0)
        return rv;
    if (value > static_cast<unsigned long long>(std::numeric_limits<T>::max()))
        return -ERANGE;
    *res = static_cast<T>(value);
    return 0;
}

template <class T, class Parse>
int from_user(const char *s, size_t count, unsigned int base, T *res, Parse parse) {
    char buf[1 + sizeof(unsigned long long) * 8 + 1 + 1];
    count = count < sizeof buf - 1 ? count : sizeof buf - 1;
    if (copy_from_user(buf, s, count) != 0)
        return -EFAULT;
    buf[count] = '\0';
    return parse(buf, base, res);
}

} // namespace

extern "C" int kstrtoull(const char *s, unsigned int base, unsigned long long *res) {
    if (s[0] == '+')
        ++s;
    return parse_ull(s, base, res);
}

extern "C" int kstrtoll(const char *s, unsigned int base, long long *res) {
    unsigned long long magnitude;
    if (s[0] == '-') {
        int rv = parse_ull(s + 1, base, &magnitude);
        if (rv < 0)
            return rv;
        if (magnitude > static_cast<unsigned long long>(LLONG_MAX) + 1)
            return -ERANGE;
        *res = magnitude == static_cast<unsigned long long>(LLONG_MAX) + 1
                   ? LLONG_MIN
                   : -static_cast<long long>(magnitude);
        return 0;
    }
    int rv = kstrtoull(s, base, &magnitude);
    if (rv < 0)
        return rv;
    if (magnitude > static_cast<unsigned long long>(LLONG_MAX))
        return -ERANGE;
    *res = static_cast<long long>(magnitude);
    return 0;
}

extern "C" int kstrtoul(const char *s, unsigned int base, unsigned long *res) {
    return to_unsigned(s, base, res);
}
extern "C" int kstrtol(const char *s, unsigned int base, long *res) {
    return to_signed(s, base, res);
}
extern "C" int kstrtouint(const char *s, unsigned int base, unsigned int *res) {
    return to_unsigned(s, base, res);
}
extern "C" int kstrtoint(const char *s, unsigned int base, int *res) {
    return to_signed(s, base, res);
}
extern "C" int kstrtou16(const char *s, unsigned int base, u16 *res) {
    return to_unsigned(s, base, res);
}
extern "C" int kstrtos16(const char *s, unsigned int base, s16 *res) {
    return to_signed(s, base, res);
}
extern "C" int kstrtou8(const char *s, unsigned int base, u8 *res) {
    return to_unsigned(s, base, res);
}
extern "C" int kstrtos8(const char *s, unsigned int base, s8 *res) {
    return to_signed(s, base, res);
}

extern "C" int kstrtobool(const char *s, bool *res) {
    if (s == nullptr)
        return -EINVAL;
    switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
        *res = true;
        return 0;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
        *res = false;
        return 0;
    case 'o':
    case 'O':
        switch (s[1]) {
        case 'n':
        case 'N':
            *res = true;
            return 0;
        case 'f':
        case 'F':
            *res = false;
            return 0;
        default:
            break;
        }
        break;
    default:
        break;
    }
    return -EINVAL;
}

extern "C" int kstrtoint_from_user(const char *s, size_t count, unsigned int base, int *res) {
    return from_user(s, count, base, res, kstrtoint);
}
extern "C" int kstrtouint_from_user(const char *s, size_t count, unsigned int base,
                                    unsigned int *res) {
    return from_user(s, count, base, res, kstrtouint);
}
extern "C" int kstrtol_from_user(const char *s, size_t count, unsigned int base, long *res) {
    return from_user(s, count, base, res, kstrtol);
}
extern "C" int kstrtoul_from_user(const char *s, size_t count, unsigned int base,
                                  unsigned long *res) {
    return from_user(s, count, base, res, kstrtoul);
}

extern "C" unsigned long long simple_strtoull(const char *cp, char **endp, unsigned int base) {
    return std::strtoull(cp, endp, static_cast<int>(base));
}
extern "C" unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base) {
    return std::strtoul(cp, endp, static_cast<int>(base));
}
extern "C" long simple_strtol(const char *cp, char **endp, unsigned int base) {
    return std::strtol(cp, endp, static_cast<int>(base));
}
extern "C" long long simple_strtoll(const char *cp, char **endp, unsigned int base) {
    return std::strtoll(cp, endp, static_cast<int>(base));
}
