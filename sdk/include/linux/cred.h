/* SPDX-License-Identifier: GPL-2.0 */
/* Credentials of the calling process, as <linux/cred.h> and <linux/uidgid.h>. */
#ifndef _LKMFS_LINUX_CRED_H
#define _LKMFS_LINUX_CRED_H

#include <linux/types.h>

typedef struct {
    uid_t val;
} kuid_t;

typedef struct {
    gid_t val;
} kgid_t;

struct user_namespace;
#define init_user_ns (*(struct user_namespace *)0)

#define KUIDT_INIT(value) ((kuid_t){value})
#define KGIDT_INIT(value) ((kgid_t){value})
#define GLOBAL_ROOT_UID KUIDT_INIT(0)
#define GLOBAL_ROOT_GID KGIDT_INIT(0)

static inline uid_t __kuid_val(kuid_t uid) {
    return uid.val;
}
static inline gid_t __kgid_val(kgid_t gid) {
    return gid.val;
}
static inline bool uid_eq(kuid_t left, kuid_t right) {
    return left.val == right.val;
}
static inline bool gid_eq(kgid_t left, kgid_t right) {
    return left.val == right.val;
}
static inline uid_t from_kuid(struct user_namespace *ns, kuid_t uid) {
    (void)ns;
    return uid.val;
}
static inline gid_t from_kgid(struct user_namespace *ns, kgid_t gid) {
    (void)ns;
    return gid.val;
}
static inline kuid_t make_kuid(struct user_namespace *ns, uid_t uid) {
    (void)ns;
    kuid_t k = {uid};
    return k;
}
static inline kgid_t make_kgid(struct user_namespace *ns, gid_t gid) {
    (void)ns;
    kgid_t k = {gid};
    return k;
}

struct cred {
    kuid_t uid;   /* real UID of the task */
    kgid_t gid;   /* real GID of the task */
    kuid_t suid;  /* saved UID of the task */
    kgid_t sgid;  /* saved GID of the task */
    kuid_t euid;  /* effective UID of the task */
    kgid_t egid;  /* effective GID of the task */
    kuid_t fsuid; /* UID for VFS ops */
    kgid_t fsgid; /* GID for VFS ops */
};

#define current_cred() (get_current()->cred)
#define current_uid() (current_cred()->uid)
#define current_gid() (current_cred()->gid)
#define current_euid() (current_cred()->euid)
#define current_egid() (current_cred()->egid)
#define current_fsuid() (current_cred()->fsuid)
#define current_fsgid() (current_cred()->fsgid)

#endif
