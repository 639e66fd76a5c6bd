/* ADD, int16 (16x8): each input (plus its offset) is shifted left by 15 bits of headroom, rescaled
   to the common scale 2 * max(scale1, scale2), the two are summed in int32 and the sum is
   requantized to the output scale; TFLM's general-scale int16 add, step for step. */
#include "add.h"
#include "tl_quant.h"

static int16_t add_one(const tl_add_int16_params *p, int16_t a, int16_t b) {
  const int32_t shifted1 = ((int32_t)a + p->input1_offset) * ((int32_t)1 << p->left_shift);
  const int32_t shifted2 = ((int32_t)b + p->input2_offset) * ((int32_t)1 << p->left_shift);
  const int32_t sum =
      tl_multiply_by_quantized_multiplier_smaller_than_one(shifted1, p->input1_multiplier, p->input1_shift) +
      tl_multiply_by_quantized_multiplier_smaller_than_one(shifted2, p->input2_multiplier, p->input2_shift);
  const int32_t v =
      tl_multiply_by_quantized_multiplier_smaller_than_one(sum, p->output_multiplier, p->output_shift) +
      p->output_offset;
  return (int16_t)tl_clamp_i32(v, p->act_min, p->act_max);
}

void tl_add_int16(const tl_add_int16_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
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
            const int16_t *a = input1 + i0 * s->strides_a[0] + i1 * s->strides_a[1] + i2 * s->strides_a[2] +
                               i3 * s->strides_a[3] + i4 * s->strides_a[4];
            const int16_t *b = input2 + i0 * s->strides_b[0] + i1 * s->strides_b[1] + i2 * s->strides_b[2] +
                               i3 * s->strides_b[3] + i4 * s->strides_b[4];
            for (i5 = 0; i5 < s->dims[5]; ++i5) {
              *output++ = add_one(p, a[i5 * s->strides_a[5]], b[i5 * s->strides_b[5]]);
            }
          }
}
