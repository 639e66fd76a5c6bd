/* SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (NHWC; a 3-D NHC tensor is NH1C with block width 1), for
   every element type. Both relate a batched tensor [block_h, block_w, batch, bh, bw, C] to a spatial
   one [batch, H, W, C]: spatial row = bh * block_h + block row - pad_top (columns alike). */
#ifndef TL_SPACE_BATCH_ND_H
#define TL_SPACE_BATCH_ND_H

#include "tl_runtime.h"

typedef struct {
  int32_t block_h, block_w;
  int32_t batch, height, width;         /* the spatial tensor */
  int32_t batched_h, batched_w;         /* rows and columns of the batched tensor */
  int32_t pad_top, pad_left;            /* padding (SPACE_TO_BATCH) or crops (BATCH_TO_SPACE) */
  int32_t channels, elem_bytes;
  const void *pad_value;                /* one element: SPACE_TO_BATCH fills padding with it */
} tl_space_to_batch_nd_params;

typedef tl_space_to_batch_nd_params tl_batch_to_space_nd_params;

void tl_space_to_batch_nd(const tl_space_to_batch_nd_params *p, const void *input, void *output);
void tl_batch_to_space_nd(const tl_batch_to_space_nd_params *p, const void *input, void *output);

#endif /* TL_SPACE_BATCH_ND_H */
