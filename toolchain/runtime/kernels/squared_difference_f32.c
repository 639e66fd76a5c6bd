/* SQUARED_DIFFERENCE, f32: (a - b)^2 in single precision. */
#include "broadcast.h"
#include "squared_difference.h"

void tl_squared_difference_f32(const tl_squared_difference_f32_params *p, const float *input1,
                              const float *input2, float *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const float a = input1[offset_a + i * step_a], b = input2[offset_b + i * step_b];
      const float diff = a - b;
      *output++ = diff * diff;
    }
  }
}
