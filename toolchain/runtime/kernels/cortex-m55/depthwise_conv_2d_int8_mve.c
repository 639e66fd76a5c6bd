/* DEPTHWISE_CONV_2D int8 on Cortex-M55 (MVE/Helium), depth multiplier 1. Eight channels per vector:
   each tap loads eight input bytes and eight weights widened to int16 lanes; VMULLB / VMULLT give the
   exact int32 products of the even and of the odd channels, added to two accumulators on top of the
   folded bias bias + input_offset * sum(w). A tap inside the input adds x * w: summed, TFLM's
   (x + input_offset) * w with the offsets in the bias. A tap outside reads the zero point (a row of
   them from the generator) instead, which cancels its input_offset * w in the folded bias, so the sum
   equals TFLM's, which skips the tap; the tap loop has no bounds tests. Integer sums are exact in any
   order. The two requantized halves are narrowed back into channel order (VMOVNB / VMOVNT) and
   stored as eight bytes. */
#include "depthwise_conv_2d_mve.h"

void tl_depthwise_conv_2d_int8_mve(const tl_depthwise_conv_2d_int8_mve_params *p, const int8_t *input,
                                   int8_t *output) {
  const tl_window w = p->win;
  const tl_mve_clamp clamp = tl_mve_clamp_of(&p->out);
  const int32_t taps = w.k_h * w.k_w;
  const int8_t *tap_input[TL_DEPTHWISE_MVE_MAX_TAPS];
  int32_t b, oy, ox, c, ky, kx, t;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *image = input + (size_t)b * w.in_h * w.in_w * w.in_c;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      for (ox = 0; ox < w.out_w; ++ox, output += w.out_c) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        const int8_t *weights = p->weights;
        const int32_t *q = p->out.channels;
        for (ky = 0, t = 0; ky < w.k_h; ++ky) {
          const int32_t y = y0 + ky * w.dil_h;
          for (kx = 0; kx < w.k_w; ++kx, ++t) {
            const int32_t x = x0 + kx * w.dil_w;
            tap_input[t] = (y >= 0 && y < w.in_h && x >= 0 && x < w.in_w)
                               ? image + ((size_t)y * w.in_w + x) * w.in_c : p->zero_points;
          }
        }
        for (c = 0; c < w.out_c; c += 8, q += 32) {
          int32x4_t even = vdupq_n_s32(0), odd = vdupq_n_s32(0);
          int16x8_t narrowed;
          for (t = 0; t < taps; ++t, weights += 8) {
            const int16x8_t a = vldrbq_s16(tap_input[t] + c), f = vldrbq_s16(weights);
            even = vaddq_s32(even, vmullbq_int_s16(a, f));
            odd = vaddq_s32(odd, vmulltq_int_s16(a, f));
          }
          narrowed = vmovnbq_s32(vdupq_n_s16(0), tl_mve_requantize(even, q, &clamp));
          narrowed = vmovntq_s32(narrowed, tl_mve_requantize(odd, q + 16, &clamp));
          vstrbq_s16(output + c, narrowed);
        }
      }
    }
  }
}
