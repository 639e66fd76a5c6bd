/* HARD_SWISH: x * relu6(x + 3) / 6; int8 in TFLM's 16-bit fixed point, and float32. */
#ifndef TL_HARD_SWISH_H
#define TL_HARD_SWISH_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t output_multiplier;   /* Q15: input_scale / 128 / output_scale */
  int32_t output_exponent;     /* <= 0 */
  int32_t reluish_multiplier;  /* Q15: input_scale / 128 / (3 / 32768) */
  int32_t reluish_exponent;    /* either sign */
} tl_hard_swish_int8_params;

void tl_hard_swish_int8(const tl_hard_swish_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t count;
} tl_hard_swish_f32_params;

void tl_hard_swish_f32(const tl_hard_swish_f32_params *p, const float *input, float *output);

#endif /* TL_HARD_SWISH_H */
