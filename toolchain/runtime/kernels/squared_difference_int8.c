/* SQUARED_DIFFERENCE, int8: table-rescaled inputs, squared difference requantized. */
#include "broadcast.h"
#include "squared_difference.h"
#include "tl_quant.h"

void tl_squared_difference_int8(const tl_squared_difference_int8_params *p, const int8_t *input1,
                              const int8_t *input2, int8_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  const int32_t *const t1 = p->input1_table + 128;
  const int32_t *const t2 = p->input2_table + 128;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const int8_t a = input1[offset_a + i * step_a], b = input2[offset_b + i * step_b];
      const int32_t diff = t1[a] - t2[b];
      const int32_t v = tl_multiply_by_quantized_multiplier(diff * diff, p->output_multiplier, p->output_shift) +
                        p->output_offset;
      *output++ = (int8_t)tl_clamp_i32(v, -128, 127);
    }
  }
}
