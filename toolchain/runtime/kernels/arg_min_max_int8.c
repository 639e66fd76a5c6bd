/* ARG_MAX / ARG_MIN, int8 input. */
#include "arg_min_max.h"

void tl_arg_min_max_int8(const tl_arg_min_max_params *p, const int8_t *input, int32_t *output) {
  int32_t o, i, a;
  for (o = 0; o < p->outer; ++o) {
    const int8_t *block = input + o * p->axis_size * p->inner;
    for (i = 0; i < p->inner; ++i) {
      int8_t best = block[i];
      int32_t best_index = 0;
      for (a = 1; a < p->axis_size; ++a) {
        const int8_t v = block[a * p->inner + i];
        if (p->take_max ? v > best : v < best) {
          best = v;
          best_index = a;
        }
      }
      *output++ = best_index;
    }
  }
}
