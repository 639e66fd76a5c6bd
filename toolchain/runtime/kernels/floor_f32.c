/* FLOOR, float32. */
#include <math.h>

#include "elementwise_f32.h"

void tl_floor_f32(const tl_floor_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = floorf(x);
  }
}
