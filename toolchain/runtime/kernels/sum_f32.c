/* SUM, float32: each output starts at 0 and adds its inputs in row-major order (TFLM's order). */
#include "reduce.h"

void tl_sum_f32(const tl_sum_f32_params *p, const float *input, float *output) {
  const tl_mean_shape *s = &p->shape;
  const int32_t rows = tl_reduce_rows(s), inner = s->in_dims[TL_MAX_RANK - 1];
  const int32_t step = s->out_strides[TL_MAX_RANK - 1];
  int32_t o, row, i;
  for (o = 0; o < s->num_outputs; ++o) output[o] = 0.0f;
  for (row = 0; row < rows; ++row) {
    float *out = output + tl_reduce_row_output(s, row);
    for (i = 0; i < inner; ++i) out[i * step] += *input++;
  }
}
