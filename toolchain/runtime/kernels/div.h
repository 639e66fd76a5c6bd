/* DIV with numpy broadcasting and a fused activation. int8: TFLM's fixed-point quotient (the
   divisor's reciprocal, the dividend's headroom, one requantization); float32: a / b. */
#ifndef TL_DIV_H
#define TL_DIV_H

#include "tl_runtime.h"

typedef struct {
  tl_broadcast shape;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift; /* input1 scale / (input2 scale * output scale) */
  int32_t act_min, act_max;
} tl_div_int8_params;

/* A divisor equal to its zero point is a division by zero: TFLM leaves it undefined, this
   kernel gives the activation's upper bound. */
void tl_div_int8(const tl_div_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

typedef struct {
  tl_broadcast shape;
  float act_min, act_max;
} tl_div_f32_params;

void tl_div_f32(const tl_div_f32_params *p, const float *input1, const float *input2, float *output);

#endif /* TL_DIV_H */
