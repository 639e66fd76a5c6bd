/* MEAN, int16: integer sums over the input in row-major order, then per output
   (sum - input_zero_point * n) * (input_scale / output_scale / n) + output_zero_point, clamped. */
#include "mean.h"
#include "tl_quant.h"

void tl_mean_int16(const tl_mean_int16_params *p, const int16_t *input, int16_t *output, void *scratch) {
  const tl_mean_shape *s = &p->shape;
  const int64_t zero_sum = (int64_t)p->input_zero_point * s->num_reduced;
  int32_t *sums = (int32_t *)scratch;
  int32_t i0, i1, i2, i3, i4, i5, o;
  for (o = 0; o < s->num_outputs; ++o) sums[o] = 0;
  for (i0 = 0; i0 < s->in_dims[0]; ++i0)
    for (i1 = 0; i1 < s->in_dims[1]; ++i1)
      for (i2 = 0; i2 < s->in_dims[2]; ++i2)
        for (i3 = 0; i3 < s->in_dims[3]; ++i3)
          for (i4 = 0; i4 < s->in_dims[4]; ++i4) {
            int32_t *row = sums + i0 * s->out_strides[0] + i1 * s->out_strides[1] + i2 * s->out_strides[2] +
                           i3 * s->out_strides[3] + i4 * s->out_strides[4];
            for (i5 = 0; i5 < s->in_dims[5]; ++i5) row[i5 * s->out_strides[5]] += *input++;
          }
  for (o = 0; o < s->num_outputs; ++o) {
    const int32_t centered = (int32_t)((int64_t)sums[o] - zero_sum);
    const int32_t v = tl_multiply_by_quantized_multiplier(centered, p->multiplier, p->shift) + p->output_zero_point;
    output[o] = (int16_t)tl_clamp_i32(v, -32768, 32767);
  }
}
