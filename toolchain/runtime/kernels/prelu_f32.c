/* PRELU, float32, broadcasting alpha row by row. */
#include "broadcast.h"
#include "prelu.h"

void tl_prelu_f32(const tl_prelu_f32_params *p, const float *input, const float *alpha, float *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const float x = input[offset_a + i * step_a];
      *output++ = x >= 0.0f ? x : x * alpha[offset_b + i * step_b];
    }
  }
}
