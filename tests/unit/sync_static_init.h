/* The C half of sync_static_init_test. */
#ifndef SYNC_STATIC_INIT_H
#define SYNC_STATIC_INIT_H
#ifdef __cplusplus
extern "C" {
#endif
int c_static_initialisers_work(void);
#ifdef __cplusplus
}
#endif
#endif
