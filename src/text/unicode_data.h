#ifndef RB_UNICODE_DATA_H
#define RB_UNICODE_DATA_H

/*
 * The generated Unicode tables behind text/unicode.h (unicode_data.c,
 * written by tools/gen_unicode_tables.py). Only unicode.c reads them.
 * Each `_len` counts entries: one value each, except rb_uc_lower_runs
 * (four values an entry) and rb_uc_lower_multi (five).
 */

#include <stddef.h>
#include <stdint.h>

extern const char rb_unicode_data_version[];

extern const uint32_t rb_uc_flag_runs[];
extern const size_t rb_uc_flag_runs_len;
extern const uint32_t rb_uc_ccc_runs[];
extern const size_t rb_uc_ccc_runs_len;
extern const int32_t rb_uc_lower_runs[];
extern const size_t rb_uc_lower_runs_len;
extern const uint32_t rb_uc_lower_multi[];
extern const size_t rb_uc_lower_multi_len;
extern const uint32_t rb_uc_decomp_cp[];
extern const size_t rb_uc_decomp_cp_len;
extern const uint16_t rb_uc_decomp_start[];
extern const size_t rb_uc_decomp_start_len;
extern const uint32_t rb_uc_decomp_pool[];
extern const size_t rb_uc_decomp_pool_len;

#endif
