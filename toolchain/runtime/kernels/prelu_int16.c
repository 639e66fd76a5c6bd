/* PRELU, int16, broadcasting alpha row by row. */
#include "tl_quant.h"
#include "broadcast.h"
#include "prelu.h"

void tl_prelu_int16(const tl_prelu_int16_params *p, const int16_t *input, const int8_t *alpha, int16_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const int32_t v = tl_prelu_quantized_one(p, input[offset_a + i * step_a], alpha[offset_b + i * step_b]);
      *output++ = (int16_t)tl_clamp_i32(v, -32768, 32767);
    }
  }
}
