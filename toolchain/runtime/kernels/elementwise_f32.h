/* Elementwise float32 operators, each TFLM's single-precision C library call (or operator) per
   element: NEG, ABS, SQRT, RSQRT, EXP, LOG, FLOOR, ELU. Safe in place. */
#ifndef TL_ELEMENTWISE_F32_H
#define TL_ELEMENTWISE_F32_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
} tl_elementwise_f32_params;

typedef tl_elementwise_f32_params tl_neg_f32_params;
typedef tl_elementwise_f32_params tl_abs_f32_params;
typedef tl_elementwise_f32_params tl_sqrt_f32_params;
typedef tl_elementwise_f32_params tl_rsqrt_f32_params;
typedef tl_elementwise_f32_params tl_exp_f32_params;
typedef tl_elementwise_f32_params tl_log_f32_params;
typedef tl_elementwise_f32_params tl_floor_f32_params;
typedef tl_elementwise_f32_params tl_elu_f32_params;

void tl_neg_f32(const tl_neg_f32_params *p, const float *input, float *output);
void tl_abs_f32(const tl_abs_f32_params *p, const float *input, float *output);
void tl_sqrt_f32(const tl_sqrt_f32_params *p, const float *input, float *output);
void tl_rsqrt_f32(const tl_rsqrt_f32_params *p, const float *input, float *output);
void tl_exp_f32(const tl_exp_f32_params *p, const float *input, float *output);
void tl_log_f32(const tl_log_f32_params *p, const float *input, float *output);
void tl_floor_f32(const tl_floor_f32_params *p, const float *input, float *output);
void tl_elu_f32(const tl_elu_f32_params *p, const float *input, float *output);

#endif /* TL_ELEMENTWISE_F32_H */
