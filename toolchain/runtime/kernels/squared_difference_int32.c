/* SQUARED_DIFFERENCE, int32: (a - b)^2 wrapping (unsigned arithmetic, so C has no overflow). */
#include "broadcast.h"
#include "squared_difference.h"

void tl_squared_difference_int32(const tl_squared_difference_int32_params *p, const int32_t *input1,
                              const int32_t *input2, int32_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const int32_t a = input1[offset_a + i * step_a], b = input2[offset_b + i * step_b];
      const uint32_t diff = (uint32_t)a - (uint32_t)b;
      *output++ = (int32_t)(diff * diff);
    }
  }
}
