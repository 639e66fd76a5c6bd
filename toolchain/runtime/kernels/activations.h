/* Elementwise activations in float32: LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU (the int8 forms are
   tables, see lookup.h). */
#ifndef TL_ACTIVATIONS_H
#define TL_ACTIVATIONS_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
} tl_unary_f32_params;

typedef tl_unary_f32_params tl_logistic_f32_params;
typedef tl_unary_f32_params tl_tanh_f32_params;
typedef tl_unary_f32_params tl_relu_f32_params;
typedef tl_unary_f32_params tl_relu6_f32_params;
void tl_logistic_f32(const tl_logistic_f32_params *p, const float *input, float *output);
void tl_tanh_f32(const tl_tanh_f32_params *p, const float *input, float *output);
void tl_relu_f32(const tl_relu_f32_params *p, const float *input, float *output);
void tl_relu6_f32(const tl_relu6_f32_params *p, const float *input, float *output);

typedef struct {
  int32_t count;
  float alpha;
} tl_leaky_relu_f32_params;

void tl_leaky_relu_f32(const tl_leaky_relu_f32_params *p, const float *input, float *output);

#endif /* TL_ACTIVATIONS_H */
