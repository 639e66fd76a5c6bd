/* DEPTHWISE_CONV_2D, int8 activations, int8 per-channel weights, int32 bias: portable C99.
   The valid window is computed once per output pixel, so the tap loops carry no bounds tests.
   Four output channels are accumulated in registers at a time: with depth multiplier 1 they read
   four neighbouring input channels, with a multiplier divisible by four they share one input
   value. Fully-inside windows start from the folded bias and skip the per-tap input offset.
   Struct fields are copied to locals first: int8 output stores may alias anything, and locals
   spare the compiler from reloading them after every store. */
#include "depthwise_conv_2d.h"
#include "tl_quant.h"

void tl_depthwise_conv_2d_int8(const tl_depthwise_conv_2d_int8_params *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output) {
  const tl_window w = p->win;
  const int32_t dm = p->depth_multiplier;
  const int32_t in_row = w.in_w * w.in_c;
  const int32_t tap_step = w.dil_w * w.in_c; /* input elements between horizontal taps */
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t *const folded_bias = p->folded_bias;
  const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  int32_t b, oy, ox, oc, ky, kx, j;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *in_image = input + (size_t)b * w.in_h * in_row;
    for (oy = 0; oy < w.out_h; ++oy) {
      const int32_t y0 = oy * w.stride_h - w.pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w.dil_h, w.k_h, w.in_h, &ky0, &ky1);
      for (ox = 0; ox < w.out_w; ++ox) {
        const int32_t x0 = ox * w.stride_w - w.pad_w;
        int32_t kx0, kx1, offset;
        const int32_t *start;
        tl_window_span(x0, w.dil_w, w.k_w, w.in_w, &kx0, &kx1);
        if (ky0 == 0 && ky1 == w.k_h && kx0 == 0 && kx1 == w.k_w) {
          offset = 0;
          start = folded_bias;
        } else {
          offset = input_offset;
          start = bias;
        }
        for (oc = 0; oc < w.out_c;) {
          const int32_t ic = oc / dm;
          const int32_t block = (oc + 4 <= w.out_c && (dm == 1 || dm % 4 == 0)) ? 4 : 1;
          int32_t acc[4] = {0, 0, 0, 0};
          int32_t s0 = start ? start[oc] : 0, s1 = 0, s2 = 0, s3 = 0;
          if (block == 4 && start) {
            s1 = start[oc + 1];
            s2 = start[oc + 2];
            s3 = start[oc + 3];
          }
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *row = in_image + (size_t)(y0 + ky * w.dil_h) * in_row + ic;
            const int8_t *f = filter + (size_t)ky * w.k_w * w.out_c + oc;
            int32_t ai = (x0 + kx0 * w.dil_w) * w.in_c;
            int32_t fi = kx0 * w.out_c;
            if (block == 1) {
              for (kx = kx0; kx < kx1; ++kx, ai += tap_step, fi += w.out_c) {
                s0 += ((int32_t)row[ai] + offset) * f[fi];
              }
            } else if (dm == 1 && offset == 0) {
              for (kx = kx0; kx < kx1; ++kx, ai += tap_step, fi += w.out_c) {
                const int8_t *x = row + ai;
                const int8_t *g = f + fi;
                s0 += x[0] * g[0];
                s1 += x[1] * g[1];
                s2 += x[2] * g[2];
                s3 += x[3] * g[3];
              }
            } else if (dm == 1) {
              for (kx = kx0; kx < kx1; ++kx, ai += tap_step, fi += w.out_c) {
                const int8_t *x = row + ai;
                const int8_t *g = f + fi;
                s0 += ((int32_t)x[0] + offset) * g[0];
                s1 += ((int32_t)x[1] + offset) * g[1];
                s2 += ((int32_t)x[2] + offset) * g[2];
                s3 += ((int32_t)x[3] + offset) * g[3];
              }
            } else {
              for (kx = kx0; kx < kx1; ++kx, ai += tap_step, fi += w.out_c) {
                const int32_t x = (int32_t)row[ai] + offset;
                s0 += x * f[fi];
                s1 += x * f[fi + 1];
                s2 += x * f[fi + 2];
                s3 += x * f[fi + 3];
              }
            }
          }
          acc[0] = s0;
          acc[1] = s1;
          acc[2] = s2;
          acc[3] = s3;
          for (j = 0; j < block; ++j) {
            const int32_t v = tl_multiply_by_quantized_multiplier(acc[j], multiplier[oc + j], shift[oc + j]);
            *output++ = (int8_t)tl_clamp_i32(v + output_offset, act_min, act_max);
          }
          oc += block;
        }
      }
    }
  }
}
