/* SPDX-License-Identifier: GPL-2.0 */
/*
 * First-in first-out queues of fixed-size elements, as <linux/kfifo.h>.
 *
 * The size is a power of two; `in` and `out` count elements ever added and removed and are
 * allowed to wrap, so the length is simply in - out. With one reader and one writer no lock
 * is needed; otherwise the caller locks. Variable-length record fifos (recsize != 0), the
 * *_spinlocked forms and the DMA helpers are not provided.
 *
 *   DECLARE_KFIFO(fifo, int, 16);  INIT_KFIFO(fifo);     a fifo with its buffer inside
 *   DEFINE_KFIFO(fifo, int, 16);                          the same, initialised statically
 *   struct kfifo bytes;  kfifo_alloc(&bytes, 4096, GFP_KERNEL);   bytes, buffer allocated
 *   DECLARE_KFIFO_PTR(fifo, struct item);  kfifo_alloc(&fifo, 64, GFP_KERNEL);
 */
#ifndef _LKMFS_LINUX_KFIFO_H
#define _LKMFS_LINUX_KFIFO_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <lkmfs/kapi.h>

struct __kfifo {
    unsigned int in;    /* elements ever added */
    unsigned int out;   /* elements ever removed */
    unsigned int mask;  /* size - 1; 0 while not initialised */
    unsigned int esize; /* bytes per element */
    void *data;
};

/*
 * The member holding the struct __kfifo: `kfifo` as in Linux, except in C++, where a member
 * may not share its name with the class (struct kfifo). Use the kfifo_* macros, not it.
 */
#ifdef __cplusplus
#define __KFIFO_MEMBER kfifo_
#else
#define __KFIFO_MEMBER kfifo
#endif

/* The type-carrying pointers only give the element type to the macros; never used. */
#define __STRUCT_KFIFO_COMMON(datatype, ptrtype)                                                   \
    union {                                                                                        \
        struct __kfifo __KFIFO_MEMBER;                                                             \
        datatype *type;                                                                            \
        const datatype *const_type;                                                                \
        ptrtype *ptr;                                                                              \
        ptrtype const *ptr_const;                                                                  \
    }

/* size must be a power of two >= 2 (otherwise the array size is negative: a build error). */
#define __STRUCT_KFIFO(type, size, ptrtype)                                                        \
    {                                                                                              \
        __STRUCT_KFIFO_COMMON(type, ptrtype);                                                      \
        type buf[(((size) < 2) || ((size) & ((size)-1))) ? -1 : (size)];                           \
    }
#define STRUCT_KFIFO(type, size) struct __STRUCT_KFIFO(type, size, type)

#define __STRUCT_KFIFO_PTR(type, ptrtype)                                                          \
    { __STRUCT_KFIFO_COMMON(type, ptrtype); }
#define STRUCT_KFIFO_PTR(type) struct __STRUCT_KFIFO_PTR(type, type)

/* A fifo of bytes whose buffer is allocated (kfifo_alloc) or given (kfifo_init). */
struct kfifo __STRUCT_KFIFO_PTR(unsigned char, void);

#define DECLARE_KFIFO_PTR(fifo, type) STRUCT_KFIFO_PTR(type) fifo
#define DECLARE_KFIFO(fifo, type, size) STRUCT_KFIFO(type, size) fifo

/* Initialises a fifo declared with DECLARE_KFIFO. */
#define INIT_KFIFO(fifo)                                                                           \
    do {                                                                                           \
        (fifo).__KFIFO_MEMBER.in = 0;                                                              \
        (fifo).__KFIFO_MEMBER.out = 0;                                                             \
        (fifo).__KFIFO_MEMBER.mask = (unsigned int)ARRAY_SIZE((fifo).buf) - 1;                     \
        (fifo).__KFIFO_MEMBER.esize = (unsigned int)sizeof(*(fifo).buf);                           \
        (fifo).__KFIFO_MEMBER.data = (fifo).buf;                                                   \
    } while (0)

#ifdef __cplusplus
#define __KFIFO_ZERO_BUF                                                                           \
    {}
#else
#define __KFIFO_ZERO_BUF                                                                           \
    { 0 }
#endif

/* Declares and initialises a fifo with its buffer inside, also at file scope. */
#define DEFINE_KFIFO(fifo, type, size)                                                             \
    DECLARE_KFIFO(fifo, type, size) = {                                                            \
        {{0, 0, (unsigned int)(size)-1, (unsigned int)sizeof(type), (fifo).buf}},                  \
        __KFIFO_ZERO_BUF}

