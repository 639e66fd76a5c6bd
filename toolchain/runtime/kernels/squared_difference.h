/* SQUARED_DIFFERENCE with numpy broadcasting. Quantized: both inputs rescaled to a common scale
   (int8 with 7 bits of headroom, int16 with none), their difference squared and requantized, as
   TFLM. */
#ifndef TL_SQUARED_DIFFERENCE_H
#define TL_SQUARED_DIFFERENCE_H

#include "tl_runtime.h"

typedef struct {
  tl_broadcast shape;
  int32_t output_offset, output_multiplier, output_shift;
  const int32_t *input1_table; /* [x + 128] = the rescaled (x + offset) << 7 */
  const int32_t *input2_table;
} tl_squared_difference_int8_params;

void tl_squared_difference_int8(const tl_squared_difference_int8_params *p, const int8_t *input1,
                                const int8_t *input2, int8_t *output);

typedef struct {
  tl_broadcast shape;
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
} tl_squared_difference_int16_params;

void tl_squared_difference_int16(const tl_squared_difference_int16_params *p, const int16_t *input1,
                                 const int16_t *input2, int16_t *output);

typedef struct {
  tl_broadcast shape;
} tl_squared_difference_f32_params;

typedef tl_squared_difference_f32_params tl_squared_difference_int32_params;

void tl_squared_difference_f32(const tl_squared_difference_f32_params *p, const float *input1,
                               const float *input2, float *output);
/* int32: (a - b)^2 wrapping like TFLM's int32 arithmetic. */
void tl_squared_difference_int32(const tl_squared_difference_int32_params *p, const int32_t *input1,
                                 const int32_t *input2, int32_t *output);

#endif /* TL_SQUARED_DIFFERENCE_H */
