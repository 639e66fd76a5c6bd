/* FULLY_CONNECTED, float32: products summed in input order, then the bias, as TFLM does. */
#include "fully_connected.h"

void tl_fully_connected_f32(const tl_fully_connected_f32_params *p, const float *input, const float *filter,
                            const float *bias, float *output) {
  int32_t b, u, d;
  for (b = 0; b < p->batches; ++b) {
    const float *x = input + (size_t)b * p->depth;
    for (u = 0; u < p->units; ++u) {
      const float *f = filter + (size_t)u * p->depth;
      float total = 0.0f;
      float value;
      for (d = 0; d < p->depth; ++d) total += x[d] * f[d];
      value = total + (bias ? bias[u] : 0.0f);
      value = value < p->act_min ? p->act_min : value;
      *output++ = value > p->act_max ? p->act_max : value;
    }
  }
}
