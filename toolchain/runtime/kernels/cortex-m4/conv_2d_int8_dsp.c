/* CONV_2D int8 on the Armv7E-M DSP extension. Each output pixel's window is gathered once into an
   int8 patch (padded taps read the input zero point, so the folded bias stays exact), widened to
   int16 pairs with SXTB16 (taps 0,2 then 1,3 of every 4), and multiplied by two output channels for
   two pixels at a time with SMLAD: the int8 filter words are widened the same way in the loop, so
   the pairs line up and the weights stay int8 in flash. */
#include <string.h>

#include "conv_2d_dsp.h"
#include "tl_dsp.h"

/* First (inclusive) and last (exclusive) tap whose coordinate origin + tap * dilation lies in [0, size). */
static void inside_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t size, int32_t *first, int32_t *last) {
  int32_t t = 0;
  while (t < taps && origin + t * dilation < 0) ++t;
  *first = t;
  while (t < taps && origin + t * dilation < size) ++t;
  *last = t;
}

/* The window of one output pixel as k_h * k_w * in_c int8 values, padded taps read the zero point,
   then zeros up to k_padded (zero weights meet them). One copy per kernel row when dil_w is 1. */
static void gather_patch(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int32_t pixel, int8_t *patch) {
  const tl_window w = p->win;
  const int32_t per_image = w.out_h * w.out_w, row_bytes = w.k_w * w.in_c;
  const int32_t b = pixel / per_image, oy = pixel % per_image / w.out_w, ox = pixel % w.out_w;
  const int32_t y0 = oy * w.stride_h - w.pad_h, x0 = ox * w.stride_w - w.pad_w;
  int32_t ky, kx, kx_first, kx_last;
  int8_t *dst = patch;
  inside_taps(x0, w.dil_w, w.k_w, w.in_w, &kx_first, &kx_last);
  for (ky = 0; ky < w.k_h; ++ky, dst += row_bytes) {
    const int32_t iy = y0 + ky * w.dil_h;
    const int8_t *row = input + (((size_t)b * w.in_h + iy) * w.in_w + x0) * w.in_c;
    if (iy < 0 || iy >= w.in_h || kx_first >= kx_last) {
      memset(dst, p->pad_value, (size_t)row_bytes);
      continue;
    }
    if (kx_first > 0) memset(dst, p->pad_value, (size_t)(kx_first * w.in_c));
    if (w.dil_w == 1) {
      memcpy(dst + kx_first * w.in_c, row + kx_first * w.in_c, (size_t)((kx_last - kx_first) * w.in_c));
    } else {
      for (kx = kx_first; kx < kx_last; ++kx) {
        memcpy(dst + kx * w.in_c, row + kx * w.dil_w * w.in_c, (size_t)w.in_c);
      }
    }
    if (kx_last < w.k_w) memset(dst + kx_last * w.in_c, p->pad_value, (size_t)((w.k_w - kx_last) * w.in_c));
  }
  if (dst - patch < p->k_padded) memset(dst, 0, (size_t)(p->k_padded - (dst - patch)));
}

/* int8 patch -> int16 pairs, per 4 taps (t0, t2) then (t1, t3), into every other pair of words
   (pixel a's and pixel b's pairs alternate, so the micro-kernel walks one pointer). */
static void widen(const int8_t *patch, int32_t k_padded, int32_t *pairs) {
  int32_t g;
  for (g = 0; g < k_padded; g += 4, pairs += 4) {
    const uint32_t w = tl_load_u32(patch + g);
    pairs[0] = __sxtb16(w);
    pairs[1] = tl_sxtb16_ror8(w);
  }
}

static void widen_pixel(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int32_t pixel, int8_t *patch,
                        int32_t *pairs) {
  if (p->direct) {
    widen(input + (size_t)pixel * p->win.in_c, p->k_padded, pairs);
  } else {
    gather_patch(p, input, pixel, patch);
    widen(patch, p->k_padded, pairs);
  }
}

/* acc[0..3] += channel c and c+1 of pixels a and b over `groups` 4-tap groups: per group one
   8-byte filter step (two int8 words, widened here) and four words of pixel pairs, two groups per
   turn (groups is even): 32 instructions for 32 multiply-accumulates. */
