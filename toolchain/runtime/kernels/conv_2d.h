/* CONV_2D: NHWC input, OHWI filter, optional bias, grouped when in_c > filter_in_c. */
#ifndef TL_CONV_2D_H
#define TL_CONV_2D_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;
  int32_t filter_in_c;        /* input channels seen by one filter (in_c / groups) */
  int32_t input_offset;       /* -input zero point */
  int32_t output_offset;      /* output zero point */
  int32_t act_min, act_max;   /* fused activation as a clamp on quantized values */
  const int32_t *multiplier;  /* per output channel, Q31 */
  const int32_t *shift;       /* per output channel, power of two */
  const int32_t *folded_bias; /* bias[c] + input_offset * sum(filter[c]): for windows fully inside the input */
} tl_conv_2d_int8_params;

/* scratch: NULL, or k_h * k_w * in_c bytes for the im2col path (ungrouped, window above 1x1) */
void tl_conv_2d_int8(const tl_conv_2d_int8_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output, void *scratch);

/* int16 activations (zero point 0), int8 weights, int64 bias: 64-bit accumulation. */
typedef struct {
  tl_window win;
  int32_t filter_in_c;
  int32_t act_min, act_max;
  const int32_t *multiplier;
  const int32_t *shift;
} tl_conv_2d_int16_params;

void tl_conv_2d_int16(const tl_conv_2d_int16_params *p, const int16_t *input, const int8_t *filter,
                      const int64_t *bias, int16_t *output);

typedef struct {
  tl_window win;
  int32_t filter_in_c;
  float act_min, act_max;
} tl_conv_2d_f32_params;

void tl_conv_2d_f32(const tl_conv_2d_f32_params *p, const float *input, const float *filter,
                    const float *bias, float *output);

#endif /* TL_CONV_2D_H */
