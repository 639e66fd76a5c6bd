/* REDUCE_MAX / REDUCE_MIN, int16 (LiteRT's reference; TFLM takes float32 and int8 only). */
#include "reduce.h"

void tl_reduce_max_min_int16(const tl_reduce_max_min_params *p, const int16_t *input, int16_t *output) {
  const tl_mean_shape *s = &p->shape;
  const int32_t rows = tl_reduce_rows(s), inner = s->in_dims[TL_MAX_RANK - 1];
  const int32_t step = s->out_strides[TL_MAX_RANK - 1];
  int32_t o, row, i;
  for (o = 0; o < s->num_outputs; ++o) output[o] = p->take_max ? -32768 : 32767;
  for (row = 0; row < rows; ++row) {
    int16_t *out = output + tl_reduce_row_output(s, row);
    for (i = 0; i < inner; ++i) {
      const int16_t in = *input++;
      int16_t *current = out + i * step;
      if (p->take_max ? in > *current : in < *current) *current = in;
    }
  }
}
