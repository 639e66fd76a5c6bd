/* SOFTMAX over the innermost dimension. */
#ifndef TL_SOFTMAX_H
#define TL_SOFTMAX_H

#include "tl_runtime.h"

typedef struct {
  int32_t rows, depth;
  int32_t input_multiplier;  /* beta * input_scale in Q5.26 steps, Q31 significand */
  int32_t input_left_shift;
  int32_t diff_min;          /* differences below this give exp() == 0 in the output's precision */
} tl_softmax_int8_params;

/* Output quantization is fixed: scale 1/256, zero point -128. */
void tl_softmax_int8(const tl_softmax_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t rows, depth;
  float beta;
} tl_softmax_f32_params;

void tl_softmax_f32(const tl_softmax_f32_params *p, const float *input, float *output);

#endif /* TL_SOFTMAX_H */
