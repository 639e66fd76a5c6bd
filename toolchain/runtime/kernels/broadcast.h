/* Walking a tl_broadcast output row by row: the element offset of each input at the start of
   output row `row` (every dim but the innermost), for kernels that then step along the innermost
   dim with strides_a[5] / strides_b[5]. */
#ifndef TL_BROADCAST_H
#define TL_BROADCAST_H

#include "tl_runtime.h"

static inline int32_t tl_broadcast_rows(const tl_broadcast *s) {
  return s->dims[TL_MAX_RANK - 1] ? s->count / s->dims[TL_MAX_RANK - 1] : 0;
}

static inline void tl_broadcast_row_offsets(const tl_broadcast *s, int32_t row, int32_t *offset_a,
                                            int32_t *offset_b) {
  int32_t axis;
  int32_t a = 0, b = 0;
  for (axis = TL_MAX_RANK - 2; axis >= 0; --axis) {
    const int32_t index = row % s->dims[axis];
    row /= s->dims[axis];
    a += index * s->strides_a[axis];
    b += index * s->strides_b[axis];
  }
  *offset_a = a;
  *offset_b = b;
}

#endif /* TL_BROADCAST_H */
