/* ADD with numpy broadcasting, fused activation. */
#ifndef TL_ADD_H
#define TL_ADD_H

#include "tl_runtime.h"

typedef struct {
  tl_broadcast shape;
  int32_t left_shift;        /* headroom given to both inputs before rescaling (20 for int8) */
  int32_t input1_offset, input1_multiplier, input1_shift;
  int32_t input2_offset, input2_multiplier, input2_shift;
  int32_t output_offset, output_multiplier, output_shift;
  int32_t act_min, act_max;
  const int32_t *input1_table; /* [x + 128] = multiply_by_quantized_multiplier((x + offset) << left_shift) */
  const int32_t *input2_table;
} tl_add_int8_params;

void tl_add_int8(const tl_add_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* int16 (16x8): the int8 arithmetic with 15 bits of headroom, rescaled inline (no tables: one
   per input would take 256 KiB). */
typedef struct {
  tl_broadcast shape;
  int32_t left_shift;        /* 15 */
  int32_t input1_offset, input1_multiplier, input1_shift;
  int32_t input2_offset, input2_multiplier, input2_shift;
  int32_t output_offset, output_multiplier, output_shift;
  int32_t act_min, act_max;
} tl_add_int16_params;

void tl_add_int16(const tl_add_int16_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

typedef struct {
  tl_broadcast shape;
  float act_min, act_max;
} tl_add_f32_params;

void tl_add_f32(const tl_add_f32_params *p, const float *input1, const float *input2, float *output);

/* int32: a wrapping sum; TFLM's int32 add ignores the fused activation. */
typedef struct {
  tl_broadcast shape;
} tl_add_int32_params;

void tl_add_int32(const tl_add_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);

#endif /* TL_ADD_H */
