/* CONV_2D, int8 activations, int8 per-channel weights, int32 bias: portable C99.
   Ungrouped convolutions with a window larger than one pixel first gather the pixel's window into
   scratch (im2col), padding with the input zero point: then every pixel is one contiguous dot
   product per output channel on top of the folded bias (bias + input_offset * sum(filter)),
   because a padded tap contributes (zero_point + input_offset) * w = 0, exactly as TFLM skips it.
   Otherwise the valid window is computed once per output pixel (no per-tap bounds tests), fully
   inside windows start from the folded bias, border windows add the offset per tap. Four output
   channels are accumulated together so every input byte loaded feeds four multiply-accumulates.
   Integer sums are exact in any order, so the accumulator equals TFLM's. */
#include "conv_2d.h"
#include "tl_quant.h"

/* acc[k] += sum_i a[i] * f[k * f_stride + i], k = 0..3: one input load feeds four MACs. Pointer
   walks and a count-down loop keep everything in registers on 16-register cores. */
static void mac4(const int8_t *a, const int8_t *f, size_t f_stride, int32_t n, int32_t *acc) {
  const int8_t *f0 = f;
  const int8_t *f1 = f0 + f_stride;
  const int8_t *f2 = f1 + f_stride;
  const int8_t *f3 = f2 + f_stride;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  while (n-- > 0) {
    const int32_t x = *a++;
    s0 += x * *f0++;
    s1 += x * *f1++;
    s2 += x * *f2++;
    s3 += x * *f3++;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

/* The same with the input offset added per tap: for windows that overlap the padding. */
static void mac4_offset(const int8_t *a, const int8_t *f, size_t f_stride, int32_t n, int32_t offset,
                        int32_t *acc) {
  const int8_t *f0 = f;
  const int8_t *f1 = f0 + f_stride;
  const int8_t *f2 = f1 + f_stride;
  const int8_t *f3 = f2 + f_stride;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  while (n-- > 0) {
    const int32_t x = *a++ + offset;
    s0 += x * *f0++;
    s1 += x * *f1++;
    s2 += x * *f2++;
    s3 += x * *f3++;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

static int32_t mac1(const int8_t *a, const int8_t *f, int32_t n, int32_t offset) {
  int32_t s = 0;
  while (n-- > 0) s += (*a++ + offset) * *f++;
  return s;
}

static void mac(int32_t k, const int8_t *a, const int8_t *f, size_t f_stride, int32_t n, int32_t offset,
                int32_t *acc) {
  if (k == 1) {
    acc[0] += mac1(a, f, n, offset);
  } else if (offset == 0) {
    mac4(a, f, f_stride, n, acc);
  } else {
    mac4_offset(a, f, f_stride, n, offset, acc);
  }
}

/* Gathers the window of the output pixel at input origin (y0, x0) into col, in filter (OHWI) order;
   taps outside the input get the zero point. */
static void im2col(const tl_window *w, const int8_t *in_image, int32_t y0, int32_t x0, int8_t pad, int8_t *col) {
  const int32_t in_row = w->in_w * w->in_c;
  int32_t ky, kx, c;
  for (ky = 0; ky < w->k_h; ++ky) {
    const int32_t y = y0 + ky * w->dil_h;
    for (kx = 0; kx < w->k_w; ++kx) {
      const int32_t x = x0 + kx * w->dil_w;
      if (y >= 0 && y < w->in_h && x >= 0 && x < w->in_w) {
        const int8_t *src = in_image + (size_t)y * in_row + (size_t)x * w->in_c;
        for (c = 0; c < w->in_c; ++c) *col++ = src[c];
      } else {
        for (c = 0; c < w->in_c; ++c) *col++ = pad;
      }
    }
  }
}

static void conv_im2col(const tl_conv_2d_int8_params *p, const int8_t *input, const int8_t *filter,
                        int8_t *output, int8_t *col) {
  const tl_window w = p->win;
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t *const folded_bias = p->folded_bias;
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  const int8_t pad = (int8_t)(-p->input_offset);
  const int32_t n = w.k_h * w.k_w * w.in_c;
  int32_t b, oy, ox, oc, j;
  for (b = 0; b < w.batches; ++b) {
    const int8_t *in_image = input + (size_t)b * w.in_h * w.in_w * w.in_c;
    for (oy = 0; oy < w.out_h; ++oy) {
      for (ox = 0; ox < w.out_w; ++ox) {
        im2col(&w, in_image, oy * w.stride_h - w.pad_h, ox * w.stride_w - w.pad_w, pad, col);
        for (oc = 0; oc < w.out_c;) {
          const int32_t k = oc + 4 <= w.out_c ? 4 : 1;
          int32_t acc[4] = {0, 0, 0, 0};
          mac(k, col, filter + (size_t)oc * n, (size_t)n, n, 0, acc);
          for (j = 0; j < k; ++j) {
            const int32_t v = tl_multiply_by_quantized_multiplier(acc[j] + folded_bias[oc + j], multiplier[oc + j],
                                                                  shift[oc + j]);
            *output++ = (int8_t)tl_clamp_i32(v + output_offset, act_min, act_max);
          }
          oc += k;
        }
      }
    }
  }
}

void tl_conv_2d_int8(const tl_conv_2d_int8_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output, void *scratch) {
  /* Locals, not struct reads: int8 output stores may alias anything and would force reloads. */
  const tl_window w = p->win;
  const int32_t fc = p->filter_in_c;
  const int32_t *const multiplier = p->multiplier;
  const int32_t *const shift = p->shift;
  const int32_t *const folded_bias = p->folded_bias;
  const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t out_c_per_group = w.out_c / (w.in_c / fc);
  const size_t filter_size = (size_t)w.k_h * w.k_w * fc;
  const int32_t in_row = w.in_w * w.in_c;
  /* With no dilation across columns and one group, a filter row is one contiguous run. */
  const int contiguous_rows = (w.dil_w == 1 && fc == w.in_c);
  /* Blocks of four output channels must not straddle a group. */
  const int32_t block = (out_c_per_group % 4 == 0 || fc == w.in_c) ? 4 : 1;
  int32_t b, oy, ox, oc, ky, kx, j;
  if (scratch) {
    conv_im2col(p, input, filter, output, (int8_t *)scratch);
    return;
  }
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
          const int8_t *f = filter + (size_t)oc * filter_size;
          const int8_t *in_g = in_image + (oc / out_c_per_group) * fc;
          const int32_t k = (block == 4 && oc + 4 <= w.out_c) ? 4 : 1;
          int32_t acc[4] = {0, 0, 0, 0};
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *in_r = in_g + (size_t)(y0 + ky * w.dil_h) * in_row;
            const int8_t *f_r = f + (size_t)ky * w.k_w * fc;
            if (contiguous_rows) {
              mac(k, in_r + (size_t)(x0 + kx0) * w.in_c, f_r + kx0 * fc, filter_size, (kx1 - kx0) * fc, offset,
                  acc);
            } else {
              for (kx = kx0; kx < kx1; ++kx) {
                mac(k, in_r + (size_t)(x0 + kx * w.dil_w) * w.in_c, f_r + kx * fc, filter_size, fc, offset, acc);
              }
            }
          }
          for (j = 0; j < k; ++j) {
            int32_t v = acc[j] + (start ? start[oc + j] : 0);
            v = tl_multiply_by_quantized_multiplier(v, multiplier[oc + j], shift[oc + j]);
            *output++ = (int8_t)tl_clamp_i32(v + output_offset, act_min, act_max);
          }
          oc += k;
        }
      }
    }
  }
}
