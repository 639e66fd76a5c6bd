/* MUL with numpy broadcasting, fused activation. */
#ifndef TL_MUL_H
#define TL_MUL_H

#include "tl_runtime.h"

typedef struct {
  tl_broadcast shape;
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t output_offset;                /* output zero point */
  int32_t output_multiplier, output_shift; /* scale1 * scale2 / output scale */
  int32_t act_min, act_max;
} tl_mul_int8_params;

void tl_mul_int8(const tl_mul_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

typedef tl_mul_int8_params tl_mul_int16_params;
void tl_mul_int16(const tl_mul_int16_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

typedef struct {
  tl_broadcast shape;
  float act_min, act_max;
} tl_mul_f32_params;

void tl_mul_f32(const tl_mul_f32_params *p, const float *input1, const float *input2, float *output);

/* int32: a wrapping product clamped to the activation range (NONE: the whole int32 range). */
typedef struct {
  tl_broadcast shape;
  int32_t act_min, act_max;
} tl_mul_int32_params;

void tl_mul_int32(const tl_mul_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);

#endif /* TL_MUL_H */
