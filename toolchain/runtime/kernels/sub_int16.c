/* SUB, int16 (16x8): each input (plus offset) shifted left by 15 bits, rescaled to the common
   scale, the difference requantized to the output scale; TFLM's quantized sub step for step. */
#include "broadcast.h"
#include "sub.h"
#include "tl_quant.h"

static int16_t sub_one(const tl_sub_int16_params *p, int16_t a, int16_t b) {
  const int32_t shifted1 = ((int32_t)a + p->input1_offset) * ((int32_t)1 << p->left_shift);
  const int32_t shifted2 = ((int32_t)b + p->input2_offset) * ((int32_t)1 << p->left_shift);
  const int32_t difference =
      tl_multiply_by_quantized_multiplier_smaller_than_one(shifted1, p->input1_multiplier, p->input1_shift) -
      tl_multiply_by_quantized_multiplier_smaller_than_one(shifted2, p->input2_multiplier, p->input2_shift);
  const int32_t v =
      tl_multiply_by_quantized_multiplier_smaller_than_one(difference, p->output_multiplier, p->output_shift) +
      p->output_offset;
  return (int16_t)tl_clamp_i32(v, p->act_min, p->act_max);
}

void tl_sub_int16(const tl_sub_int16_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
  const tl_broadcast *s = &p->shape;
  const int32_t inner = s->dims[TL_MAX_RANK - 1];
  const int32_t step_a = s->strides_a[TL_MAX_RANK - 1], step_b = s->strides_b[TL_MAX_RANK - 1];
  const int32_t rows = tl_broadcast_rows(s);
  int32_t row, i, offset_a, offset_b;
  for (row = 0; row < rows; ++row) {
    tl_broadcast_row_offsets(s, row, &offset_a, &offset_b);
    for (i = 0; i < inner; ++i) *output++ = sub_one(p, input1[offset_a + i * step_a], input2[offset_b + i * step_b]);
  }
}
