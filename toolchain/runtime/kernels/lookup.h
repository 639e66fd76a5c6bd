/* int8 -> int8 elementwise operators (LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU, HARD_SWISH, int8
   requantization) as a 256-entry table that the code generator computes with TFLM's per-value
   integer arithmetic. */
#ifndef TL_LOOKUP_H
#define TL_LOOKUP_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
  const int8_t *table; /* output for input q at table[q + 128] */
} tl_lookup_int8_params;

void tl_lookup_int8(const tl_lookup_int8_params *p, const int8_t *input, int8_t *output);

#endif /* TL_LOOKUP_H */
