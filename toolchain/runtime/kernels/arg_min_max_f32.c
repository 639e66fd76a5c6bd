/* ARG_MAX / ARG_MIN, f32 input. */
#include "arg_min_max.h"

void tl_arg_min_max_f32(const tl_arg_min_max_params *p, const float *input, int32_t *output) {
  int32_t o, i, a;
  for (o = 0; o < p->outer; ++o) {
    const float *block = input + o * p->axis_size * p->inner;
    for (i = 0; i < p->inner; ++i) {
      float best = block[i];
      int32_t best_index = 0;
      for (a = 1; a < p->axis_size; ++a) {
        const float v = block[a * p->inner + i];
        if (p->take_max ? v > best : v < best) {
          best = v;
          best_index = a;
        }
      }
      *output++ = best_index;
    }
  }
}
