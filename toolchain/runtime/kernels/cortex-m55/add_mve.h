/* ADD int8 for Cortex-M55 (MVE): both inputs of the output's shape (no broadcasting). */
#ifndef TL_ADD_MVE_H
#define TL_ADD_MVE_H

#include "tl_mve.h"

typedef struct {
  int32_t count;
  const int32_t *input1_table; /* [raw byte of x] = x rescaled to the common scale, as the portable table */
  const int32_t *input2_table;
  int32_t output_multiplier, output_shift; /* output_shift <= 0 */
  int32_t output_offset, act_min, act_max;
} tl_add_int8_mve_params;

void tl_add_int8_mve(const tl_add_int8_mve_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif /* TL_ADD_MVE_H */
