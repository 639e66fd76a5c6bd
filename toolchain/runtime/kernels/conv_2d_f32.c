/* CONV_2D, float32: sums taps in TFLM's order (kernel row, column, input channel), skipping taps
   outside the input, then adds the bias once, so results round exactly as TFLM's do. */
#include "conv_2d.h"

void tl_conv_2d_f32(const tl_conv_2d_f32_params *p, const float *input, const float *filter,
                    const float *bias, float *output) {
  const tl_window *w = &p->win;
  const int32_t fc = p->filter_in_c;
  const int32_t out_c_per_group = w->out_c / (w->in_c / fc);
  const int32_t filter_size = w->k_h * w->k_w * fc;
  const int32_t in_row = w->in_w * w->in_c;
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < w->batches; ++b) {
    const float *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w->dil_h, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1;
        tl_window_span(x0, w->dil_w, w->k_w, w->in_w, &kx0, &kx1);
        for (oc = 0; oc < w->out_c; ++oc) {
          const float *f = filter + (size_t)oc * filter_size;
          const float *in_g = in_image + (oc / out_c_per_group) * fc;
          float total = 0.0f;
          float value;
          for (ky = ky0; ky < ky1; ++ky) {
            const float *in_r = in_g + (size_t)(y0 + ky * w->dil_h) * in_row;
            for (kx = kx0; kx < kx1; ++kx) {
              const float *a = in_r + (size_t)(x0 + kx * w->dil_w) * w->in_c;
              const float *fk = f + ((size_t)ky * w->k_w + kx) * fc;
              for (ic = 0; ic < fc; ++ic) total += a[ic] * fk[ic];
            }
          }
          value = total + (bias ? bias[oc] : 0.0f);
          value = value < p->act_min ? p->act_min : value;
          *output++ = value > p->act_max ? p->act_max : value;
        }
      }
    }
  }
}
