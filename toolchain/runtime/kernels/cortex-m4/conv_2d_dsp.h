/* CONV_2D int8 for Armv7E-M DSP (Cortex-M4/M7): ungrouped, output channels a multiple of 2 (4 for the wide rows). */
#ifndef TL_CONV_2D_DSP_H
#define TL_CONV_2D_DSP_H

#include "tl_runtime.h"

typedef struct {
  tl_window win;
  int32_t row_words;          /* k_w * in_c bytes rounded up to whole words (the weights there are 0) */
  int32_t k_padded;           /* k_h * 4 * row_words rounded up to a multiple of 8 */
  int32_t pad_value;          /* the input zero point: what a padded tap reads */
  int32_t output_offset;      /* output zero point (exact path) */
  int32_t act_min, act_max;
  int32_t full_range;         /* act_min <= -128 and act_max >= 127: SSAT alone clamps */
  const int8_t *filter;       /* narrow rows: per pair of output channels, 4-tap words of the first and second in turn */
  const int16_t *filter_wide; /* wide rows: per 4 output channels, per 4 taps, (t0,t2) of channels 0..3 then (t1,t3) */
  const int32_t *folded_bias; /* bias + input_offset * sum(filter) per output channel */
  const int32_t *requant;     /* fast path: 4 int32 per output channel (tl_dsp.h) */
  const int32_t *multiplier;  /* exact path: TFLM's per-channel multiplier and shift */
  const int32_t *shift;
} tl_conv_2d_int8_dsp_params;
/* the exact and wide paths read the same struct */
typedef tl_conv_2d_int8_dsp_params tl_conv_2d_int8_dsp_exact_params;
typedef tl_conv_2d_int8_dsp_params tl_conv_2d_int8_dsp_wide_params;
typedef tl_conv_2d_int8_dsp_params tl_conv_2d_int8_dsp_wide_exact_params;

/* The generator takes layers up to these window sizes: the kernel keeps 4 * k_padded bytes of widened
   pairs and one kernel row of 4 * row_words bytes on the stack. */
#define TL_CONV_2D_DSP_MAX_K_PADDED 576
#define TL_CONV_2D_DSP_MAX_ROW_WORDS 64

void tl_conv_2d_int8_dsp(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_conv_2d_int8_dsp_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_conv_2d_int8_dsp_wide(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_conv_2d_int8_dsp_wide_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output);

#endif /* TL_CONV_2D_DSP_H */
