/* REDUCE_MAX / REDUCE_MIN, int8. */
#include "reduce.h"

void tl_reduce_max_min_int8(const tl_reduce_max_min_params *p, const int8_t *input, int8_t *output) {
  const tl_mean_shape *s = &p->shape;
  const int32_t rows = tl_reduce_rows(s), inner = s->in_dims[TL_MAX_RANK - 1];
  const int32_t step = s->out_strides[TL_MAX_RANK - 1];
  int32_t o, row, i;
  for (o = 0; o < s->num_outputs; ++o) output[o] = p->take_max ? -128 : 127;
  for (row = 0; row < rows; ++row) {
    int8_t *out = output + tl_reduce_row_output(s, row);
    for (i = 0; i < inner; ++i) {
      const int8_t in = *input++;
      int8_t *current = out + i * step;
      if (p->take_max ? in > *current : in < *current) *current = in;
    }
  }
}
