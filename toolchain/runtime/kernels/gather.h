/* GATHER along any axis with batch dims, for every element type: blocks of `inner_bytes` chosen by
   int32 positions. TFLM fails the invoke on a position outside [0, axis_size); this kernel writes
   zeros for such a block instead (constant positions are checked at generation time). */
#ifndef TL_GATHER_H
#define TL_GATHER_H

#include "tl_runtime.h"

typedef struct {
  int32_t batch_size;   /* product of the batch dims */
  int32_t outer_size;   /* product of the input dims between the batch dims and the axis */
  int32_t axis_size;
  int32_t coord_size;   /* positions per batch */
  int32_t inner_bytes;  /* bytes of one gathered block (the dims after the axis) */
} tl_gather_params;

void tl_gather(const tl_gather_params *p, const void *input, const int32_t *positions, void *output);

#endif /* TL_GATHER_H */
