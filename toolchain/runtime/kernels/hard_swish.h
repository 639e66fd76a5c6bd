/* HARD_SWISH float32: x * relu6(x + 3) / 6 (the int8 form is a table, see lookup.h). */
#ifndef TL_HARD_SWISH_H
#define TL_HARD_SWISH_H

#include "tl_runtime.h"

typedef struct {
  int32_t count;
} tl_hard_swish_f32_params;

void tl_hard_swish_f32(const tl_hard_swish_f32_params *p, const float *input, float *output);

#endif /* TL_HARD_SWISH_H */
