/* DEPTHWISE_CONV_2D, float32: per output channel, taps summed in TFLM's order (kernel row, then
   column), taps outside the input skipped, bias added once at the end. */
#include "depthwise_conv_2d.h"

void tl_depthwise_conv_2d_f32(const tl_depthwise_conv_2d_f32_params *p, const float *input,
                              const float *filter, const float *bias, float *output) {
  const tl_window *w = &p->win;
  const int32_t dm = p->depth_multiplier;
  const int32_t in_row = w->in_w * w->in_c;
  int32_t b, oy, ox, ky, kx, oc;
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
          const float *in_c = in_image + oc / dm;
          float total = 0.0f;
          float value;
          for (ky = ky0; ky < ky1; ++ky) {
            const float *in_r = in_c + (size_t)(y0 + ky * w->dil_h) * in_row;
            const float *f_r = filter + (size_t)ky * w->k_w * w->out_c + oc;
            for (kx = kx0; kx < kx1; ++kx) {
              total += in_r[(size_t)(x0 + kx * w->dil_w) * w->in_c] * f_r[(size_t)kx * w->out_c];
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
