/* TRANSPOSE_CONV 16x8: input * filter summed in int64 scratch, int64 bias, per-channel 64-bit
   requantization, clamp (symmetric int16, no offsets). */
#include <string.h>

#include "tl_quant.h"
#include "transpose_conv.h"
#include "transpose_conv_scatter.h"

void tl_transpose_conv_int16(const tl_transpose_conv_int16_params *p, const int16_t *input, const int8_t *filter,
                             int16_t *output, void *scratch) {
  const tl_window *w = &p->w;
  const size_t count = (size_t)w->batches * w->out_h * w->out_w * w->out_c;
  int64_t *acc = (int64_t *)scratch;
  size_t i;
#define TL_PRODUCT_INT16(x, f) ((int64_t)((int32_t)(x) * (int32_t)(f)))
  memset(acc, 0, count * sizeof(int64_t));
  TL_TRANSPOSE_CONV_SCATTER(w, input, filter, acc, TL_PRODUCT_INT16);
#undef TL_PRODUCT_INT16
  for (i = 0; i < count; ++i) {
    const int32_t c = (int32_t)(i % (size_t)w->out_c);
    const int64_t sum = acc[i] + (p->bias ? p->bias[c] : 0);
    const int32_t v = tl_multiply_by_quantized_multiplier_64(sum, p->multiplier[c], p->shift[c]);
    output[i] = (int16_t)tl_clamp_i32(v, p->act_min, p->act_max);
  }
}
