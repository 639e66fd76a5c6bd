/* PRELU with numpy broadcasting of alpha: x where x >= 0, alpha * x below. Quantized forms
   rescale the two branches with their own multipliers, as TFLM. */
#ifndef TL_PRELU_H
#define TL_PRELU_H

#include "tl_quant.h"

typedef struct {
  tl_broadcast shape; /* input 1: x, input 2: alpha */
  int32_t input_offset, alpha_offset, output_offset;
  int32_t multiplier_positive, shift_positive; /* input scale / output scale */
  int32_t multiplier_negative, shift_negative; /* input scale * alpha scale / output scale */
} tl_prelu_quantized_params;

typedef tl_prelu_quantized_params tl_prelu_int8_params;
typedef tl_prelu_quantized_params tl_prelu_int16_params;

void tl_prelu_int8(const tl_prelu_int8_params *p, const int8_t *input, const int8_t *alpha, int8_t *output);
/* int16 activations with int8 alpha (TFLM requires int8 alpha for int16). */
void tl_prelu_int16(const tl_prelu_int16_params *p, const int16_t *input, const int8_t *alpha, int16_t *output);

typedef struct {
  tl_broadcast shape;
} tl_prelu_f32_params;

void tl_prelu_f32(const tl_prelu_f32_params *p, const float *input, const float *alpha, float *output);

/* One quantized element: TFLM's branch on the offset input, then the output offset and clamp. */
static inline int32_t tl_prelu_quantized_one(const tl_prelu_quantized_params *p, int32_t x, int32_t alpha) {
  const int32_t value = p->input_offset + x;
  if (value >= 0) {
    return p->output_offset + tl_multiply_by_quantized_multiplier(value, p->multiplier_positive, p->shift_positive);
  }
  return p->output_offset + tl_multiply_by_quantized_multiplier(value * (p->alpha_offset + alpha),
                                                                p->multiplier_negative, p->shift_negative);
}

#endif /* TL_PRELU_H */
