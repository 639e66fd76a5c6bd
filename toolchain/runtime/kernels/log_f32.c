/* LOG, float32 (log(0) = -inf, negative inputs NaN, as TFLM). */
#include <math.h>

#include "elementwise_f32.h"

void tl_log_f32(const tl_log_f32_params *p, const float *input, float *output) {
  int32_t i;
  for (i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = logf(x);
  }
}
