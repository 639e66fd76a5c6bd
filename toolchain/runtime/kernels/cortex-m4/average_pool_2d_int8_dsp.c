/* AVERAGE_POOL_2D int8 on the Armv7E-M DSP extension: per 4 channels, one input word per tap added
   by SXTAB16 into channels (0, 2) and (1, 3) as 16-bit lanes (the generator takes windows of at most
   256 taps, so |sum| <= 256 * 128 fits a lane exactly); then TFLM's rounding division per channel.
   Padded taps are left out of the sum and the count, as in TFLM. No scratch: the sums stay in
   registers. */
#include "pool_dsp.h"
#include "tl_dsp.h"

static inline int8_t average(int32_t sum, int32_t count, int32_t act_min, int32_t act_max) {
  int32_t avg = 0;
  if (count > 0) avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  return (int8_t)tl_clamp_i32(avg, act_min, act_max);
}

void tl_average_pool_2d_int8_dsp(const tl_average_pool_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  const tl_window w = p->win;
  const int32_t channels = w.in_c, in_row = w.in_w * channels, act_min = p->act_min, act_max = p->act_max;
  int32_t b, oy, ox, ky, kx, c;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *image = input + (size_t)b * w.in_h * in_row;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w.k_h, w.in_h, &ky0, &ky1);
      for (ox = 0; ox < w.out_w; ++ox, output += channels) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        int32_t kx0, kx1, count;
        tl_window_span(x0, 1, w.k_w, w.in_w, &kx0, &kx1);
        count = (ky1 - ky0) * (kx1 - kx0);
        for (c = 0; c < channels; c += 4) {
          uint32_t sum02 = 0, sum13 = 0;
          int8_t v[4];
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *tap = image + (size_t)(y0 + ky) * in_row + (size_t)(x0 + kx0) * channels + c;
            for (kx = kx0; kx < kx1; ++kx, tap += channels) {
              const uint32_t x = tl_load_u32(tap);
              sum02 = __sxtab16(sum02, x);
              sum13 = tl_sxtab16_ror8(sum13, x);
            }
          }
          v[0] = average((int16_t)sum02, count, act_min, act_max);
          v[1] = average((int16_t)sum13, count, act_min, act_max);
          v[2] = average((int32_t)sum02 >> 16, count, act_min, act_max);
          v[3] = average((int32_t)sum13 >> 16, count, act_min, act_max);
          output[c] = v[0];
          output[c + 1] = v[1];
          output[c + 2] = v[2];
          output[c + 3] = v[3];
        }
      }
    }
  }
}
