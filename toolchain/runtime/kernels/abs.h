/* ABS and RSQRT on int16 (the int8 forms are tables, see lookup.h; float32 in elementwise_f32.h). */
#ifndef TL_ABS_H
#define TL_ABS_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  int32_t needs_rescale; /* input scale != output scale */
  int32_t multiplier, shift;
} tl_abs_int16_params;

void tl_abs_int16(const tl_abs_int16_params *p, const int16_t *input, int16_t *output);

typedef struct {
  int32_t count;
  int32_t multiplier, shift; /* 1 / (sqrt(input scale) * output scale) */
} tl_rsqrt_int16_params;

void tl_rsqrt_int16(const tl_rsqrt_int16_params *p, const int16_t *input, int16_t *output);

#endif /* TL_ABS_H */
