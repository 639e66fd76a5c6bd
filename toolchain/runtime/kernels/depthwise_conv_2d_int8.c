/* DEPTHWISE_CONV_2D, int8 activations, int8 per-channel weights, int32 bias: portable C99.
   Accumulates one output pixel across all channels at once (scratch holds out_c int32 sums), so
   the innermost loops walk input and filter contiguously; the valid window is computed per pixel.
   Fully-inside windows start from the folded bias and skip the per-tap input offset. */
#include "depthwise_conv_2d.h"
#include "tl_quant.h"

void tl_depthwise_conv_2d_int8(const tl_depthwise_conv_2d_int8_params *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch) {
  const tl_window *w = &p->win;
  const int32_t dm = p->depth_multiplier;
  const int32_t in_row = w->in_w * w->in_c;
  int32_t *acc = (int32_t *)scratch;
  int32_t b, oy, ox, ky, kx, ic, m, oc;
  for (b = 0; b < w->batches; ++b) {
    const int8_t *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w->dil_h, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        const int32_t offset = p->input_offset;
        int32_t kx0, kx1;
        int full;
        tl_window_span(x0, w->dil_w, w->k_w, w->in_w, &kx0, &kx1);
        full = (ky0 == 0 && ky1 == w->k_h && kx0 == 0 && kx1 == w->k_w);
        for (oc = 0; oc < w->out_c; ++oc) acc[oc] = full ? p->folded_bias[oc] : (bias ? bias[oc] : 0);
        for (ky = ky0; ky < ky1; ++ky) {
          const int8_t *in_r = in_image + (size_t)(y0 + ky * w->dil_h) * in_row;
          for (kx = kx0; kx < kx1; ++kx) {
            const int8_t *a = in_r + (size_t)(x0 + kx * w->dil_w) * w->in_c;
            const int8_t *f = filter + ((size_t)ky * w->k_w + kx) * w->out_c;
            if (dm == 1) {
              if (full) {
                for (ic = 0; ic < w->in_c; ++ic) acc[ic] += (int32_t)a[ic] * f[ic];
              } else {
                for (ic = 0; ic < w->in_c; ++ic) acc[ic] += ((int32_t)a[ic] + offset) * f[ic];
              }
            } else {
              for (ic = 0; ic < w->in_c; ++ic) {
                const int32_t x = full ? (int32_t)a[ic] : (int32_t)a[ic] + offset;
                int32_t *acc_c = acc + ic * dm;
                const int8_t *f_c = f + ic * dm;
                for (m = 0; m < dm; ++m) acc_c[m] += x * f_c[m];
              }
            }
          }
        }
        for (oc = 0; oc < w->out_c; ++oc) {
          const int32_t v = tl_multiply_by_quantized_multiplier(acc[oc], p->multiplier[oc], p->shift[oc]);
          *output++ = (int8_t)tl_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
        }
      }
    }
  }
}
