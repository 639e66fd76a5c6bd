/* CONV_2D, int8 activations, int8 per-channel weights, int32 bias: portable C99.
   The valid kernel window is computed once per output pixel, so the multiply-accumulate loops
   carry no bounds tests. Pixels whose window lies fully inside the input start from a bias that
   already holds input_offset * sum(filter) and accumulate plain input * filter products; border
   pixels add the offset per tap. Both give TFLM's accumulator exactly (integer sums). */
#include "conv_2d.h"
#include "tl_quant.h"

static int32_t dot_s8(const int8_t *a, const int8_t *b, int32_t n) {
  int32_t acc = 0;
  int32_t i;
  for (i = 0; i < n; ++i) acc += (int32_t)a[i] * (int32_t)b[i];
  return acc;
}

static int32_t dot_s8_offset(const int8_t *a, const int8_t *b, int32_t n, int32_t a_offset) {
  int32_t acc = 0;
  int32_t i;
  for (i = 0; i < n; ++i) acc += ((int32_t)a[i] + a_offset) * (int32_t)b[i];
  return acc;
}

void tl_conv_2d_int8(const tl_conv_2d_int8_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output) {
  const tl_window *w = &p->win;
  const int32_t fc = p->filter_in_c;
  const int32_t out_c_per_group = w->out_c / (w->in_c / fc);
  const int32_t filter_size = w->k_h * w->k_w * fc;
  const int32_t in_row = w->in_w * w->in_c;
  /* With no dilation across columns and one group, a filter row is one contiguous run. */
  const int contiguous_rows = (w->dil_w == 1 && fc == w->in_c);
  int32_t b, oy, ox, oc, ky, kx;
  for (b = 0; b < w->batches; ++b) {
    const int8_t *in_image = input + (size_t)b * w->in_h * in_row;
    for (oy = 0; oy < w->out_h; ++oy) {
      const int32_t y0 = oy * w->stride_h - w->pad_h;
      int32_t ky0, ky1;
      tl_window_span(y0, w->dil_h, w->k_h, w->in_h, &ky0, &ky1);
      for (ox = 0; ox < w->out_w; ++ox) {
        const int32_t x0 = ox * w->stride_w - w->pad_w;
        int32_t kx0, kx1;
        int full;
        tl_window_span(x0, w->dil_w, w->k_w, w->in_w, &kx0, &kx1);
        full = (ky0 == 0 && ky1 == w->k_h && kx0 == 0 && kx1 == w->k_w);
        for (oc = 0; oc < w->out_c; ++oc) {
          const int8_t *f = filter + (size_t)oc * filter_size;
          const int8_t *in_g = in_image + (oc / out_c_per_group) * fc;
          int32_t acc = full ? p->folded_bias[oc] : (bias ? bias[oc] : 0);
          for (ky = ky0; ky < ky1; ++ky) {
            const int8_t *in_r = in_g + (size_t)(y0 + ky * w->dil_h) * in_row;
            const int8_t *f_r = f + (size_t)ky * w->k_w * fc;
            if (contiguous_rows) {
              const int8_t *a = in_r + (size_t)(x0 + kx0) * w->in_c;
              const int32_t n = (kx1 - kx0) * fc;
              acc += full ? dot_s8(a, f_r, n) : dot_s8_offset(a, f_r + kx0 * fc, n, p->input_offset);
            } else {
              for (kx = kx0; kx < kx1; ++kx) {
                const int8_t *a = in_r + (size_t)(x0 + kx * w->dil_w) * w->in_c;
                acc += full ? dot_s8(a, f_r + kx * fc, fc) : dot_s8_offset(a, f_r + kx * fc, fc, p->input_offset);
              }
            }
          }
          acc = tl_multiply_by_quantized_multiplier(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
          *output++ = (int8_t)tl_clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
