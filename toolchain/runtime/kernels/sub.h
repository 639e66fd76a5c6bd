/* SUB with numpy broadcasting and a fused activation. int8 runs the ADD kernel (tl_add_int8) with
   the second input's rescale table negated, which is TFLM's sub step for step. */
#ifndef TL_SUB_H
#define TL_SUB_H

#include "add.h"

/* int16 (16x8): ADD's parameters (15 bits of headroom), the rescaled inputs subtracted. */
typedef tl_add_int16_params tl_sub_int16_params;
void tl_sub_int16(const tl_sub_int16_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

/* int32: a wrapping difference, clamped to the fused activation's integer range. */
typedef struct {
  tl_broadcast shape;
  int32_t act_min, act_max;
} tl_sub_int32_params;
void tl_sub_int32(const tl_sub_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);

typedef tl_add_f32_params tl_sub_f32_params;
void tl_sub_f32(const tl_sub_f32_params *p, const float *input1, const float *input2, float *output);

#endif /* TL_SUB_H */
