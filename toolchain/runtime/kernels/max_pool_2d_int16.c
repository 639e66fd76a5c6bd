/* MAX_POOL_2D, int16: the maximum over the window's taps inside the input, then the activation
   clamp. Input and output share one quantization, so no rescaling happens (as in TFLM). */
#include "max_pool_2d.h"

void tl_max_pool_2d_int16(const tl_max_pool_2d_int16_params *p, const int16_t *input, int16_t *output) {
  const tl_window *w = &p->win;
  const int32_t in_row = w->in_w * w->in_c;
  int32_t b, oy, ox, c, ky, kx;
  for (b = 0; b < w->batches; ++b) {
    const int16_t *image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1;
        tl_window_span(x0, 1, w->k_w, w->in_w, &kx0, &kx1);
        for (c = 0; c < w->in_c; ++c) {
          int32_t best = -32768;
          for (ky = ky0; ky < ky1; ++ky) {
            const int16_t *row = image + (size_t)(y0 + ky) * in_row + c;
            for (kx = kx0; kx < kx1; ++kx) {
              const int32_t v = row[(size_t)(x0 + kx) * w->in_c];
              if (v > best) best = v;
            }
          }
          if (best < p->act_min) best = p->act_min;
          if (best > p->act_max) best = p->act_max;
          *output++ = (int16_t)best;
        }
      }
    }
  }
}
