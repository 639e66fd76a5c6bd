/* SPLIT, SPLIT_V, UNPACK for every element type: the reverse of CONCATENATION, a byte copy of each
   output's contiguous block per index before the axis. */
#ifndef TL_SPLIT_H
#define TL_SPLIT_H

#include "tl_runtime.h"

#define TL_SPLIT_MAX_OUTPUTS 32

typedef struct {
  int32_t outer;        /* product of the dimensions before the axis */
  int32_t num_outputs;
  uint32_t row_bytes[TL_SPLIT_MAX_OUTPUTS]; /* bytes of output i per outer index */
  void *outputs[TL_SPLIT_MAX_OUTPUTS];
} tl_split_params;

void tl_split(const tl_split_params *p, const void *input);

#endif /* TL_SPLIT_H */
