/* MAX_POOL_2D int8 on the Armv7E-M DSP extension: 4 channels per word; SSUB8 sets a lane's GE flag
   where the tap is >= the running maximum (on the exact difference) and SEL takes those lanes:
   TFLM's per-channel maximum over the taps inside the input, starting from -128. The activation
   clamp is the same pair of instructions against the words of act_min and act_max. */
#include "pool_dsp.h"
#include "tl_dsp.h"

static inline uint32_t max4(uint32_t a, uint32_t b) {
  (void)__ssub8(a, b); /* GE per lane: a >= b */
  return __sel(a, b);
}

static inline uint32_t splat(int32_t v) { return 0x01010101u * (uint8_t)v; }

void tl_max_pool_2d_int8_dsp(const tl_max_pool_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  const tl_window w = p->win;
  const int32_t channels = w.in_c, in_row = w.in_w * channels;
  const uint32_t lowest = splat(-128), act_min = splat(p->act_min), act_max = splat(p->act_max);
  int32_t b, oy, ox, ky, kx, c;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *image = input + (size_t)b * w.in_h * in_row;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, 1, w.k_h, w.in_h, &ky0, &ky1);
      for (ox = 0; ox < w.out_w; ++ox, output += channels) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        int32_t kx0, kx1;
        tl_window_span(x0, 1, w.k_w, w.in_w, &kx0, &kx1);
        for (c = 0; c < channels; c += 4) {
          uint32_t best = lowest, clamped;
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *tap = image + (size_t)(y0 + ky) * in_row + (size_t)(x0 + kx0) * channels + c;
            for (kx = kx0; kx < kx1; ++kx, tap += channels) best = max4(tl_load_u32(tap), best);
          }
          clamped = max4(best, act_min);
          (void)__ssub8(act_max, clamped); /* GE: act_max >= value */
          clamped = __sel(clamped, act_max);
          __builtin_memcpy(output + c, &clamped, 4);
        }
      }
    }
  }
}
