/* seekmark.h - lseek bookmarks (libseekmark.so).
 *
 * A stack of saved positions per open file description, driven through the `whence`
 * argument of lseek(2) (and fseek(3)/fseeko(3) on FILE* streams):
 *
 *   whence & 0xff    the reference point: SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA,
 *                    SEEK_HOLE, or SEEK_BOOKMARK (the top bookmark)
 *   whence & ~0xff   flags: SEEK_PUSH (save the position the file had before the call),
 *                    SEEK_POP (drop the top bookmark)
 *
 * The values take effect when libseekmark.so is preloaded (LD_PRELOAD); without it the
 * kernel answers EINVAL and changes nothing, so a program built for bookmarks fails
 * safely. Each stack holds at least SEEKMARK_STACK_MAX bookmarks. See docs/seekmark.md.
 */
#ifndef SEEKMARK_H
#define SEEKMARK_H

#include <stdio.h> /* SEEK_SET, SEEK_CUR, SEEK_END (and SEEK_DATA/SEEK_HOLE with _GNU_SOURCE) */

#define SEEK_BOOKMARK 5
#define SEEK_PUSH 0x100
#define SEEK_POP 0x200

/* Bookmarks per open file description; one more push fails with ENOMEM. */
#define SEEKMARK_STACK_MAX 1024

#endif /* SEEKMARK_H */
