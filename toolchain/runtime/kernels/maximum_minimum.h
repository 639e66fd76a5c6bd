/* MAXIMUM and MINIMUM with numpy broadcasting: one kernel per type for both (`take_max`). TFLM
   compares the raw stored values, whatever the quantization (it does not requantize). */
#ifndef TL_MAXIMUM_MINIMUM_H
#define TL_MAXIMUM_MINIMUM_H

#include "tl_runtime.h"

typedef struct {
  tl_broadcast shape;
  int32_t take_max; /* 1: MAXIMUM, 0: MINIMUM */
} tl_maximum_minimum_params;

typedef tl_maximum_minimum_params tl_maximum_minimum_int8_params;
typedef tl_maximum_minimum_params tl_maximum_minimum_int16_params;
typedef tl_maximum_minimum_params tl_maximum_minimum_int32_params;
typedef tl_maximum_minimum_params tl_maximum_minimum_f32_params;

void tl_maximum_minimum_int8(const tl_maximum_minimum_params *p, const int8_t *input1, const int8_t *input2,
                             int8_t *output);
void tl_maximum_minimum_int16(const tl_maximum_minimum_params *p, const int16_t *input1, const int16_t *input2,
                              int16_t *output);
void tl_maximum_minimum_int32(const tl_maximum_minimum_params *p, const int32_t *input1, const int32_t *input2,
                              int32_t *output);
/* TFLM's comparisons decide NaN: max(a, b) = a > b ? a : b, min(a, b) = a < b ? a : b. */
void tl_maximum_minimum_f32(const tl_maximum_minimum_params *p, const float *input1, const float *input2,
                            float *output);

#endif /* TL_MAXIMUM_MINIMUM_H */
