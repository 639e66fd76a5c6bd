/* CONCATENATION along any axis, for every element type: a byte copy (TFLM's int8 kernel copies
   raw values too and never rescales). */
#ifndef TL_CONCATENATION_H
#define TL_CONCATENATION_H

#include "tl_runtime.h"

#define TL_CONCATENATION_MAX_INPUTS 32

typedef struct {
  int32_t outer;       /* product of the dimensions before the axis */
  int32_t num_inputs;
  uint32_t row_bytes[TL_CONCATENATION_MAX_INPUTS]; /* bytes of input i per outer index */
  const void *inputs[TL_CONCATENATION_MAX_INPUTS];
} tl_concatenation_params;

void tl_concatenation(const tl_concatenation_params *p, void *output);

#endif /* TL_CONCATENATION_H */
