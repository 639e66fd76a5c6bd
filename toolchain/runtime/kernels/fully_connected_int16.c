/* FULLY_CONNECTED, int16 activations (symmetric), int8 weights, int64 bias: 64-bit accumulation,
   summed in 32-bit chunks that cannot overflow (2^16 products of at most 2^22 each). */
#include "fully_connected.h"
#include "tl_quant.h"

enum { CHUNK = 1 << 15 };

void tl_fully_connected_int16(const tl_fully_connected_int16_params *p, const int16_t *input,
                              const int8_t *filter, const int64_t *bias, int16_t *output) {
  const int32_t batches = p->batches, depth = p->depth, units = p->units;
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t b, u, d, end;
  for (b = 0; b < batches; ++b) {
    const int16_t *x = input + (size_t)b * depth;
    for (u = 0; u < units; ++u) {
      const int8_t *f = filter + (size_t)u * depth;
      int64_t acc = bias ? bias[u] : 0;
      int32_t v;
      for (d = 0; d < depth; d = end) {
        int32_t chunk_sum = 0;
        end = depth - d > CHUNK ? d + CHUNK : depth;
        for (; d < end; ++d) chunk_sum += (int32_t)x[d] * f[d];
        acc += chunk_sum;
      }
      v = tl_multiply_by_quantized_multiplier_64(acc, multiplier[u], shift[u]);
      *output++ = (int16_t)tl_clamp_i32(v, act_min, act_max);
    }
  }
}
