/* CONV_2D int8 for Armv7E-M DSP (Cortex-M4/M7): ungrouped, an even number of output channels. */
#ifndef TL_CONV_2D_DSP_H
#define TL_CONV_2D_DSP_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;
  int32_t k_padded;           /* k_h * k_w * in_c rounded up to a multiple of 8 */
  int32_t direct;             /* 1x1, stride 1, no padding, in_c % 8 == 0: an input pixel is its own patch */
  int32_t pad_value;          /* the input zero point: what a padded tap reads */
  int32_t output_offset;      /* output zero point (exact path) */
  int32_t act_min, act_max;
  int32_t full_range;         /* act_min <= -128 and act_max >= 127: SSAT alone clamps */
  const int8_t *filter;       /* per pair of output channels, 4-tap words of the first and second in turn */
  const int32_t *folded_bias; /* bias + input_offset * sum(filter) per output channel */
  const int32_t *requant;     /* fast path: 4 int32 per output channel (tl_dsp.h) */
  const int32_t *multiplier;  /* exact path: TFLM's per-channel multiplier and shift */
  const int32_t *shift;
} tl_conv_2d_int8_dsp_params;
typedef tl_conv_2d_int8_dsp_params tl_conv_2d_int8_dsp_exact_params; /* the exact path reads the same struct */

/* The generator takes layers up to this window size: the kernel keeps 5 * k_padded bytes on the stack. */
#define TL_CONV_2D_DSP_MAX_K_PADDED 576

void tl_conv_2d_int8_dsp(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_conv_2d_int8_dsp_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);

#endif /* TL_CONV_2D_DSP_H */
