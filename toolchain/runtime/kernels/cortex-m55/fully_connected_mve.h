/* FULLY_CONNECTED int8 for Cortex-M55 (MVE): weights re-laid by the generator for tl_mve_matvec. */
#ifndef TL_FULLY_CONNECTED_MVE_H
#define TL_FULLY_CONNECTED_MVE_H

#include "tl_mve.h"

typedef struct {
  int32_t batches, depth, units;
  const int8_t *weights; /* tl_mve_matvec layout */
  tl_mve_output_stage out;
} tl_fully_connected_int8_mve_params;

void tl_fully_connected_int8_mve(const tl_fully_connected_int8_mve_params *p, const int8_t *input, int8_t *output);

#endif /* TL_FULLY_CONNECTED_MVE_H */
