/* DEPTHWISE_CONV_2D int8 for Armv7E-M DSP (Cortex-M4/M7): depth multiplier 1, channels a multiple of 4. */
#ifndef TL_DEPTHWISE_CONV_2D_DSP_H
#define TL_DEPTHWISE_CONV_2D_DSP_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;
  int32_t output_offset;      /* output zero point (exact path) */
  int32_t act_min, act_max;
  int32_t full_range;         /* act_min <= -128 and act_max >= 127: SSAT alone clamps */
  const int16_t *filter;      /* per 4 channels, per tap: channels 0, 2, 1, 3 as int16 */
  const int8_t *pad_row;      /* in_c copies of the input zero point: what a padded tap reads */
  const int32_t *folded_bias; /* bias + input_offset * sum(filter) per channel */
  const int32_t *requant;     /* fast path: 4 int32 per channel (tl_dsp.h) */
  const int32_t *multiplier;  /* exact path */
  const int32_t *shift;
} tl_depthwise_conv_2d_int8_dsp_params;
typedef tl_depthwise_conv_2d_int8_dsp_params tl_depthwise_conv_2d_int8_dsp_exact_params; /* the exact path reads the same struct */

/* The generator takes windows up to this many taps (a stack array of row pointers). */
#define TL_DEPTHWISE_CONV_2D_DSP_MAX_TAPS 64

void tl_depthwise_conv_2d_int8_dsp(const tl_depthwise_conv_2d_int8_dsp_params *p, const int8_t *input,
                                   int8_t *output);
void tl_depthwise_conv_2d_int8_dsp_exact(const tl_depthwise_conv_2d_int8_dsp_params *p, const int8_t *input,
                                         int8_t *output);

#endif /* TL_DEPTHWISE_CONV_2D_DSP_H */
