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

/* int8 -> int16: the int8 arithmetic rounded to 16 bits; output scale 1/65536, zero point -32768. */
typedef tl_softmax_int8_params tl_softmax_int8_int16_params;

void tl_softmax_int8_int16(const tl_softmax_int8_int16_params *p, const int8_t *input, int16_t *output);

typedef struct {
  int32_t rows, depth;
  int32_t input_multiplier;  /* input_scale * beta / (10 / 65535), Q31 significand */
  int32_t input_shift;       /* its power of two, either sign */
  const int16_t *exp_table;                 /* 513 entries: exp over [-10, 0] in Q0.15 */
  const int16_t *one_over_one_plus_x_table; /* 513 entries: 1 / (1 + x) over [0, 1] in Q0.15 */
} tl_softmax_int16_params;

/* Output quantization is fixed: scale 1/32768, zero point 0. Safe in place. */
void tl_softmax_int16(const tl_softmax_int16_params *p, const int16_t *input, int16_t *output);

typedef struct {
  int32_t rows, depth;
  float beta;
} tl_softmax_f32_params;

void tl_softmax_f32(const tl_softmax_f32_params *p, const float *input, float *output);

#endif /* TL_SOFTMAX_H */
