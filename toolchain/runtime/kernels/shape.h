/* SHAPE: the input's dims, known at generation time, written into the output. */
#ifndef TL_SHAPE_H
#define TL_SHAPE_H

#include "tl_runtime.h"

typedef struct {
  int32_t bytes;
  const void *values;
} tl_shape_params;

void tl_shape(const tl_shape_params *p, void *output);

#endif /* TL_SHAPE_H */
