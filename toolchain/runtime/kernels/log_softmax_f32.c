/* LOG_SOFTMAX, float32, per row: the maximum (from -FLT_MAX), the sum of exp(x - max) in order,
   then x - max - log(sum). */
#include <float.h>
#include <math.h>

#include "log_softmax.h"

void tl_log_softmax_f32(const tl_log_softmax_f32_params *p, const float *input, float *output) {
  int32_t row, c;
  for (row = 0; row < p->rows; ++row) {
    const float *x = input + row * p->depth;
    float *y = output + row * p->depth;
    float max = -FLT_MAX, sum = 0.0f, log_sum;
    for (c = 0; c < p->depth; ++c) max = max < x[c] ? x[c] : max;
    for (c = 0; c < p->depth; ++c) sum += expf(x[c] - max);
    log_sum = logf(sum);
    for (c = 0; c < p->depth; ++c) y[c] = x[c] - max - log_sum;
  }
}
