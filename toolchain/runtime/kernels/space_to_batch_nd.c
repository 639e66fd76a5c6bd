/* SPACE_TO_BATCH_ND: walks the batched output; pixels that fall in the padding get the pad value. */
#include <string.h>

#include "space_batch_nd.h"

void tl_space_to_batch_nd(const tl_space_to_batch_nd_params *p, const void *input, void *output) {
  const size_t eb = (size_t)p->elem_bytes;
  const size_t px = (size_t)p->channels * eb;
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  int32_t sh, sw, b, y, x, c;
  for (sh = 0; sh < p->block_h; ++sh)
    for (sw = 0; sw < p->block_w; ++sw)
      for (b = 0; b < p->batch; ++b)
        for (y = 0; y < p->batched_h; ++y) {
          const int32_t row = y * p->block_h + sh - p->pad_top;
          for (x = 0; x < p->batched_w; ++x) {
            const int32_t col = x * p->block_w + sw - p->pad_left;
            if (row < 0 || row >= p->height || col < 0 || col >= p->width) {
              for (c = 0; c < p->channels; ++c, out += eb) memcpy(out, p->pad_value, eb);
              continue;
            }
            memcpy(out, in + (((size_t)b * (size_t)p->height + (size_t)row) * (size_t)p->width + (size_t)col) * px,
                   px);
            out += px;
          }
        }
}
