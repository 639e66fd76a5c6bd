/* AVERAGE_POOL_2D int8 on Cortex-M55 (MVE/Helium): the window's valid taps summed four channels at
   a time in int32 lanes (exact), then per channel TFLM's rounded division by the number of valid
   taps (halves away from zero: (sum +- count / 2) / count, truncating) and the activation clamp. */
#include "average_pool_2d_mve.h"

static int32_t rounded_average(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

void tl_average_pool_2d_int8_mve(const tl_average_pool_2d_int8_mve_params *p, const int8_t *input, int8_t *output) {
  const tl_window w = p->win;
  const size_t in_row = (size_t)w.in_w * w.in_c;
  const int32x4_t lo = vdupq_n_s32(p->act_min), hi = vdupq_n_s32(p->act_max);
  int32_t b, oy, ox, ky, kx, c;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *image = input + (size_t)b * w.in_h * in_row;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w.k_h, w.in_h, &ky0, &ky1);
      for (ox = 0; ox < w.out_w; ++ox, output += w.out_c) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        int32_t kx0, kx1, count;
        tl_window_span(x0, 1, w.k_w, w.in_w, &kx0, &kx1);
        count = (ky1 - ky0) * (kx1 - kx0);
        for (c = 0; c < w.out_c; c += 4) {
          int32x4_t sum = vdupq_n_s32(0), avg = vdupq_n_s32(0);
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *x = image + (size_t)(y0 + ky) * in_row + (size_t)(x0 + kx0) * w.in_c + c;
            for (kx = kx0; kx < kx1; ++kx, x += w.in_c) sum = vaddq_s32(sum, vldrbq_s32(x));
          }
          if (count > 0) {
            avg = vsetq_lane_s32(rounded_average(vgetq_lane_s32(sum, 0), count), avg, 0);
            avg = vsetq_lane_s32(rounded_average(vgetq_lane_s32(sum, 1), count), avg, 1);
            avg = vsetq_lane_s32(rounded_average(vgetq_lane_s32(sum, 2), count), avg, 2);
            avg = vsetq_lane_s32(rounded_average(vgetq_lane_s32(sum, 3), count), avg, 3);
          }
          vstrbq_s32(output + c, vminq_s32(vmaxq_s32(avg, lo), hi));
        }
      }
    }
  }
}
