// Tasklets (<linux/interrupt.h>): run on the softirq thread (softirq.h).
#include "exec_context.h"
#include "kernel.h"
#include "softirq.h"

#include <linux/bug.h>
#include <linux/interrupt.h>

using lkmfs::kernel::exec_context;
using lkmfs::kernel::Kernel;

extern "C" void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long),
                             unsigned long data) {
    t->next = nullptr;
    t->state = 0;
    t->count.counter = 0;
    t->use_callback = false;
    t->func = func;
    t->data = data;
}

extern "C" void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *)) {
    t->next = nullptr;
    t->state = 0;
    t->count.counter = 0;
    t->use_callback = true;
    t->callback = callback;
    t->data = 0;
}

extern "C" void __tasklet_schedule(struct tasklet_struct *t) {
    Kernel::get().softirq().schedule_tasklet(t, exec_context().module, false);
}

extern "C" void __tasklet_hi_schedule(struct tasklet_struct *t) {
    Kernel::get().softirq().schedule_tasklet(t, exec_context().module, true);
}

extern "C" void tasklet_kill(struct tasklet_struct *t) {
    if (WARN(in_interrupt(), "tasklet_kill() from interrupt context\n"))
        return;
    Kernel::get().softirq().kill_tasklet(t);
}

extern "C" void tasklet_unlock_wait(struct tasklet_struct *t) {
    Kernel::get().softirq().wait_tasklet_idle(t);
}
