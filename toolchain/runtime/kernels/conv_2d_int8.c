/* CONV_2D, int8 activations, int8 per-channel weights, int32 bias: portable C99.
   The valid kernel window is computed once per output pixel, so the multiply-accumulate loops carry
   no bounds tests. Four output channels are accumulated together so every input byte loaded feeds
   four multiply-accumulates. Pixels whose window lies fully inside the input start from a bias that
   already holds input_offset * sum(filter) and need no per-tap offset; border pixels add it per tap.
   Both give TFLM's accumulator exactly (integer sums). */
#include "conv_2d.h"
#include "tl_quant.h"

/* acc[k] += sum_i (a[i] + offset) * f[k * f_stride + i], k = 0..3 */
static void mac4(const int8_t *a, const int8_t *f, size_t f_stride, int32_t n, int32_t offset, int32_t *acc) {
  const int8_t *f0 = f;
  const int8_t *f1 = f0 + f_stride;
  const int8_t *f2 = f1 + f_stride;
  const int8_t *f3 = f2 + f_stride;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  int32_t i;
  for (i = 0; i < n; ++i) {
    const int32_t x = (int32_t)a[i] + offset;
    s0 += x * f0[i];
    s1 += x * f1[i];
    s2 += x * f2[i];
    s3 += x * f3[i];
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

static int32_t mac1(const int8_t *a, const int8_t *f, int32_t n, int32_t offset) {
  int32_t s = 0;
  int32_t i;
  for (i = 0; i < n; ++i) s += ((int32_t)a[i] + offset) * f[i];
  return s;
}

void tl_conv_2d_int8(const tl_conv_2d_int8_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output) {
  const tl_window *w = &p->win;
  const int32_t fc = p->filter_in_c;
  const int32_t out_c_per_group = w->out_c / (w->in_c / fc);
  const size_t filter_size = (size_t)w->k_h * w->k_w * fc;
  const int32_t in_row = w->in_w * w->in_c;
  /* With no dilation across columns and one group, a filter row is one contiguous run. */
  const int contiguous_rows = (w->dil_w == 1 && fc == w->in_c);
  /* Blocks of four output channels must not straddle a group. */
  const int32_t block = (out_c_per_group % 4 == 0 || fc == w->in_c) ? 4 : 1;
  int32_t b, oy, ox, oc, ky, kx, k;
  for (b = 0; b < w->batches; ++b) {
    const int8_t *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w->dil_h, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1, offset;
        const int32_t *start;
        tl_window_span(x0, w->dil_w, w->k_w, w->in_w, &kx0, &kx1);
        if (ky0 == 0 && ky1 == w->k_h && kx0 == 0 && kx1 == w->k_w) {
          offset = 0;
          start = p->folded_bias;
        } else {
          offset = p->input_offset;
          start = bias;
        }
        for (oc = 0; oc < w->out_c; oc += k) {
          const int8_t *f = filter + (size_t)oc * filter_size;
          const int8_t *in_g = in_image + (oc / out_c_per_group) * fc;
          int32_t acc[4] = {0, 0, 0, 0};
          k = (block == 4 && oc + 4 <= w->out_c) ? 4 : 1;
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *in_r = in_g + (size_t)(y0 + ky * w->dil_h) * in_row;
            const int8_t *f_r = f + (size_t)ky * w->k_w * fc;
            if (contiguous_rows) {
              const int8_t *a = in_r + (size_t)(x0 + kx0) * w->in_c;
              const int32_t n = (kx1 - kx0) * fc;
              if (k == 4) mac4(a, f_r + kx0 * fc, filter_size, n, offset, acc);
              else acc[0] += mac1(a, f_r + kx0 * fc, n, offset);
            } else {
              for (kx = kx0; kx < kx1; ++kx) {
                const int8_t *a = in_r + (size_t)(x0 + kx * w->dil_w) * w->in_c;
                if (k == 4) mac4(a, f_r + kx * fc, filter_size, fc, offset, acc);
                else acc[0] += mac1(a, f_r + kx * fc, fc, offset);
              }
            }
          }
          {
            int32_t j;
            for (j = 0; j < k; ++j) {
              int32_t v = acc[j] + (start ? start[oc + j] : 0);
              v = tl_multiply_by_quantized_multiplier(v, p->multiplier[oc + j], p->shift[oc + j]);
              *output++ = (int8_t)tl_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
            }
          }
        }
      }
    }
  }
}
