/* FULLY_CONNECTED, int8: every unit is a plain int8 dot product on top of a bias that already holds
   input_offset * sum(filter row), which equals TFLM's sum of (input + offset) * filter exactly. */
#include "fully_connected.h"
#include "tl_quant.h"

void tl_fully_connected_int8(const tl_fully_connected_int8_params *p, const int8_t *input,
                             const int8_t *filter, const int32_t *bias, int8_t *output) {
  int32_t b, u, d;
  (void)bias; /* folded into p->folded_bias */
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = input + (size_t)b * p->depth;
    for (u = 0; u < p->units; ++u) {
      const int8_t *f = filter + (size_t)u * p->depth;
      int32_t acc = 0;
      for (d = 0; d < p->depth; ++d) acc += (int32_t)x[d] * (int32_t)f[d];
      acc = tl_multiply_by_quantized_multiplier(acc + p->folded_bias[u], p->multiplier[u], p->shift[u]);
      *output++ = (int8_t)tl_clamp_i32(acc + p->output_offset, p->act_min, p->act_max);
    }
  }
}
