/* RESIZE_BILINEAR int16: LiteRT's integer reference (TFLM has no int16 bilinear resize), the int8
   kernel's arithmetic on int16 values: 10-bit weights, products summed in 64 bits, rounded half
   away from zero by a truncating division. */
#include "resize.h"

void tl_resize_bilinear_int16(const tl_resize_bilinear_int16_params *p, const int16_t *input, int16_t *output) {
  const int32_t c_n = p->channels;
  const size_t row_stride = (size_t)p->in_w * (size_t)c_n;
  int32_t b, y, x, c;
  for (b = 0; b < p->batches; ++b) {
    const int16_t *image = input + (size_t)b * (size_t)p->in_h * row_stride;
    for (y = 0; y < p->out_h; ++y) {
      const int16_t *lo = image + (size_t)p->row_lo[y] * row_stride;
      const int16_t *hi = image + (size_t)p->row_hi[y] * row_stride;
      const int64_t fy = p->row_frac[y], ry = 1024 - p->row_frac[y];
      for (x = 0; x < p->out_w; ++x) {
        const size_t x0 = (size_t)p->col_lo[x] * (size_t)c_n, x1 = (size_t)p->col_hi[x] * (size_t)c_n;
        const int64_t fx = p->col_frac[x], rx = 1024 - p->col_frac[x];
        for (c = 0; c < c_n; ++c) {
          const int64_t sum = lo[x0 + c] * ry * rx + hi[x0 + c] * fy * rx + lo[x1 + c] * ry * fx +
                              hi[x1 + c] * fy * fx;
          const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
          *output++ = (int16_t)((sum + round) / (1 << 20));
        }
      }
    }
  }
}
