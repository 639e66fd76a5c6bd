/* AVERAGE_POOL_2D, int16 (16x8): input and output share one quantization, so the average of the
   valid taps is taken on raw values in int32 and rounded half away from zero, as TFLM's int16
   pooling does; then the fused-activation clamp. All channels of one output pixel are summed
   together so the inner loop walks memory contiguously. */
#include "average_pool_2d.h"
#include "tl_quant.h"

void tl_average_pool_2d_int16(const tl_average_pool_2d_int16_params *p, const int16_t *input, int16_t *output,
                              void *scratch) {
  const tl_window *w = &p->win;
  const int32_t channels = w->in_c;
  const int32_t in_row = w->in_w * channels;
  int32_t *sum = (int32_t *)scratch;
  int32_t b, oy, ox, ky, kx, c;
  for (b = 0; b < w->batches; ++b) {
    const int16_t *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1, count;
        tl_window_span(x0, 1, w->k_w, w->in_w, &kx0, &kx1);
        count = (ky1 - ky0) * (kx1 - kx0);
        for (c = 0; c < channels; ++c) sum[c] = 0;
        for (ky = ky0; ky < ky1; ++ky) {
          const int16_t *in_r = in_image + (size_t)(y0 + ky) * in_row;
          for (kx = kx0; kx < kx1; ++kx) {
            const int16_t *a = in_r + (size_t)(x0 + kx) * channels;
            for (c = 0; c < channels; ++c) sum[c] += a[c];
          }
        }
        for (c = 0; c < channels; ++c) {
          int32_t avg = 0;
          if (count > 0) {
            avg = sum[c] > 0 ? (sum[c] + count / 2) / count : (sum[c] - count / 2) / count;
          }
          *output++ = (int16_t)tl_clamp_i32(avg, p->act_min, p->act_max);
        }
      }
    }
  }
}
