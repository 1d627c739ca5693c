// Reports misuse of a struct kref (<linux/kref.h>) as Linux's refcount_t does: a warning in
// kmsg, and the count saturated so that the object is leaked rather than freed twice.
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/printk.h>

extern "C" void lkmfs_kref_warn(struct kref *kref, int misuse) {
    const char *what = "saturated; leaking memory.";
    if (misuse == __KREF_ADD_ON_ZERO)
        what = "addition on 0; use-after-free.";
    else if (misuse == __KREF_UNDERFLOW)
        what = "underflow; use-after-free.";
    __atomic_store_n(&kref->refcount.refs.counter, __KREF_SATURATED, __ATOMIC_RELAXED);
    printk(KERN_WARNING "refcount_t: %s\n", what);
}
