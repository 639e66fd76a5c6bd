/* REDUCE_MAX / REDUCE_MIN, f32. */
#include <float.h>

#include "reduce.h"

void tl_reduce_max_min_f32(const tl_reduce_max_min_params *p, const float *input, float *output) {
  const tl_mean_shape *s = &p->shape;
  const int32_t rows = tl_reduce_rows(s), inner = s->in_dims[TL_MAX_RANK - 1];
  const int32_t step = s->out_strides[TL_MAX_RANK - 1];
  int32_t o, row, i;
  for (o = 0; o < s->num_outputs; ++o) output[o] = p->take_max ? -FLT_MAX : FLT_MAX;
  for (row = 0; row < rows; ++row) {
    float *out = output + tl_reduce_row_output(s, row);
    for (i = 0; i < inner; ++i) {
      const float in = *input++;
      float *current = out + i * step;
      if (p->take_max ? in > *current : in < *current) *current = in;
    }
  }
}
