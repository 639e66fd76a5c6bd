/* ADD int8 for Armv7E-M DSP (Cortex-M4/M7): inputs of the output's shape (no broadcasting). */
#ifndef TL_ADD_DSP_H
#define TL_ADD_DSP_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  int32_t act_min, act_max;
  int32_t full_range;          /* act_min <= -128 and act_max >= 127: SSAT alone clamps */
  const int32_t *input1_table; /* [x + 128]: the portable table times 2 (the first step of SMMULR's doubling) */
  const int32_t *input2_table;
  const int32_t *requant;      /* the output stage's 4 constants (tl_dsp.h) */
} tl_add_int8_dsp_params;

void tl_add_int8_dsp(const tl_add_int8_dsp_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif /* TL_ADD_DSP_H */
