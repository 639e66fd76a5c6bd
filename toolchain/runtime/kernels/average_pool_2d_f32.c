/* AVERAGE_POOL_2D, float32: sum in row/column order, one division by the tap count, as TFLM. */
#include "average_pool_2d.h"

void tl_average_pool_2d_f32(const tl_average_pool_2d_f32_params *p, const float *input, float *output) {
  const tl_window *w = &p->win;
  const int32_t channels = w->in_c;
  const int32_t in_row = w->in_w * channels;
  int32_t b, oy, ox, ky, kx, c;
  for (b = 0; b < w->batches; ++b) {
    const float *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1;
        tl_window_span(x0, 1, w->k_w, w->in_w, &kx0, &kx1);
        for (c = 0; c < channels; ++c) {
          float total = 0.0f;
          float value;
          for (ky = ky0; ky < ky1; ++ky) {
            const float *in_r = in_image + (size_t)(y0 + ky) * in_row + c;
            for (kx = kx0; kx < kx1; ++kx) total += in_r[(size_t)(x0 + kx) * channels];
          }
          value = total / (float)((ky1 - ky0) * (kx1 - kx0));
          value = value < p->act_min ? p->act_min : value;
          *output++ = value > p->act_max ? p->act_max : value;
        }
      }
    }
  }
}
