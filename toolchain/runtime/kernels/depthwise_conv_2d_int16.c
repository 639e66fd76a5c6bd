/* DEPTHWISE_CONV_2D, int16 activations (symmetric), int8 per-channel weights, int64 bias:
   portable C99, valid window per output pixel, 64-bit accumulation as TFLM. */
#include "depthwise_conv_2d.h"
#include "tl_quant.h"

void tl_depthwise_conv_2d_int16(const tl_depthwise_conv_2d_int16_params *p, const int16_t *input,
                                const int8_t *filter, const int64_t *bias, int16_t *output) {
  const tl_window w = p->win;
  const int32_t dm = p->depth_multiplier;
  const int32_t in_row = w.in_w * w.in_c;
  const int32_t tap_step = w.dil_w * w.in_c;
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t b, oy, ox, oc, ky, kx;
  for (b = 0; b < w.batches; ++b) {
    const int16_t *in_image = input + (size_t)b * w.in_h * in_row;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w.dil_h, w.k_h, w.in_h, &ky0, &ky1);
      for (ox = 0; ox < w.out_w; ++ox) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        int32_t kx0, kx1;
        tl_window_span(x0, w.dil_w, w.k_w, w.in_w, &kx0, &kx1);
        for (oc = 0; oc < w.out_c; ++oc) {
          int64_t acc = bias ? bias[oc] : 0;
          int32_t v;
          for (ky = ky0; ky < ky1; ++ky) {
            const int16_t *row = in_image + (size_t)(y0 + ky * w.dil_h) * in_row + oc / dm;
            const int8_t *f = filter + (size_t)ky * w.k_w * w.out_c + oc;
            int32_t ai = (x0 + kx0 * w.dil_w) * w.in_c;
            int32_t fi = kx0 * w.out_c;
            int32_t row_sum = 0; /* at most k_w int16 x int8 products: fits 32 bits */
            for (kx = kx0; kx < kx1; ++kx, ai += tap_step, fi += w.out_c) row_sum += (int32_t)row[ai] * f[fi];
            acc += row_sum;
          }
          v = tl_multiply_by_quantized_multiplier_64(acc, multiplier[oc], shift[oc]);
          *output++ = (int16_t)tl_clamp_i32(v, act_min, act_max);
        }
      }
    }
  }
}
