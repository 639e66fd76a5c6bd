/* CONV_2D, int16 activations (symmetric), int8 per-channel weights, int64 bias: portable C99.
   Products are summed per kernel row in 32 bits (a row of int16 x int8 products cannot overflow it
   for rows under 2^16 taps) and the row sums in 64 bits, which is TFLM's 64-bit sum exactly. */
#include "conv_2d.h"
#include "tl_quant.h"

static int32_t dot_s16_s8(const int16_t *a, const int8_t *f, int32_t n) {
  int32_t s = 0;
  while (n-- > 0) s += (int32_t)*a++ * *f++;
  return s;
}

void tl_conv_2d_int16(const tl_conv_2d_int16_params *p, const int16_t *input, const int8_t *filter,
                      const int64_t *bias, int16_t *output) {
  const tl_window w = p->win;
  const int32_t fc = p->filter_in_c;
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t out_c_per_group = w.out_c / (w.in_c / fc);
  const size_t filter_size = (size_t)w.k_h * w.k_w * fc;
  const int32_t in_row = w.in_w * w.in_c;
  const int contiguous_rows = (w.dil_w == 1 && fc == w.in_c);
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
          const int8_t *f = filter + (size_t)oc * filter_size;
          const int16_t *in_g = in_image + (oc / out_c_per_group) * fc;
          int64_t acc = 0;
          int32_t v;
          for (ky = ky0; ky < ky1; ++ky) {
            const int16_t *in_r = in_g + (size_t)(y0 + ky * w.dil_h) * in_row;
            const int8_t *f_r = f + (size_t)ky * w.k_w * fc;
            if (contiguous_rows) {
              acc += dot_s16_s8(in_r + (size_t)(x0 + kx0) * w.in_c, f_r + kx0 * fc, (kx1 - kx0) * fc);
            } else {
              for (kx = kx0; kx < kx1; ++kx) {
                acc += dot_s16_s8(in_r + (size_t)(x0 + kx * w.dil_w) * w.in_c, f_r + kx * fc, fc);
              }
            }
          }
          if (bias) acc += bias[oc];
          v = tl_multiply_by_quantized_multiplier_64(acc, multiplier[oc], shift[oc]);
          *output++ = (int16_t)tl_clamp_i32(v, act_min, act_max);
        }
      }
    }
  }
}
