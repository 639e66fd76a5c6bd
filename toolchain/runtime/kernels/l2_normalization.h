/* L2_NORMALIZATION over the innermost dimension. int8: output scale 1/128, zero point 0 (TFLM
   requires both), TFLM's fixed-point inverse square root of the squared sum. */
#ifndef TL_L2_NORMALIZATION_H
#define TL_L2_NORMALIZATION_H

#include "tl_runtime.h"

typedef struct {
  int32_t rows, depth;
  int32_t input_zero_point;
} tl_l2_normalization_int8_params;

void tl_l2_normalization_int8(const tl_l2_normalization_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t rows, depth;
} tl_l2_normalization_f32_params;

/* x / max(sqrt(sum of squares), 1e-6) in single precision, summing in order, as TFLM. */
void tl_l2_normalization_f32(const tl_l2_normalization_f32_params *p, const float *input, float *output);

#endif /* TL_L2_NORMALIZATION_H */
