/* DEPTHWISE_CONV_2D: NHWC input, 1HWC filter (C = in_c * depth_multiplier), optional bias. */
#ifndef TL_DEPTHWISE_CONV_2D_H
#define TL_DEPTHWISE_CONV_2D_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;              /* out_c = in_c * depth_multiplier */
  int32_t depth_multiplier;
  int32_t input_offset;       /* -input zero point */
  int32_t output_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier;  /* per output channel */
  const int32_t *shift;
  const int32_t *folded_bias; /* bias[c] + input_offset * sum(filter[.., c]) for windows fully inside */
} tl_depthwise_conv_2d_int8_params;

void tl_depthwise_conv_2d_int8(const tl_depthwise_conv_2d_int8_params *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output);

/* int16 activations (zero point 0), int8 weights, int64 bias: 64-bit accumulation. */
typedef struct {
  tl_window win;
  int32_t depth_multiplier;
  int32_t act_min, act_max;
  const int32_t *multiplier;
  const int32_t *shift;
} tl_depthwise_conv_2d_int16_params;

void tl_depthwise_conv_2d_int16(const tl_depthwise_conv_2d_int16_params *p, const int16_t *input,
                                const int8_t *filter, const int64_t *bias, int16_t *output);

typedef struct {
  tl_window win;
  int32_t depth_multiplier;
  float act_min, act_max;
} tl_depthwise_conv_2d_f32_params;

void tl_depthwise_conv_2d_f32(const tl_depthwise_conv_2d_f32_params *p, const float *input,
                              const float *filter, const float *bias, float *output);

#endif /* TL_DEPTHWISE_CONV_2D_H */
