/* SUB, int32: the difference wraps like TFLM's int32 arithmetic (computed unsigned, so C has no
   overflow), then the fused activation's clamp. */
#include "broadcast.h"
#include "sub.h"

void tl_sub_int32(const tl_sub_int32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const int32_t v = (int32_t)((uint32_t)input1[offset_a + i * step_a] - (uint32_t)input2[offset_b + i * step_b]);
      *output++ = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
    }
  }
}