static inline __attribute__((always_inline)) void mac_2x2(const int8_t *filter, const int32_t *pairs, int32_t groups,
                                                          int32_t acc[4]) {
  int32_t a0 = acc[0], b0 = acc[1], a1 = acc[2], b1 = acc[3];
  const int32_t *end = pairs + 4 * groups;
  int32_t w0, w1, w0_13, w1_13, x02, x13;
  __asm__ volatile(
      "1:\n\t"
      "ldrd %[w0], %[w1], [%[f]], #8\n\t"
      "sxtb16 %[w0_13], %[w0], ror #8\n\t"
      "sxtb16 %[w0], %[w0]\n\t"
      "sxtb16 %[w1_13], %[w1], ror #8\n\t"
      "sxtb16 %[w1], %[w1]\n\t"
      "ldrd %[x02], %[x13], [%[x]], #8\n\t"
      "smlad %[a0], %[w0], %[x02], %[a0]\n\t"
      "smlad %[a0], %[w0_13], %[x13], %[a0]\n\t"
      "smlad %[a1], %[w1], %[x02], %[a1]\n\t"
      "smlad %[a1], %[w1_13], %[x13], %[a1]\n\t"
      "ldrd %[x02], %[x13], [%[x]], #8\n\t"
      "smlad %[b0], %[w0], %[x02], %[b0]\n\t"
      "smlad %[b0], %[w0_13], %[x13], %[b0]\n\t"
      "smlad %[b1], %[w1], %[x02], %[b1]\n\t"
      "smlad %[b1], %[w1_13], %[x13], %[b1]\n\t"
      "ldrd %[w0], %[w1], [%[f]], #8\n\t"
      "sxtb16 %[w0_13], %[w0], ror #8\n\t"
      "sxtb16 %[w0], %[w0]\n\t"
      "sxtb16 %[w1_13], %[w1], ror #8\n\t"
      "sxtb16 %[w1], %[w1]\n\t"
      "ldrd %[x02], %[x13], [%[x]], #8\n\t"
      "smlad %[a0], %[w0], %[x02], %[a0]\n\t"
      "smlad %[a0], %[w0_13], %[x13], %[a0]\n\t"
      "smlad %[a1], %[w1], %[x02], %[a1]\n\t"
      "smlad %[a1], %[w1_13], %[x13], %[a1]\n\t"
      "ldrd %[x02], %[x13], [%[x]], #8\n\t"
      "smlad %[b0], %[w0], %[x02], %[b0]\n\t"
      "smlad %[b0], %[w0_13], %[x13], %[b0]\n\t"
      "smlad %[b1], %[w1], %[x02], %[b1]\n\t"
      "smlad %[b1], %[w1_13], %[x13], %[b1]\n\t"
      "cmp %[x], %[end]\n\t"
      "bne 1b"
      : [a0] "+r"(a0), [b0] "+r"(b0), [a1] "+r"(a1), [b1] "+r"(b1), [f] "+r"(filter), [x] "+r"(pairs),
        [w0] "=&r"(w0), [w1] "=&r"(w1), [w0_13] "=&r"(w0_13), [w1_13] "=&r"(w1_13), [x02] "=&r"(x02),
        [x13] "=&r"(x13)
      : [end] "r"(end)
      : "cc", "memory");
  acc[0] = a0;
  acc[1] = b0;
  acc[2] = a1;
  acc[3] = b1;
}

static inline __attribute__((always_inline)) void conv(const tl_conv_2d_int8_dsp_params *p, const int8_t *input,
                                                       int8_t *output, int fast, int full) {
  const int32_t pixels = p->win.batches * p->win.out_h * p->win.out_w, out_c = p->win.out_c;
  const int32_t groups = p->k_padded / 4, act_min = p->act_min, act_max = p->act_max;
  const int32_t output_offset = p->output_offset;
  const int32_t *const folded_bias = p->folded_bias, *const requant = p->requant;
  const int32_t *const multiplier = p->multiplier, *const shift = p->shift;
  /* the widened pairs of two pixels and one gathered window live on the stack, so the arena keeps
     the portable kernel's size */
  int32_t pairs[TL_CONV_2D_DSP_MAX_K_PADDED];
  int8_t patch[TL_CONV_2D_DSP_MAX_K_PADDED] __attribute__((aligned(4)));
  int32_t px, c;
  for (px = 0; px < pixels; px += 2) {
    const int32_t has_b = px + 1 < pixels;
    int8_t *const out_a = output + (size_t)px * out_c, *const out_b = has_b ? out_a + out_c : out_a;
    const int8_t *filter = p->filter;
    widen_pixel(p, input, px, patch, pairs);
    widen_pixel(p, input, has_b ? px + 1 : px, patch, pairs + 2);
    for (c = 0; c < out_c; c += 2, filter += 2 * 4 * groups) {
      int32_t acc[4] = {folded_bias[c], folded_bias[c], folded_bias[c + 1], folded_bias[c + 1]};
      int32_t a0, b0, a1, b1;
      mac_2x2(filter, pairs, groups, acc);
      if (fast) {
        const tl_dsp_requant q0 = tl_dsp_load_requant(requant + 4 * c), q1 = tl_dsp_load_requant(requant + 4 * c + 4);
        a0 = tl_dsp_requantize(acc[0], q0);
        b0 = tl_dsp_requantize(acc[1], q0);
        a1 = tl_dsp_requantize(acc[2], q1);
        b1 = tl_dsp_requantize(acc[3], q1);
      } else {
        a0 = tl_dsp_requantize_exact(acc[0], multiplier[c], shift[c], output_offset);
        b0 = tl_dsp_requantize_exact(acc[1], multiplier[c], shift[c], output_offset);
        a1 = tl_dsp_requantize_exact(acc[2], multiplier[c + 1], shift[c + 1], output_offset);
        b1 = tl_dsp_requantize_exact(acc[3], multiplier[c + 1], shift[c + 1], output_offset);
      }
      /* all four computed before any int8 store (which may alias the tables); pixel b's stores
         come last: without a pixel b they land on pixel a's with the same values */
      out_a[c] = tl_dsp_activate(a0, full, act_min, act_max);
      out_a[c + 1] = tl_dsp_activate(a1, full, act_min, act_max);
      out_b[c] = tl_dsp_activate(b0, full, act_min, act_max);
      out_b[c + 1] = tl_dsp_activate(b1, full, act_min, act_max);
    }
  }
}

void tl_conv_2d_int8_dsp(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  if (p->full_range) {
    conv(p, input, output, 1, 1);
  } else {
    conv(p, input, output, 1, 0);
  }
}

void tl_conv_2d_int8_dsp_exact(const tl_conv_2d_int8_dsp_params *p, const int8_t *input, int8_t *output) {
  conv(p, input, output, 0, 0);
}
