/* AVERAGE_POOL_2D: NHWC; padded taps are left out of both the sum and the count. */
#ifndef TL_AVERAGE_POOL_2D_H
#define TL_AVERAGE_POOL_2D_H

#include "tl_runtime.h"

typedef struct {
  tl_window win; /* in_c == out_c, dilation 1 */
  int32_t act_min, act_max;
} tl_average_pool_2d_int8_params;

/* scratch: out_c int32 sums */
void tl_average_pool_2d_int8(const tl_average_pool_2d_int8_params *p, const int8_t *input, int8_t *output,
                             void *scratch);

typedef tl_average_pool_2d_int8_params tl_average_pool_2d_int16_params;

/* scratch: out_c int32 sums */
void tl_average_pool_2d_int16(const tl_average_pool_2d_int16_params *p, const int16_t *input, int16_t *output,
                              void *scratch);

typedef struct {
  tl_window win;
  float act_min, act_max;
} tl_average_pool_2d_f32_params;

void tl_average_pool_2d_f32(const tl_average_pool_2d_f32_params *p, const float *input, float *output);

#endif /* TL_AVERAGE_POOL_2D_H */
