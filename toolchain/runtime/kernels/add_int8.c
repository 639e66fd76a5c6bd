/* ADD, int8: both inputs are brought to a common scale with 20 bits of headroom, summed, and
   requantized to the output scale: TFLM's integer add, step for step. */
#include "add.h"
#include "tl_quant.h"

static int8_t add_one(const tl_add_int8_params *p, int8_t a, int8_t b) {
  const int32_t x1 = tl_shift_left((int32_t)a + p->input1_offset, p->left_shift);
  const int32_t x2 = tl_shift_left((int32_t)b + p->input2_offset, p->left_shift);
  const int32_t s1 = tl_multiply_by_quantized_multiplier_smaller_than_one(x1, p->input1_multiplier, p->input1_shift);
  const int32_t s2 = tl_multiply_by_quantized_multiplier_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);
  const int32_t sum = tl_multiply_by_quantized_multiplier_smaller_than_one(s1 + s2, p->output_multiplier,
                                                                           p->output_shift);
  return (int8_t)tl_clamp_i32(sum + p->output_offset, p->act_min, p->act_max);
}

void tl_add_int8(const tl_add_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  const tl_broadcast *s = &p->shape;
  int32_t i0, i1, i2, i3, i4, i5;
  if (s->same_shape) {
    for (i0 = 0; i0 < s->count; ++i0) output[i0] = add_one(p, input1[i0], input2[i0]);
    return;
  }
  for (i0 = 0; i0 < s->dims[0]; ++i0)
    for (i1 = 0; i1 < s->dims[1]; ++i1)
      for (i2 = 0; i2 < s->dims[2]; ++i2)
        for (i3 = 0; i3 < s->dims[3]; ++i3)
          for (i4 = 0; i4 < s->dims[4]; ++i4) {
            const int8_t *a = input1 + i0 * s->strides_a[0] + i1 * s->strides_a[1] + i2 * s->strides_a[2] +
                              i3 * s->strides_a[3] + i4 * s->strides_a[4];
            const int8_t *b = input2 + i0 * s->strides_b[0] + i1 * s->strides_b[1] + i2 * s->strides_b[2] +
                              i3 * s->strides_b[3] + i4 * s->strides_b[4];
            for (i5 = 0; i5 < s->dims[5]; ++i5) {
              *output++ = add_one(p, a[i5 * s->strides_a[5]], b[i5 * s->strides_b[5]]);
            }
          }
}
