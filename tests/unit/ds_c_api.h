// The C translation unit ds_c_api.c: each returns 0, or the line of its first failed check.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif
int ds_c_seed_list(void);
int ds_c_seed_rbtree(void);
int ds_c_lists(void);
int ds_c_bits(void);
int ds_c_fifos(void);
int ds_c_kref_idr(void);
#ifdef __cplusplus
}
#endif
