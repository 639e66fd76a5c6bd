/* CONCATENATION: for each index before the axis, each input's contiguous block in turn. */
#include <string.h>

#include "concatenation.h"

void tl_concatenation(const tl_concatenation_params *p, void *output) {
  uint8_t *out = (uint8_t *)output;
  int32_t o, i;
  for (o = 0; o < p->outer; ++o) {
    for (i = 0; i < p->num_inputs; ++i) {
      const size_t n = p->row_bytes[i];
      memcpy(out, (const uint8_t *)p->inputs[i] + (size_t)o * n, n);
      out += n;
    }
  }
}
