// The clocks of <linux/timekeeping.h>: the host's clocks, in nanoseconds.
#include <time.h>

#include <linux/ktime.h>
#include <linux/timekeeping.h>

namespace {

ktime_t read_clock(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<ktime_t>(ts.tv_sec) * NSEC_PER_SEC + ts.tv_nsec;
}

void read_clock_ts64(clockid_t id, timespec64 *out) {
    timespec ts{};
    clock_gettime(id, &ts);
    out->tv_sec = ts.tv_sec;
    out->tv_nsec = ts.tv_nsec;
}

} // namespace

extern "C" ktime_t ktime_get(void) {
    return read_clock(CLOCK_MONOTONIC);
}

extern "C" ktime_t ktime_get_real(void) {
    return read_clock(CLOCK_REALTIME);
}

extern "C" ktime_t ktime_get_boottime(void) {
    return read_clock(CLOCK_BOOTTIME);
}

extern "C" ktime_t ktime_get_raw(void) {
    return read_clock(CLOCK_MONOTONIC_RAW);
}

extern "C" ktime_t ktime_get_coarse(void) {
    return read_clock(CLOCK_MONOTONIC_COARSE);
}

extern "C" time64_t ktime_get_seconds(void) {
    return ktime_get() / NSEC_PER_SEC;
}

extern "C" time64_t ktime_get_real_seconds(void) {
    return ktime_get_real() / NSEC_PER_SEC;
}

extern "C" void ktime_get_ts64(struct timespec64 *ts) {
    read_clock_ts64(CLOCK_MONOTONIC, ts);
}

extern "C" void ktime_get_real_ts64(struct timespec64 *ts) {
    read_clock_ts64(CLOCK_REALTIME, ts);
}

extern "C" void ktime_get_raw_ts64(struct timespec64 *ts) {
    read_clock_ts64(CLOCK_MONOTONIC_RAW, ts);
}

extern "C" void ktime_get_boottime_ts64(struct timespec64 *ts) {
    read_clock_ts64(CLOCK_BOOTTIME, ts);
}

extern "C" void ktime_get_coarse_real_ts64(struct timespec64 *ts) {
    read_clock_ts64(CLOCK_REALTIME_COARSE, ts);
}
