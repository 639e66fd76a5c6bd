/* TRANSPOSE_CONV float32: accumulated in the output itself in TFLM's order, then bias, then clamp. */
#include <string.h>

#include "transpose_conv.h"
#include "transpose_conv_scatter.h"

void tl_transpose_conv_f32(const tl_transpose_conv_f32_params *p, const float *input, const float *filter,
                           const float *bias, float *output) {
  const tl_window *w = &p->w;
  const size_t count = (size_t)w->batches * w->out_h * w->out_w * w->out_c;
  size_t i;
#define TL_PRODUCT_F32(x, f) ((x) * (f))
  memset(output, 0, count * sizeof(float));
  TL_TRANSPOSE_CONV_SCATTER(w, input, filter, output, TL_PRODUCT_F32);
#undef TL_PRODUCT_F32
  for (i = 0; i < count; ++i) {
    float v = output[i];
    if (bias) v += bias[i % (size_t)w->out_c];
    output[i] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
  }
}
