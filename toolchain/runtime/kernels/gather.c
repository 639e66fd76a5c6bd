/* GATHER: one memcpy per (batch, outer index, position). */
#include <string.h>

#include "gather.h"

void tl_gather(const tl_gather_params *p, const void *input, const int32_t *positions, void *output) {
  const size_t n = (size_t)p->inner_bytes;
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  int32_t b, o, c;
  for (b = 0; b < p->batch_size; ++b) {
    const int32_t *coords = positions + (size_t)b * (size_t)p->coord_size;
    for (o = 0; o < p->outer_size; ++o) {
      const uint8_t *block = in + ((size_t)b * (size_t)p->outer_size + (size_t)o) * (size_t)p->axis_size * n;
      for (c = 0; c < p->coord_size; ++c) {
        const int32_t at = coords[c];
        if (at >= 0 && at < p->axis_size) {
          memcpy(out, block + (size_t)at * n, n);
        } else {
          memset(out, 0, n);
        }
        out += n;
      }
    }
  }
}
