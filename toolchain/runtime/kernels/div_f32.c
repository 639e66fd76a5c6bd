/* DIV, float32, with broadcasting and a fused activation clamp. */
#include "broadcast.h"
#include "div.h"

void tl_div_f32(const tl_div_f32_params *p, const float *input1, const float *input2, float *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      float v = input1[offset_a + i * step_a] / input2[offset_b + i * step_b];
      v = v < p->act_min ? p->act_min : v;
      *output++ = v > p->act_max ? p->act_max : v;
    }
  }
}
