/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local interrupt state, as <linux/irqflags.h>. There are no interrupts to mask in the
 * daemon; each thread records whether its code runs "with interrupts disabled", which
 * counts as atomic context for the debug checks. The saved flags look like x86's EFLAGS:
 * bit 9 (IF) set while interrupts are enabled.
 */
#ifndef _LKMFS_LINUX_IRQFLAGS_H
#define _LKMFS_LINUX_IRQFLAGS_H

#include <linux/types.h>
#include <lkmfs/kapi.h>

#define X86_EFLAGS_IF 0x00000200UL

KAPI_BEGIN
unsigned long arch_local_save_flags(void);
unsigned long arch_local_irq_save(void);
void arch_local_irq_restore(unsigned long flags);
void arch_local_irq_disable(void);
void arch_local_irq_enable(void);
KAPI_END

static inline int arch_irqs_disabled_flags(unsigned long flags) {
    return !(flags & X86_EFLAGS_IF);
}

#define local_irq_enable() arch_local_irq_enable()
#define local_irq_disable() arch_local_irq_disable()
#define local_irq_save(flags)                                                                      \
    do {                                                                                           \
        (flags) = arch_local_irq_save();                                                           \
    } while (0)
#define local_irq_restore(flags) arch_local_irq_restore(flags)
#define local_save_flags(flags)                                                                    \
    do {                                                                                           \
        (flags) = arch_local_save_flags();                                                         \
    } while (0)
#define irqs_disabled() arch_irqs_disabled_flags(arch_local_save_flags())
#define irqs_disabled_flags(flags) arch_irqs_disabled_flags(flags)

#define raw_local_irq_enable() local_irq_enable()
#define raw_local_irq_disable() local_irq_disable()
#define raw_local_irq_save(flags) local_irq_save(flags)
#define raw_local_irq_restore(flags) local_irq_restore(flags)
#define raw_irqs_disabled() irqs_disabled()

#endif
