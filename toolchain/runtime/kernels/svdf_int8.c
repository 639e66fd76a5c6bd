/* SVDF int8 input, int16 state and time weights, int32 bias: TFLM's integer reference steps. The
   time and rank sums wrap around in 32 bits as TFLM's do (computed unsigned: no undefined overflow). */
#include <string.h>

#include "svdf.h"
#include "tl_quant.h"

void tl_svdf_int8(const tl_svdf_int8_params *p, const int8_t *input, const int8_t *weights_feature,
                  const int16_t *weights_time, const int32_t *bias, int8_t *output, void *scratch) {
  const tl_svdf_shape *s = &p->s;
  const size_t state_count = (size_t)s->batches * s->filters * s->memory;
  int16_t *state = p->state;
  int32_t *per_filter = (int32_t *)scratch;
  int32_t *per_unit = per_filter + (size_t)s->batches * s->filters;
  int32_t b, f, i, u, r;
  memmove(state, state + 1, (state_count - 1) * sizeof(int16_t));
  for (b = 0; b < s->batches; ++b) {
    const int8_t *x = input + (size_t)b * s->input_size;
    for (f = 0; f < s->filters; ++f) {
      const int8_t *w = weights_feature + (size_t)f * s->input_size;
      int32_t dot = 0;
      for (i = 0; i < s->input_size; ++i) dot += w[i] * (x[i] - p->input_zero_point);
      dot = tl_multiply_by_quantized_multiplier(dot, p->multiplier_1, p->shift_1);
      state[((size_t)b * s->filters + f) * s->memory + s->memory - 1] = (int16_t)tl_clamp_i32(dot, -32768, 32767);
    }
  }
  for (b = 0; b < s->batches; ++b) {
    for (f = 0; f < s->filters; ++f) {
      const int16_t *wt = weights_time + (size_t)f * s->memory;
      const int16_t *st = state + ((size_t)b * s->filters + f) * s->memory;
      uint32_t sum = 0;
      for (i = 0; i < s->memory; ++i) sum += (uint32_t)(wt[i] * st[i]);
      per_filter[(size_t)b * s->filters + f] = (int32_t)sum;
    }
  }
  for (b = 0; b < s->batches; ++b) {
    const int32_t *from = per_filter + (size_t)b * s->filters;
    for (u = 0; u < s->units; ++u) {
      uint32_t acc = (uint32_t)(bias ? bias[u] : 0);
      for (r = 0; r < s->rank; ++r) acc += (uint32_t)*from++;
      per_unit[(size_t)b * s->units + u] = (int32_t)acc;
    }
  }
  for (i = 0; i < s->batches * s->units; ++i) {
    const int32_t v = tl_multiply_by_quantized_multiplier(per_unit[i], p->multiplier_2, p->shift_2) + p->output_zero_point;
    output[i] = (int8_t)tl_clamp_i32(v, -128, 127);
  }
}
