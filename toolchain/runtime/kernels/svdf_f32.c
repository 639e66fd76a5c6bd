/* SVDF float32: TFLM's reference order of every sum, then the fused activation as a clamp. */
#include <string.h>

#include "svdf.h"

/* std::max(lo, x) and std::min(x, hi) as TFLM's activation evaluates them */
static float at_least(float lo, float x) { return lo < x ? x : lo; }
static float at_most(float x, float hi) { return hi < x ? hi : x; }

static float activate(int32_t activation, float x) {
  switch (activation) {
    case TL_SVDF_RELU: return at_least(0.0f, x);
    case TL_SVDF_RELU_N1_TO_1: return at_least(-1.0f, at_most(x, 1.0f));
    case TL_SVDF_RELU6: return at_least(0.0f, at_most(x, 6.0f));
    default: return x;
  }
}

void tl_svdf_f32(const tl_svdf_f32_params *p, const float *input, const float *weights_feature,
                 const float *weights_time, const float *bias, float *output, void *scratch) {
  const tl_svdf_shape *s = &p->s;
  const size_t state_count = (size_t)s->batches * s->filters * s->memory;
  float *state = p->state;
  float *per_filter = (float *)scratch;
  int32_t b, f, i, u, r;
  memmove(state, state + 1, (state_count - 1) * sizeof(float));
  for (b = 0; b < s->batches; ++b) {
    const float *x = input + (size_t)b * s->input_size;
    for (f = 0; f < s->filters; ++f) {
      const float *w = weights_feature + (size_t)f * s->input_size;
      float dot = 0.0f;
      for (i = 0; i < s->input_size; ++i) dot += w[i] * x[i];
      state[((size_t)b * s->filters + f) * s->memory + s->memory - 1] = dot;
    }
  }
  for (b = 0; b < s->batches; ++b) {
    for (f = 0; f < s->filters; ++f) {
      const float *wt = weights_time + (size_t)f * s->memory;
      const float *st = state + ((size_t)b * s->filters + f) * s->memory;
      float sum = 0.0f;
      for (i = 0; i < s->memory; ++i) sum += wt[i] * st[i];
      per_filter[(size_t)b * s->filters + f] = sum;
    }
  }
  for (b = 0; b < s->batches; ++b) {
    const float *from = per_filter + (size_t)b * s->filters;
    for (u = 0; u < s->units; ++u) {
      float acc = bias ? bias[u] : 0.0f;
      for (r = 0; r < s->rank; ++r) acc += *from++;
      *output++ = activate(p->activation, acc);
    }
  }
}
