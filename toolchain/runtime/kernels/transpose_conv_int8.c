/* TRANSPOSE_CONV int8: (input + input_offset) * filter summed in int32 scratch, bias, per-channel
   double-rounding requantization, output zero point, clamp. */
#include <string.h>

#include "tl_quant.h"
#include "transpose_conv.h"
#include "transpose_conv_scatter.h"

void tl_transpose_conv_int8(const tl_transpose_conv_int8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, void *scratch) {
  const tl_window *w = &p->w;
  const int32_t input_offset = p->input_offset;
  const size_t count = (size_t)w->batches * w->out_h * w->out_w * w->out_c;
  int32_t *acc = (int32_t *)scratch;
  size_t i;
#define TL_PRODUCT_INT8(x, f) (((int32_t)(x) + input_offset) * (int32_t)(f))
  memset(acc, 0, count * sizeof(int32_t));
  TL_TRANSPOSE_CONV_SCATTER(w, input, filter, acc, TL_PRODUCT_INT8);
#undef TL_PRODUCT_INT8
  for (i = 0; i < count; ++i) {
    const int32_t c = (int32_t)(i % (size_t)w->out_c);
    const int32_t sum = acc[i] + (bias ? bias[c] : 0);
    const int32_t v = tl_multiply_by_quantized_multiplier(sum, p->multiplier[c], p->shift[c]) + p->output_offset;
    output[i] = (int8_t)tl_clamp_i32(v, p->act_min, p->act_max);
  }
}
