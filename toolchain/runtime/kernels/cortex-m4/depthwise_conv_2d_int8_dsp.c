/* DEPTHWISE_CONV_2D int8 on the Armv7E-M DSP extension. Per output pixel each tap's input pixel is
   looked up once (a padded tap points at a row of input zero points, so the folded bias stays
   exact and the channel loop has no border tests); then per 4 channels and tap, one word of input
   is widened by SXTB16 into channels (0, 2) and (1, 3) and multiplied by the matching int16 weight
   halves with SMLABB / SMLATT. */
#include "depthwise_conv_2d_dsp.h"
#include "tl_dsp.h"

static void tap_rows(const tl_depthwise_conv_2d_int8_dsp_params *p, const int8_t *input, int32_t b, int32_t oy,
                     int32_t ox, const int8_t **rows) {
  const tl_window w = p->win;
  const int32_t y0 = oy * w.stride_h - w.pad_h, x0 = ox * w.stride_w - w.pad_w;
  int32_t ky, kx;
  for (ky = 0; ky < w.k_h; ++ky) {
    const int32_t iy = y0 + ky * w.dil_h;
    for (kx = 0; kx < w.k_w; ++kx) {
      const int32_t ix = x0 + kx * w.dil_w;
      *rows++ = (iy < 0 || iy >= w.in_h || ix < 0 || ix >= w.in_w)
                    ? p->pad_row
                    : input + (((size_t)b * w.in_h + iy) * w.in_w + ix) * w.in_c;
    }
  }
}

/* acc[0..3] += channels c..c+3 over every tap: per tap one input word (4 channels) widened into
   channels (0, 2) and (1, 3), and one 8-byte step of int16 weights; 11 instructions for 4 MACs. */
static inline __attribute__((always_inline)) void mac_taps(const int8_t *const *rows, int32_t taps, int32_t c,
                                                           const int32_t *weights, int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const *end = rows + taps;
  int32_t x, x13, w02, w13;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[x], [%[rows]], #4\n\t"
      "ldr %[x], [%[x], %[c]]\n\t"
      "ldrd %[w02], %[w13], [%[w]], #8\n\t"
      "sxtb16 %[x13], %[x], ror #8\n\t"
      "sxtb16 %[x], %[x]\n\t"
      "smlabb %[a0], %[x], %[w02], %[a0]\n\t"
      "smlatt %[a2], %[x], %[w02], %[a2]\n\t"
      "smlabb %[a1], %[x13], %[w13], %[a1]\n\t"
      "smlatt %[a3], %[x13], %[w13], %[a3]\n\t"
      "cmp %[rows], %[end]\n\t"
      "bne 1b"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [rows] "+r"(rows), [w] "+r"(weights),
        [x] "=&r"(x), [x13] "=&r"(x13), [w02] "=&r"(w02), [w13] "=&r"(w13)
      : [end] "r"(end), [c] "r"(c)
      : "cc", "memory");
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

static inline __attribute__((always_inline)) void depthwise(const tl_depthwise_conv_2d_int8_dsp_params *p,
                                                            const int8_t *input, int8_t *output, int fast, int full) {
  const tl_window w = p->win;
  const int32_t taps = w.k_h * w.k_w, act_min = p->act_min, act_max = p->act_max;
  const int32_t output_offset = p->output_offset;
  const int32_t *const folded_bias = p->folded_bias, *const requant = p->requant;
  const int32_t *const multiplier = p->multiplier, *const shift = p->shift;
  const int8_t *rows[TL_DEPTHWISE_CONV_2D_DSP_MAX_TAPS]; /* each tap's input pixel (or the zero-point row) */
  int32_t b, oy, ox, c;
  for (b = 0; b < w.batches; ++b) {
    for (oy = 0; oy < w.out_h; ++oy) {
      for (ox = 0; ox < w.out_w; ++ox, output += w.in_c) {
        const int32_t *weights = (const int32_t *)(const void *)p->filter;
        tap_rows(p, input, b, oy, ox, rows);
        for (c = 0; c < w.in_c; c += 4, weights += 2 * taps) {
          int32_t acc[4] = {folded_bias[c], folded_bias[c + 1], folded_bias[c + 2], folded_bias[c + 3]};
          int32_t v0, v1, v2, v3;
          mac_taps(rows, taps, c, weights, acc);
          if (fast) {
            v0 = tl_dsp_requantize(acc[0], tl_dsp_load_requant(requant + 4 * c));
            v1 = tl_dsp_requantize(acc[1], tl_dsp_load_requant(requant + 4 * c + 4));
            v2 = tl_dsp_requantize(acc[2], tl_dsp_load_requant(requant + 4 * c + 8));
            v3 = tl_dsp_requantize(acc[3], tl_dsp_load_requant(requant + 4 * c + 12));
          } else {
            v0 = tl_dsp_requantize_exact(acc[0], multiplier[c], shift[c], output_offset);
            v1 = tl_dsp_requantize_exact(acc[1], multiplier[c + 1], shift[c + 1], output_offset);
            v2 = tl_dsp_requantize_exact(acc[2], multiplier[c + 2], shift[c + 2], output_offset);
            v3 = tl_dsp_requantize_exact(acc[3], multiplier[c + 3], shift[c + 3], output_offset);
          }
          /* all four computed before any int8 store (which may alias the tables) */
          output[c] = tl_dsp_activate(v0, full, act_min, act_max);
          output[c + 1] = tl_dsp_activate(v1, full, act_min, act_max);
          output[c + 2] = tl_dsp_activate(v2, full, act_min, act_max);
          output[c + 3] = tl_dsp_activate(v3, full, act_min, act_max);
        }
      }
    }
  }
}

void tl_depthwise_conv_2d_int8_dsp(const tl_depthwise_conv_2d_int8_dsp_params *p, const int8_t *input,
                                   int8_t *output) {
  if (p->full_range) {
    depthwise(p, input, output, 1, 1);
  } else {
    depthwise(p, input, output, 1, 0);
  }
}

void tl_depthwise_conv_2d_int8_dsp_exact(const tl_depthwise_conv_2d_int8_dsp_params *p, const int8_t *input,
                                         int8_t *output) {
  depthwise(p, input, output, 0, 0);
}
