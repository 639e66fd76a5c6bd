/* RESIZE_NEAREST_NEIGHBOR: each output pixel is one source pixel's bytes. */
#include <string.h>

#include "resize.h"

void tl_resize_nearest(const tl_resize_nearest_params *p, const void *input, void *output) {
  const size_t px = (size_t)p->pixel_bytes;
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  int32_t b, y, x;
  for (b = 0; b < p->batches; ++b) {
    const uint8_t *image = in + (size_t)b * (size_t)p->in_h * (size_t)p->in_w * px;
    for (y = 0; y < p->out_h; ++y) {
      const uint8_t *row = image + (size_t)p->rows[y] * (size_t)p->in_w * px;
      for (x = 0; x < p->out_w; ++x) {
        memcpy(out, row + (size_t)p->cols[x] * px, px);
        out += px;
      }
    }
  }
}
