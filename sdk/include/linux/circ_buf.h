/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Circular buffer arithmetic, as <linux/circ_buf.h>. size must be a power of two; head is
 * where the producer writes next, tail where the consumer reads next. One slot always stays
 * free, so head == tail means empty. The arguments may be evaluated more than once.
 */
#ifndef _LKMFS_LINUX_CIRC_BUF_H
#define _LKMFS_LINUX_CIRC_BUF_H

struct circ_buf {
    char *buf;
    int head;
    int tail;
};

/* Items in the buffer. */
#define CIRC_CNT(head, tail, size) (((head) - (tail)) & ((size)-1))

/* Free slots: how much the producer may add. */
#define CIRC_SPACE(head, tail, size) CIRC_CNT((tail), ((head) + 1), (size))

/* Items readable without wrapping around the end of the array. */
#define CIRC_CNT_TO_END(head, tail, size)                                                          \
    ((((head) + (size) - (tail)) & ((size)-1)) < ((size) - (tail))                                 \
         ? (((head) + (size) - (tail)) & ((size)-1))                                               \
         : ((size) - (tail)))

/* Free slots writable without wrapping around the end of the array. */
#define CIRC_SPACE_TO_END(head, tail, size)                                                        \
    ((((size)-1 - (head) + (tail)) & ((size)-1)) <= ((size)-1 - (head))                            \
         ? (((size)-1 - (head) + (tail)) & ((size)-1))                                             \
         : ((size) - (head)))

#endif