KAPI_BEGIN
/* size elements, rounded up to a power of two; 0, -EINVAL (size < 2) or -ENOMEM. */
int __kfifo_alloc(struct __kfifo *fifo, unsigned int size, size_t esize, gfp_t gfp_mask);
void __kfifo_free(struct __kfifo *fifo);
/* size in bytes, rounded down to a power of two elements; 0 or -EINVAL. */
int __kfifo_init(struct __kfifo *fifo, void *buffer, unsigned int size, size_t esize);
/* These copy as many of len elements as fit / are there, and return that number. */
unsigned int __kfifo_in(struct __kfifo *fifo, const void *buf, unsigned int len);
unsigned int __kfifo_out(struct __kfifo *fifo, void *buf, unsigned int len);
unsigned int __kfifo_out_peek(struct __kfifo *fifo, void *buf, unsigned int len);
/* len in bytes; *copied gets the bytes moved; 0 or -EFAULT. */
int __kfifo_from_user(struct __kfifo *fifo, const void __user *from, unsigned long len,
                      unsigned int *copied);
int __kfifo_to_user(struct __kfifo *fifo, void __user *to, unsigned long len, unsigned int *copied);
KAPI_END

#define kfifo_initialized(fifo) ((fifo)->__KFIFO_MEMBER.mask != 0)
#define kfifo_esize(fifo) ((fifo)->__KFIFO_MEMBER.esize)
#define kfifo_recsize(fifo) 0
/* Capacity in elements. */
#define kfifo_size(fifo) ((fifo)->__KFIFO_MEMBER.mask + 1)
/* Elements queued. */
#define kfifo_len(fifo) ((fifo)->__KFIFO_MEMBER.in - (fifo)->__KFIFO_MEMBER.out)
/* Elements that still fit. */
#define kfifo_avail(fifo) (kfifo_size(fifo) - kfifo_len(fifo))
#define kfifo_is_empty(fifo) ((fifo)->__KFIFO_MEMBER.in == (fifo)->__KFIFO_MEMBER.out)
#define kfifo_is_full(fifo) (kfifo_len(fifo) > (fifo)->__KFIFO_MEMBER.mask)
/* Drops everything (only safe with no concurrent reader or writer). */
#define kfifo_reset(fifo) ((void)((fifo)->__KFIFO_MEMBER.in = (fifo)->__KFIFO_MEMBER.out = 0))
/* Drops everything queued (only safe with no concurrent reader). */
#define kfifo_reset_out(fifo) ((void)((fifo)->__KFIFO_MEMBER.out = (fifo)->__KFIFO_MEMBER.in))
/* Drops the next element. */
#define kfifo_skip(fifo) ((void)((fifo)->__KFIFO_MEMBER.out++))

#define kfifo_alloc(fifo, size, gfp_mask)                                                          \
    __kfifo_alloc(&(fifo)->__KFIFO_MEMBER, (size), sizeof(*(fifo)->type), (gfp_mask))
#define kfifo_free(fifo) __kfifo_free(&(fifo)->__KFIFO_MEMBER)
#define kfifo_init(fifo, buffer, size)                                                             \
    __kfifo_init(&(fifo)->__KFIFO_MEMBER, (buffer), (size), sizeof(*(fifo)->type))

/* Adds up to n elements from buf; returns how many were added. */
#define kfifo_in(fifo, buf, n) __kfifo_in(&(fifo)->__KFIFO_MEMBER, (buf), (n))
/* Removes up to n elements into buf; returns how many were removed. */
#define kfifo_out(fifo, buf, n) __kfifo_out(&(fifo)->__KFIFO_MEMBER, (buf), (n))
/* As kfifo_out, but leaves them queued. */
#define kfifo_out_peek(fifo, buf, n) __kfifo_out_peek(&(fifo)->__KFIFO_MEMBER, (buf), (n))
/* Removes one element into *val; 1, or 0 if the fifo was empty. */
#define kfifo_get(fifo, val) __kfifo_out(&(fifo)->__KFIFO_MEMBER, (val), 1)
/* Copies the next element into *val without removing it; 1, or 0 if empty. */
#define kfifo_peek(fifo, val) __kfifo_out_peek(&(fifo)->__KFIFO_MEMBER, (val), 1)
#define kfifo_from_user(fifo, from, len, copied)                                                   \
    __kfifo_from_user(&(fifo)->__KFIFO_MEMBER, (from), (len), (copied))
#define kfifo_to_user(fifo, to, len, copied)                                                       \
    __kfifo_to_user(&(fifo)->__KFIFO_MEMBER, (to), (len), (copied))

/* Adds the element val (a value, not a pointer); 1, or 0 if the fifo was full. */
#ifdef __cplusplus
template <class Fifo, class Value>
static inline unsigned int __lkmfs_kfifo_put(Fifo *fifo, const Value &val) {
    __typeof__(*fifo->type) element = val;
    return __kfifo_in(&fifo->__KFIFO_MEMBER, &element, 1);
}
#define kfifo_put(fifo, val) __lkmfs_kfifo_put((fifo), (val))
#else
#define kfifo_put(fifo, val)                                                                       \
    ({                                                                                             \
        __typeof__(*(fifo)->type) __kfifo_put_val = (val);                                         \
        __kfifo_in(&(fifo)->__KFIFO_MEMBER, &__kfifo_put_val, 1);                                  \
    })
#endif

#endif
