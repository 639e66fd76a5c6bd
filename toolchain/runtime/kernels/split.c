/* SPLIT: for each index before the axis, consecutive input bytes go to each output in turn. */
#include <string.h>

#include "split.h"

void tl_split(const tl_split_params *p, const void *input) {
  const uint8_t *in = (const uint8_t *)input;
  int32_t o, i;
  for (o = 0; o < p->outer; ++o) {
    for (i = 0; i < p->num_outputs; ++i) {
      const size_t n = p->row_bytes[i];
      memcpy((uint8_t *)p->outputs[i] + (size_t)o * n, in, n);
      in += n;
    }
  }
}
