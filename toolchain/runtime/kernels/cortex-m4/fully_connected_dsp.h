/* FULLY_CONNECTED int8 for Armv7E-M DSP (Cortex-M4/M7): depth a multiple of 4, units a multiple of 2. */
#ifndef TL_FULLY_CONNECTED_DSP_H
#define TL_FULLY_CONNECTED_DSP_H

#include "tl_runtime.h"

typedef struct {
  int32_t batches, depth, units;
  int32_t output_offset;      /* output zero point (exact path) */
  int32_t act_min, act_max;
  int32_t full_range;         /* act_min <= -128 and act_max >= 127: SSAT alone clamps */
  const int8_t *filter;       /* per pair of units, 4-deep words of the first and second in turn */
  const int32_t *folded_bias; /* bias + input_offset * sum(filter row) per unit */
  const int32_t *requant;     /* fast path: 4 int32 per unit (tl_dsp.h) */
  const int32_t *multiplier;  /* exact path: TFLM's per-unit multiplier and shift */
  const int32_t *shift;
} tl_fully_connected_int8_dsp_params;
typedef tl_fully_connected_int8_dsp_params tl_fully_connected_int8_dsp_exact_params; /* same struct */

void tl_fully_connected_int8_dsp(const tl_fully_connected_int8_dsp_params *p, const int8_t *input, int8_t *output);
void tl_fully_connected_int8_dsp_exact(const tl_fully_connected_int8_dsp_params *p, const int8_t *input,
                                       int8_t *output);

#endif /* TL_FULLY_CONNECTED_DSP_H */
