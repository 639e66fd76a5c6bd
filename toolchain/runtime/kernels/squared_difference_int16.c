/* SQUARED_DIFFERENCE, int16: symmetric inputs rescaled inline (no headroom), squared difference requantized. */
#include "broadcast.h"
#include "squared_difference.h"
#include "tl_quant.h"

void tl_squared_difference_int16(const tl_squared_difference_int16_params *p, const int16_t *input1,
                              const int16_t *input2, int16_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) {
      const int16_t a = input1[offset_a + i * step_a], b = input2[offset_b + i * step_b];
      const int32_t diff =
          tl_multiply_by_quantized_multiplier_smaller_than_one(a, p->input1_multiplier, p->input1_shift) -
          tl_multiply_by_quantized_multiplier_smaller_than_one(b, p->input2_multiplier, p->input2_shift);
      const int32_t v = tl_multiply_by_quantized_multiplier(diff * diff, p->output_multiplier, p->output_shift);
      *output++ = (int16_t)tl_clamp_i32(v, -32768, 32767);
    }
  }
}
