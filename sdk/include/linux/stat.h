/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LKMFS_LINUX_STAT_H
#define _LKMFS_LINUX_STAT_H

/* The UAPI header first: with _GNU_SOURCE (always on in C++) glibc's <sys/stat.h> includes
 * "linux/stat.h" for struct statx, finds this file, and defines its own struct statx unless
 * the UAPI one (STATX_TYPE) is already there. */
#include_next <linux/stat.h>
#include <sys/stat.h>

#define S_IRWXUGO (S_IRWXU | S_IRWXG | S_IRWXO)
#define S_IALLUGO (S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO)
#define S_IRUGO (S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO (S_IWUSR | S_IWGRP | S_IWOTH)
#define S_IXUGO (S_IXUSR | S_IXGRP | S_IXOTH)

#endif
