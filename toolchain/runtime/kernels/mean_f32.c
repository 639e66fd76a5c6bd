/* MEAN, float32: sums accumulated in row-major input order (TFLM's order), then one division. */
#include "mean.h"

void tl_mean_f32(const tl_mean_f32_params *p, const float *input, float *output, void *scratch) {
  const tl_mean_shape *s = &p->shape;
  float *sums = (float *)scratch;
  int32_t i0, i1, i2, i3, i4, i5, o;
  for (o = 0; o < s->num_outputs; ++o) sums[o] = 0.0f;
  for (i0 = 0; i0 < s->in_dims[0]; ++i0)
    for (i1 = 0; i1 < s->in_dims[1]; ++i1)
      for (i2 = 0; i2 < s->in_dims[2]; ++i2)
        for (i3 = 0; i3 < s->in_dims[3]; ++i3)
          for (i4 = 0; i4 < s->in_dims[4]; ++i4) {
            float *row = sums + i0 * s->out_strides[0] + i1 * s->out_strides[1] + i2 * s->out_strides[2] +
                         i3 * s->out_strides[3] + i4 * s->out_strides[4];
            for (i5 = 0; i5 < s->in_dims[5]; ++i5) row[i5 * s->out_strides[5]] += *input++;
          }
  for (o = 0; o < s->num_outputs; ++o) output[o] = sums[o] / (float)s->num_reduced;
}
