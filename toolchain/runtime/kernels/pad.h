/* PAD / PADV2 for every element type, rank <= 6: constant padding with one element value
   (the output zero point for int8 PAD, 0.0f for float32 PAD, the given constant for PADV2). */
#ifndef TL_PAD_H
#define TL_PAD_H

#include "tl_runtime.h"

typedef struct {
  int32_t elem_bytes;
  int32_t in_dims[TL_MAX_RANK];  /* left-padded with 1s to rank 6 */
  int32_t out_dims[TL_MAX_RANK];
  int32_t before[TL_MAX_RANK];   /* padding before each dimension */
  const void *pad_value;         /* one element */
} tl_pad_params;

void tl_pad(const tl_pad_params *p, const void *input, void *output);

#endif /* TL_PAD_H */
