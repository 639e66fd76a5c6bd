/* Elementwise activations: LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU (int8 as TFLM computes them,
   and float32). */
#ifndef TL_ACTIVATIONS_H
#define TL_ACTIVATIONS_H

#include "tl_runtime.h"

/* LOGISTIC / TANH int8: the input, zero-point corrected, is rescaled to Q4.27 fixed point and fed to
   the fixed-point logistic / tanh; inputs beyond +-radius saturate directly. */
typedef struct {
  int32_t count;
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier, input_left_shift;
} tl_sigmoid_int8_params;

typedef tl_sigmoid_int8_params tl_logistic_int8_params;
typedef tl_sigmoid_int8_params tl_tanh_int8_params;
void tl_logistic_int8(const tl_logistic_int8_params *p, const int8_t *input, int8_t *output);
void tl_tanh_int8(const tl_tanh_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t count;
} tl_unary_f32_params;

typedef tl_unary_f32_params tl_logistic_f32_params;
typedef tl_unary_f32_params tl_tanh_f32_params;
void tl_logistic_f32(const tl_logistic_f32_params *p, const float *input, float *output);
void tl_tanh_f32(const tl_tanh_f32_params *p, const float *input, float *output);

/* RELU int8: requantize to the output's scale, then clamp at the output's zero (and type max). */
typedef struct {
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift; /* input scale / output scale */
  int32_t act_min, act_max;
} tl_relu_int8_params;

void tl_relu_int8(const tl_relu_int8_params *p, const int8_t *input, int8_t *output);

/* RELU6 int8: a clamp in the input's quantization (TFLM does not rescale). */
typedef struct {
  int32_t count;
  int32_t lower, upper; /* quantized 0 and 6 */
} tl_relu6_int8_params;

void tl_relu6_int8(const tl_relu6_int8_params *p, const int8_t *input, int8_t *output);

/* RELU / RELU6 float32. */
typedef tl_unary_f32_params tl_relu_f32_params;
typedef tl_unary_f32_params tl_relu6_f32_params;
void tl_relu_f32(const tl_relu_f32_params *p, const float *input, float *output);
void tl_relu6_f32(const tl_relu6_f32_params *p, const float *input, float *output);

/* LEAKY_RELU int8: x >= 0 rescaled by input/output scale, x < 0 by alpha * input/output scale. */
typedef struct {
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t identity_multiplier, identity_shift;
  int32_t alpha_multiplier, alpha_shift;
} tl_leaky_relu_int8_params;

void tl_leaky_relu_int8(const tl_leaky_relu_int8_params *p, const int8_t *input, int8_t *output);

typedef struct {
  int32_t count;
  float alpha;
} tl_leaky_relu_f32_params;

void tl_leaky_relu_f32(const tl_leaky_relu_f32_params *p, const float *input, float *output);

#endif /* TL_ACTIVATIONS_H */
