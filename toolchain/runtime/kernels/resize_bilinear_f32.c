/* RESIZE_BILINEAR float32: TFLM's four weighted terms, multiplied and summed in its order. */
#include "resize.h"

void tl_resize_bilinear_f32(const tl_resize_bilinear_f32_params *p, const float *input, float *output) {
  const int32_t c_n = p->channels;
  const size_t row_stride = (size_t)p->in_w * (size_t)c_n;
  int32_t b, y, x, c;
  for (b = 0; b < p->batches; ++b) {
    const float *image = input + (size_t)b * (size_t)p->in_h * row_stride;
    for (y = 0; y < p->out_h; ++y) {
      const float *lo = image + (size_t)p->row_lo[y] * row_stride;
      const float *hi = image + (size_t)p->row_hi[y] * row_stride;
      const float fy = p->row_frac[y], ry = p->row_rest[y];
      for (x = 0; x < p->out_w; ++x) {
        const size_t x0 = (size_t)p->col_lo[x] * (size_t)c_n, x1 = (size_t)p->col_hi[x] * (size_t)c_n;
        const float fx = p->col_frac[x], rx = p->col_rest[x];
        for (c = 0; c < c_n; ++c) {
          *output++ = lo[x0 + c] * ry * rx + hi[x0 + c] * fy * rx + lo[x1 + c] * ry * fx + hi[x1 + c] * fy * fx;
        }
      }
    }
  }
}
