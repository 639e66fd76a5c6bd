/* ADD, int8: both inputs are brought to a common scale with 20 bits of headroom, summed, and
   requantized to the output scale: TFLM's integer add, step for step. The per-input rescale is a
   table read (precomputed by the generator for all 256 values with the same integer arithmetic). */
#include "add.h"
#include "tl_quant.h"

void tl_add_int8(const tl_add_int8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
  /* Locals, not struct reads: int8 output stores may alias anything and would force reloads. */
  const tl_broadcast s = p->shape;
  const int32_t *const t1 = p->input1_table + 128;
  const int32_t *const t2 = p->input2_table + 128;
  const int32_t multiplier = p->output_multiplier, shift = p->output_shift, offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t i0, i1, i2, i3, i4, i5;
  if (s.same_shape) {
    for (i0 = 0; i0 < s.count; ++i0) {
      const int32_t sum = t1[input1[i0]] + t2[input2[i0]];
      const int32_t v = tl_multiply_by_quantized_multiplier_smaller_than_one(sum, multiplier, shift) + offset;
      output[i0] = (int8_t)tl_clamp_i32(v, act_min, act_max);
    }
    return;
  }
  for (i0 = 0; i0 < s.dims[0]; ++i0)
    for (i1 = 0; i1 < s.dims[1]; ++i1)
      for (i2 = 0; i2 < s.dims[2]; ++i2)
        for (i3 = 0; i3 < s.dims[3]; ++i3)
          for (i4 = 0; i4 < s.dims[4]; ++i4) {
            const int8_t *a = input1 + i0 * s.strides_a[0] + i1 * s.strides_a[1] + i2 * s.strides_a[2] +
                              i3 * s.strides_a[3] + i4 * s.strides_a[4];
            const int8_t *b = input2 + i0 * s.strides_b[0] + i1 * s.strides_b[1] + i2 * s.strides_b[2] +
                              i3 * s.strides_b[3] + i4 * s.strides_b[4];
            for (i5 = 0; i5 < s.dims[5]; ++i5) {
              const int32_t sum = t1[a[i5 * s.strides_a[5]]] + t2[b[i5 * s.strides_b[5]]];
              const int32_t v = tl_multiply_by_quantized_multiplier_smaller_than_one(sum, multiplier, shift) + offset;
              *output++ = (int8_t)tl_clamp_i32(v, act_min, act_max);
            }
          }
}
