/* MAX_POOL_2D: NHWC, SAME/VALID padding (padded taps are skipped, never compared), fused activation. */
#ifndef TL_MAX_POOL_2D_H
#define TL_MAX_POOL_2D_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;
  int32_t act_min, act_max; /* fused activation as a clamp on quantized values */
} tl_max_pool_2d_int8_params;

void tl_max_pool_2d_int8(const tl_max_pool_2d_int8_params *p, const int8_t *input, int8_t *output);

typedef tl_max_pool_2d_int8_params tl_max_pool_2d_int16_params;
void tl_max_pool_2d_int16(const tl_max_pool_2d_int16_params *p, const int16_t *input, int16_t *output);

typedef struct {
  tl_window win;
  float act_min, act_max;
} tl_max_pool_2d_f32_params;

void tl_max_pool_2d_f32(const tl_max_pool_2d_f32_params *p, const float *input, float *output);

#endif /* TL_MAX_POOL_2D_H */
