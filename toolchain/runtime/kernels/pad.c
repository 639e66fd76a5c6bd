/* PAD: walks the output row by row (innermost dimension); a row whose outer coordinates fall in
   the padding is all pad value, any other row is pad, one input row, pad. Input rows are consumed
   in order, so the input pointer only moves forward. */
#include <string.h>

#include "pad.h"

static uint8_t *fill(uint8_t *out, const void *value, int32_t count, size_t elem_bytes) {
  int32_t i;
  for (i = 0; i < count; ++i) {
    memcpy(out, value, elem_bytes);
    out += elem_bytes;
  }
  return out;
}

static int inside(const tl_pad_params *p, int32_t axis, int32_t coordinate) {
  return coordinate >= p->before[axis] && coordinate < p->before[axis] + p->in_dims[axis];
}

void tl_pad(const tl_pad_params *p, const void *input, void *output) {
  const size_t eb = (size_t)p->elem_bytes;
  const int32_t *od = p->out_dims;
  const size_t row_in = (size_t)p->in_dims[5] * eb;
  const int32_t after = od[5] - p->before[5] - p->in_dims[5];
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  int32_t c0, c1, c2, c3, c4;
  for (c0 = 0; c0 < od[0]; ++c0)
    for (c1 = 0; c1 < od[1]; ++c1)
      for (c2 = 0; c2 < od[2]; ++c2)
        for (c3 = 0; c3 < od[3]; ++c3)
          for (c4 = 0; c4 < od[4]; ++c4) {
            if (!(inside(p, 0, c0) && inside(p, 1, c1) && inside(p, 2, c2) && inside(p, 3, c3) &&
                  inside(p, 4, c4))) {
              out = fill(out, p->pad_value, od[5], eb);
              continue;
            }
            out = fill(out, p->pad_value, p->before[5], eb);
            memcpy(out, in, row_in);
            out += row_in;
            in += row_in;
            out = fill(out, p->pad_value, after, eb);
          }
}
