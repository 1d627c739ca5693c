/* stdio streams with bookmarks: fseek, fseeko and fseeko64 take the extended whence;
 * the position pushed is the stream's own (what ftell says, buffered data accounted for),
 * and ftell agrees after every move.
 *
 *   seekmark_stdio_client DIR   (with LD_PRELOAD=libseekmark.so)
 */
#define _GNU_SOURCE
#include "check.h"

#include <seekmark.h>

static const char *g_dir;

/* Reading through a buffer: the kernel's position is far ahead of the stream's. */
static void buffered_reads(void) {
    FILE *f = fopen(make_file(g_dir, "read", 100000), "r");
    CHECK(f != NULL);
    char buf[64];
    CHECK_EQ(fread(buf, 1, 10, f), 10);
    CHECK_EQ(ftell(f), 10);
    CHECK_EQ(fseek(f, 0, SEEK_CUR | SEEK_PUSH), 0); /* pushes 10, not the kernel's 4096 */
    CHECK_EQ(fread(buf, 1, 50, f), 50);
    CHECK_EQ(ftell(f), 60);
    CHECK_EQ(fseeko(f, 0, SEEK_BOOKMARK), 0);
    CHECK_EQ(ftell(f), 10);
    CHECK_EQ(fread(buf, 1, 3, f), 3);
    CHECK(memcmp(buf, "klm", 3) == 0); /* bytes 10..12 */
    CHECK_EQ(fseeko64(f, 5, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_EQ(ftello(f), 15);
    CHECK_EQ(fgetc(f), 'a' + 15);
    CHECK_ERR(fseek(f, 0, SEEK_BOOKMARK), EINVAL);
    /* END and SET references with flags. */
    CHECK_EQ(fseek(f, -100, SEEK_END | SEEK_PUSH), 0); /* pushes 16 */
    CHECK_EQ(ftell(f), 99900);
    CHECK_EQ(fseek(f, 77, SEEK_SET | SEEK_PUSH), 0);                /* pushes 99900 */
    CHECK_EQ(fseek(f, 0, SEEK_BOOKMARK | SEEK_PUSH | SEEK_POP), 0); /* swap: 99900 <-> 77 */
    CHECK_EQ(ftell(f), 99900);
    CHECK_EQ(fseek(f, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_EQ(ftell(f), 77);
    CHECK_EQ(fseek(f, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_EQ(ftell(f), 16);
    CHECK(fclose(f) == 0);
}

/* Writing through a buffer: the push flushes first, so the pushed position is exact. */
static void buffered_writes(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/write", g_dir);
    FILE *f = fopen(path, "w+");
    CHECK(f != NULL);
    CHECK(fputs("hello, ", f) >= 0);
    CHECK_EQ(fseek(f, 0, SEEK_CUR | SEEK_PUSH), 0); /* pushes 7 */
    CHECK(fputs("world", f) >= 0);
    CHECK_EQ(fseek(f, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK(fputs("WORLD", f) >= 0);
    CHECK_EQ(ftell(f), 12);
    CHECK(fflush(f) == 0);
    rewind(f);
    char buf[32] = {0};
    CHECK_EQ(fread(buf, 1, sizeof buf - 1, f), 12);
    CHECK(strcmp(buf, "hello, WORLD") == 0);
    CHECK(fclose(f) == 0);
}

static void errors(void) {
    FILE *f = fopen(make_file(g_dir, "errors", 1000), "r");
    CHECK(f != NULL);
    CHECK_EQ(fseek(f, 5, SEEK_SET), 0);
    /* stdio refuses SEEK_DATA and SEEK_HOLE itself; with flags too. */
    CHECK_ERR(fseek(f, 0, SEEK_DATA), EINVAL);
    CHECK_ERR(fseek(f, 0, SEEK_DATA | SEEK_PUSH), EINVAL);
    CHECK_ERR(fseek(f, 0, SEEK_SET | 0x400), EINVAL);
    CHECK_ERR(fseek(f, -10, SEEK_SET | SEEK_PUSH), EINVAL);
    CHECK_ERR(fseek(f, 0, SEEK_CUR | SEEK_POP), EINVAL);
    CHECK_EQ(ftell(f), 5);
    /* errno as the caller left it on success. */
    errno = 4242;
    CHECK(fseek(f, 0, SEEK_CUR | SEEK_PUSH) == 0 && errno == 4242);
    CHECK(fseek(f, 0, SEEK_BOOKMARK | SEEK_POP) == 0 && errno == 4242);
    CHECK(fclose(f) == 0);
    /* A stream without a descriptor has no open file description. */
    char mem[16] = "0123456789";
    FILE *m = fmemopen(mem, sizeof mem, "r");
    CHECK(m != NULL);
    CHECK_ERR(fseek(m, 0, SEEK_CUR | SEEK_PUSH), EBADF);
    CHECK_EQ(fseek(m, 3, SEEK_SET), 0);
    CHECK(fclose(m) == 0);
}

/* Stream and descriptor share the description, so they share the stack. */
static void stream_and_descriptor(void) {
    FILE *f = fopen(make_file(g_dir, "shared", 1000), "r");
    CHECK(f != NULL);
    setvbuf(f, NULL, _IONBF, 0);
    const int fd = fileno(f);
    CHECK_EQ(fseek(f, 300, SEEK_SET | SEEK_PUSH), 0);  /* pushes 0 */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR | SEEK_PUSH), 300); /* pushes 300 */
    CHECK_EQ(fseek(f, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK_EQ(ftell(f), 300);
    CHECK_EQ(lseek(fd, 0, SEEK_BOOKMARK | SEEK_POP), 0);
    CHECK(fclose(f) == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    buffered_reads();
    buffered_writes();
    errors();
    stream_and_descriptor();
    puts("ok");
    return 0;
}
